package loader

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// rawParent runs the WorkerCode POSTed as JSON (with "env" and "what"
// extras built by the parent) and reports what happened as JSON.
const rawParent = `
import { RpcTarget, WorkerEntrypoint } from "cloudflare:workers";
class Tools extends RpcTarget {
  add(a, b) { return a + b; }
  secret() { return "tool-secret"; }
  fail() { throw new TypeError("tool failed"); }
}
const SECRET = "parent-secret";
export default {
  async fetch(req, env) {
    const body = await req.json();
    const code = body.code;
    if (body.tools) code.env = { ...(code.env ?? {}), TOOLS: new Tools(), double: (x) => x * 2, SELF: env.SELF };
    if (body.outbound === "self") code.globalOutbound = env.SELF;
    if (!("globalOutbound" in code) && body.outbound !== "inherit") code.globalOutbound = null;
    try {
      const stub = body.anon ? env.LOADER.load(code) : env.LOADER.get(body.id ?? crypto.randomUUID(), () => code);
      const ep = stub.getEntrypoint(body.entry, body.opts);
      if (body.rpc) {
        const args = body.args ?? [];
        if (body.passTools) args.push(new Tools());
        const v = await ep[body.rpc](...args);
        return Response.json({ outcome: "rpc", value: v });
      }
      const r = await ep.fetch("http://dyn/" + (body.path ?? ""));
      return Response.json({ outcome: "response", status: r.status, body: await r.text() });
    } catch (e) {
      return Response.json({ outcome: "threw", name: e?.name, message: e?.message, remote: e?.remote ?? false, stack: String(e?.stack ?? "") });
    }
  },
};
export class Self extends WorkerEntrypoint {
  fetch(req) { return new Response("self saw " + new URL(req.url).pathname); }
}
`

type outcome struct {
	Outcome string `json:"outcome"`
	Status  int    `json:"status"`
	Body    string `json:"body"`
	Name    string `json:"name"`
	Message string `json:"message"`
	Remote  bool   `json:"remote"`
	Stack   string `json:"stack"`
	Value   any    `json:"value"`
}

func run(tb testing.TB, p *parent, req map[string]any) outcome {
	tb.Helper()
	b, _ := json.Marshal(req)
	st, body := p.do(tb, "POST", "/", string(b))
	if st != 200 {
		tb.Fatalf("parent answered %d %q", st, body)
	}
	var o outcome
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		tb.Fatalf("parent answered %q: %v", body, err)
	}
	return o
}

func code(mods map[string]any) map[string]any {
	return map[string]any{"compatibilityDate": "2025-09-01", "mainModule": "index.js", "modules": mods}
}

func jsCode(src string) map[string]any { return code(map[string]any{"index.js": src}) }

func TestBadInput(t *testing.T) { forModes(t, Options{}, testBadInput) }

