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
