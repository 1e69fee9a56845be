package loader

import (
	"strings"
	"testing"
)

// TestSecurity: attempts to reach what a dynamic worker was not given.
// Each probe returns a JSON report; none may find anything.
func TestSecurity(t *testing.T) { forModes(t, Options{}, testSecurity) }

func testSecurity(t *testing.T, opts Options) {
	p := newParent(t, rawParent, opts)
	tests := []struct {
		name, src string
		tools     bool
		want      string
	}{
		{"parent env and globals", `export default { fetch(r, env) { return Response.json([Object.keys(env).length, typeof SECRET, typeof globalThis.__isola_native, typeof globalThis.__isola_hooks, typeof process]) } }`, false,
			`[0,"undefined","undefined","undefined","undefined"]`},
		{"host files", `export default { async fetch() { const out = []; for (const u of ["file:///etc/passwd", "/etc/passwd"]) { try { await fetch(u); out.push("read") } catch (e) { out.push(e.name) } } try { const f = "/etc/" + "passwd"; await import(f); out.push("imported") } catch (e) { out.push("no import") } return Response.json(out) } }`, false,
			`["TypeError","TypeError","no import"]`},
		{"network with globalOutbound null", `export default { async fetch() { try { await fetch("http://127.0.0.1:9/"); return new Response("reached") } catch (e) { return new Response(e.message.slice(0, 40)) } } }`, false,
			`This worker is not permitted to access t`},
		{"prototype escape through a tool stub", `export default { async fetch(r, env) { const out = []; for (const m of ["constructor", "__proto__", "toString", "valueOf", "hasOwnProperty"]) { try { const v = await env.TOOLS[m](); out.push(m + ":" + typeof v) } catch (e) { out.push(m + ":" + e.name) } } try { env.TOOLS.x = 1; out.push("set") } catch (e) { out.push("set:" + e.name) } out.push(Object.getPrototypeOf(env.TOOLS) === Function.prototype); return Response.json(out) } }`, true,
			`["constructor:TypeError","__proto__:TypeError","toString:TypeError","valueOf:TypeError","hasOwnProperty:TypeError","set:TypeError",true]`},
		{"tool result carries no parent objects", `export default { async fetch(r, env) { const v = await env.TOOLS.add({a: 1}, {b: 2}); return Response.json([typeof v, String(v)]) } }`, true,
			`["string","[object Object][object Object]"]`},
		{"pollution stays inside", `Object.prototype.polluted = "yes"; export default { fetch() { return new Response("polluted") } }`, false, `polluted`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := map[string]any{"code": jsCode(tt.src)}
			if tt.tools {
				req["tools"] = true
			}
			got := run(t, p, req)
			if got.Outcome != "response" || got.Body != tt.want {
				t.Errorf("got %+v;\nwant body %s", got, tt.want)
			}
		})
	}
	// Other sandboxes' state: a second id does not see the first's globals,
	// and the parent was not polluted.
	a := run(t, p, map[string]any{"id": "a", "code": jsCode(`globalThis.shared = "from a"; export default { fetch() { return new Response(String(globalThis.shared)) } }`)})
	b := run(t, p, map[string]any{"id": "b", "code": jsCode(`export default { fetch() { return new Response(String(globalThis.shared) + " " + String(({}).polluted)) } }`)})
	if a.Body != "from a" || b.Body != "undefined undefined" {
		t.Errorf("isolation between sandboxes: a=%+v b=%+v", a, b)
	}
	if st, body := p.do(t, "POST", "/", `{"code":{"mainModule":"index.js","modules":{"index.js":"export default { fetch() { return new Response('x') } }"}}}`); st != 200 || strings.Contains(body, "polluted") {
		t.Errorf("parent after pollution attempt: %d %s", st, body)
	}
}