func testBadInput(t *testing.T, opts Options) {
	p := newParent(t, rawParent, opts)
	tests := []struct {
		name string
		req  map[string]any
		want outcome // fields compared when set
		msg  []string
	}{
		{"main not in modules", map[string]any{"code": map[string]any{"mainModule": "nope.js", "modules": map[string]any{"index.js": "export default {}"}}},
			outcome{Outcome: "threw", Name: "Error", Message: "Failed to start Worker:\nUncaught Error: No such module: nope.js"}, nil},
		{"two types", map[string]any{"code": code(map[string]any{"index.js": map[string]any{"js": "export default {}", "text": "x"}})},
			outcome{Outcome: "threw", Name: "TypeError", Message: "Each module must contain exactly one of 'js', 'cjs', 'text', 'data', 'json', 'py', or 'wasm'. Module 'index.js' contained 2 properties."}, nil},
		{"no type", map[string]any{"code": code(map[string]any{"index.js": map[string]any{}})},
			outcome{Outcome: "threw", Name: "TypeError", Message: "Each module must contain exactly one of 'js', 'cjs', 'text', 'data', 'json', 'py', or 'wasm'. Module 'index.js' contained 0 properties."}, nil},
		{"python", map[string]any{"code": code(map[string]any{"index.js": map[string]any{"py": "x"}})},
			outcome{Outcome: "threw", Name: "TypeError"}, []string{"Python", "not supported"}},
		{"wasm", map[string]any{"code": code(map[string]any{"index.js": map[string]any{"wasm": "x"}})},
			outcome{Outcome: "threw", Name: "TypeError"}, []string{"WebAssembly", "not supported"}},
		{"syntax error", map[string]any{"code": jsCode("export default { fetch( { return 1 } };")},
			outcome{Outcome: "threw", Name: "Error"}, []string{"Failed to start Worker:\nUncaught SyntaxError: ", "at index.js:1:"}},
		{"top-level throw", map[string]any{"code": jsCode("throw new RangeError(\"top\"); export default {}")},
			outcome{Outcome: "threw", Name: "Error"}, []string{"Failed to start Worker:\nUncaught RangeError: top\n  at index.js:1:"}},
		{"missing import", map[string]any{"code": jsCode("import x from './missing.js'; export default { fetch() { return new Response(x) } }")},
			outcome{Outcome: "threw", Name: "Error"}, []string{"Failed to start Worker:", "missing.js"}},
		{"no fetch handler", map[string]any{"code": jsCode("export default {}")},
			outcome{Outcome: "threw", Name: "Error", Message: "Handler does not export a fetch() function.", Remote: true}, nil},
		{"throwing handler", map[string]any{"code": jsCode("export default {\n  fetch() {\n    throw new TypeError(\"boom\");\n  }\n}")},
			outcome{Outcome: "threw", Name: "TypeError", Message: "boom", Remote: true}, []string{"index.js:3:"}},
		{"no such entrypoint", map[string]any{"code": jsCode("export default { fetch() { return new Response('x') } }"), "entry": "Nope"},
			outcome{Outcome: "threw", Name: "Error", Message: "Worker has no such entrypoint: Nope"}, nil},
		{"fetch with globalOutbound null", map[string]any{"code": jsCode("export default { async fetch() { return await fetch('http://127.0.0.1:1/') } }")},
			outcome{Outcome: "threw", Name: "Error", Message: "This worker is not permitted to access the internet via global functions like fetch(). It must use capabilities (such as bindings in 'env') to talk to the outside world.", Remote: true}, nil},
		{"rpc to a plain object with two arguments", map[string]any{"code": jsCode("export default { add(a, b) { return a + b } }"), "rpc": "add", "args": []any{1, 2}},
			outcome{Outcome: "threw", Name: "TypeError", Remote: true}, []string{"wrong number of arguments"}},
		{"rpc to a missing method", map[string]any{"code": jsCode("import {WorkerEntrypoint} from 'cloudflare:workers'; export default class extends WorkerEntrypoint { nope() {} }"), "rpc": "missing"},
			outcome{Outcome: "threw", Name: "TypeError", Message: "The RPC receiver does not implement the method \"missing\".", Remote: true}, nil},
		{"rpc to constructor", map[string]any{"code": jsCode("import {WorkerEntrypoint} from 'cloudflare:workers'; export default class extends WorkerEntrypoint {}"), "rpc": "constructor"},
			outcome{Outcome: "threw", Name: "TypeError", Remote: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, p, tt.req)
			if got.Outcome != tt.want.Outcome || (tt.want.Name != "" && got.Name != tt.want.Name) ||
				(tt.want.Message != "" && got.Message != tt.want.Message) || got.Remote != tt.want.Remote {
				t.Errorf("got %+v;\nwant %+v", got, tt.want)
			}
			for _, m := range tt.msg {
				contains(t, "message+stack", got.Message+"\n"+got.Stack, m)
			}
		})
	}
}

func TestFeatures(t *testing.T) { forModes(t, Options{}, testFeatures) }

