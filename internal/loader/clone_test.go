package loader

import "testing"

// protoParent calls the dynamic worker's RPC method "arr" (bytes cross
// through js/src/clone.js's serializer both ways) and reports what the
// parent got.
const protoParent = `
export default {
  async fetch(req, env) {
    const stub = env.LOADER.load({ mainModule: "index.js", globalOutbound: null, modules: { "index.js": ` + "`" + `
      import { WorkerEntrypoint } from "cloudflare:workers";
      function evil() {
        const a = [1, 2];
        Object.defineProperty(a, "__proto__", { value: { evil: true }, enumerable: true, writable: true, configurable: true });
        return a;
      }
      export default class extends WorkerEntrypoint {
        arr() { return evil(); }
        local() { const c = structuredClone(evil()); return [Object.getPrototypeOf(c) === Array.prototype, c.evil === undefined, Object.keys(c)]; }
        echo(a) { return [Array.isArray(a), Object.getPrototypeOf(a) === Array.prototype, a.evil === undefined, Object.keys(a)]; }
      }
    ` + "`" + ` } });
    const ep = stub.getEntrypoint();
    const a = await ep.arr();
    const local = await ep.local();
    const echoed = await ep.echo(a);
    return Response.json({ got: [Array.isArray(a), Object.getPrototypeOf(a) === Array.prototype, a.evil === undefined, Object.keys(a)], local, echoed });
  },
};
`

// TestCloneProtoKey: an array's own "__proto__" key stays a key; it never
// replaces the prototype of the copy (structuredClone and the RPC bytes).
func TestCloneProtoKey(t *testing.T) {
	p := newParent(t, protoParent, Options{})
	got := p.mustGet(t, "/")
	want := `{"got":[true,true,true,["0","1","__proto__"]],"local":[true,true,["0","1","__proto__"]],"echoed":[true,true,true,["0","1","__proto__"]]}`
	if got != want {
		t.Errorf("GET / = %s; want %s", got, want)
	}
}

// TestNoRequire: as in workerd without nodejs_compat, an ES module of a
// dynamic worker sees no require (a CommonJS module has its own).
func TestNoRequire(t *testing.T) {
	p := newParent(t, rawParent, Options{})
	tests := []struct {
		name string
		code map[string]any
		want string
	}{
		{"es module", jsCode(`export default { fetch() { return Response.json([typeof require, typeof module, typeof exports]) } }`), `["undefined","undefined","undefined"]`},
		{"own require", jsCode(`const require = (x) => "mine " + x; export default { fetch() { return new Response(require("a")) } }`), `mine a`},
		{"cjs module", code(map[string]any{
			"index.js": `import c from "./c.cjs"; export default { fetch() { return new Response(c) } }`,
			"c.cjs":    map[string]any{"cjs": `module.exports = typeof require + " " + require("./d.cjs");`},
			"d.cjs":    map[string]any{"cjs": `module.exports = "d";`},
		}), `function d`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, p, map[string]any{"code": tt.code})
			if got.Outcome != "response" || got.Body != tt.want {
				t.Errorf("got %+v; want body %s", got, tt.want)
			}
		})
	}
}