func testFeatures(t *testing.T, opts Options) {
	p := newParent(t, rawParent, opts)
	tests := []struct {
		name string
		req  map[string]any
		want string // JSON of the value or the response body
	}{
		{"module types", map[string]any{"code": code(map[string]any{
			"index.js": `import t from "./t.txt"; import j from "./j.json"; import c from "./c.cjs"; import {env} from "cloudflare:workers"; export default { fetch(r, e) { return Response.json([t, j, c, e, env === e]) } }`,
			"t.txt":    map[string]any{"text": "hello"}, "j.json": map[string]any{"json": map[string]any{"a": 1}}, "c.cjs": map[string]any{"cjs": "module.exports = {x: 2}"}}),
		}, `["hello",{"a":1},{"x":2},{},true]`},
		{"env data", map[string]any{"code": withEnv(jsCode(`export default { fetch(r, env) { return Response.json(env) } }`), map[string]any{"A": 1, "B": map[string]any{"c": []any{1}}})}, `{"A":1,"B":{"c":[1]}}`},
		{"rpc with props", map[string]any{"code": jsCode(`import {WorkerEntrypoint} from "cloudflare:workers"; export class X extends WorkerEntrypoint { add(a, b) { return {s: a + b, p: this.ctx.props, m: [...new Map([[1, 2]])]} } }; export default {}`),
			"entry": "X", "opts": map[string]any{"props": map[string]any{"u": 1}}, "rpc": "add", "args": []any{1, 2}}, `{"m":[[1,2]],"p":{"u":1},"s":3}`},
		{"rpc one arg to object", map[string]any{"code": jsCode(`export default { twice(x, env, ctx) { return x * 2 } }`), "rpc": "twice", "args": []any{21}}, `42`},
		{"tools in env", map[string]any{"tools": true, "code": jsCode(`export default { async fetch(r, env) { return Response.json([await env.TOOLS.add(1, 2), await env.double(4)]) } }`)}, `[3,8]`},
		{"tool error keeps class", map[string]any{"tools": true, "code": jsCode(`export default { async fetch(r, env) { try { await env.TOOLS.fail() } catch (e) { return new Response(e.name + ": " + e.message + " " + (e instanceof TypeError)) } } }`)}, `TypeError: tool failed true`},
		{"tools passed as rpc argument", map[string]any{"passTools": true, "code": jsCode(`import {WorkerEntrypoint} from "cloudflare:workers"; export default class extends WorkerEntrypoint { async run(tools) { return await tools.add(20, 22) } }`), "rpc": "run"}, `42`},
		{"service binding in env", map[string]any{"tools": true, "code": jsCode(`export default { async fetch(r, env) { const x = await env.SELF.fetch("http://self/hi"); return new Response(await x.text()) } }`)}, `self saw /hi`},
		{"globalOutbound fetcher", map[string]any{"outbound": "self", "code": jsCode(`export default { async fetch() { const x = await fetch("https://example.com/via"); return new Response(await x.text()) } }`)}, `self saw /via`},
		{"anonymous load", map[string]any{"anon": true, "code": jsCode(`export default { fetch() { return new Response("anon") } }`)}, `anon`},
		{"frozen clock", map[string]any{"code": jsCode(`export default { fetch() { const t0 = Date.now(), p0 = performance.now(), d0 = new Date().getTime(); let x = 0; for (let i = 0; i < 300000; i++) x += i; return Response.json([Date.now() - t0, performance.now() - p0, new Date().getTime() - d0, typeof Date.UTC, new Date(5).getTime()]) } }`)}, `[0,0,0,"function",5]`},
		{"clock advances across timers", map[string]any{"code": jsCode(`export default { async fetch() { const t0 = Date.now(); await new Promise(r => setTimeout(r, 30)); return new Response(String(Date.now() - t0 >= 20)) } }`)}, `true`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, p, tt.req)
			var s string
			switch got.Outcome {
			case "rpc":
				b, _ := json.Marshal(got.Value)
				s = string(b)
			case "response":
				s = got.Body
			default:
				t.Fatalf("threw %s: %s\n%s", got.Name, got.Message, got.Stack)
			}
			if s != tt.want {
				t.Errorf("got %s; want %s", s, tt.want)
			}
		})
	}
}

func withEnv(c map[string]any, env map[string]any) map[string]any {
	c["env"] = env
	return c
}

// TestCacheBounded loads many distinct ids: the cache never holds more
// than its size, and the callback runs once per miss.
func TestCacheBounded(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 500
	}
	p := newParent(t, basicParent, Options{CacheSize: 16})
	for i := 0; i < n; i++ {
		got := p.mustGet(t, fmt.Sprintf("/x?id=id-%d", i))
		if got != "hello from /x calls=1" {
			t.Fatalf("id %d: %q", i, got)
		}
		if p.l.Len() > 16 {
			t.Fatalf("after %d loads the cache holds %d workers; want <= 16", i+1, p.l.Len())
		}
	}
	// The most recent id is still cached; the first was evicted.
	if got := p.mustGet(t, fmt.Sprintf("/y?id=id-%d", n-1)); got != "hello from /y calls=0" {
		t.Errorf("recent id: %q", got)
	}
	if got := p.mustGet(t, "/z?id=id-0"); got != "hello from /z calls=1" {
		t.Errorf("evicted id: %q", got)
	}
}

func TestParentSurvivesSyntaxErrors(t *testing.T) {
	p := newParent(t, basicParent, Options{})
	st, body := p.get(t, "/?id=bad&src="+url.QueryEscape("export default { fetch( }"))
	if st != 500 || !strings.Contains(body, "SyntaxError") {
		t.Errorf("bad code: %d %q", st, body)
	}
	if got := p.mustGet(t, "/ok?id=good"); !strings.HasPrefix(got, "hello from /ok") {
		t.Errorf("after a bad load: %q", got)
	}
}
