package loader

import (
	"fmt"
	"testing"
	"time"
)

// benchParent is bench/workers/loader.js: /cold?id=X loads X (source text
// distinct per id), /warm calls one cached worker.
const benchParent = `
function code(id) {
  return { compatibilityDate: "2025-09-01", mainModule: "index.js", globalOutbound: null,
    modules: { "index.js": "const ID = " + JSON.stringify(id) + ";\nexport default { fetch() { return new Response(ID ? \"ok\" : \"no id\"); } };\n" } };
}
export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const id = url.searchParams.get("id") ?? "warm";
    const stub = env.LOADER.get(id, () => code(id));
    const r = await stub.getEntrypoint().fetch("http://dyn/");
    return new Response(await r.text());
  },
};
`

// BenchmarkLoader: a cold load of a never-seen id (bundle, new runtime or
// child process, first call) and a warm call through a cached id, in both
// isolation modes. The parent worker's own request is included.
func BenchmarkLoader(b *testing.B) {
	for _, mode := range []Isolation{Isolate, Process} {
		b.Run(string(mode), func(b *testing.B) {
			opts := Options{Isolation: mode}
			if mode == Process {
				opts.Pool = &Pool{Warm: 2}
				b.Cleanup(opts.Pool.Close)
			}
			b.Run("cold", func(b *testing.B) {
				p := newParent(b, benchParent, opts)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if got := p.mustGet(b, fmt.Sprintf("/?id=cold-%d", i)); got != "ok" {
						b.Fatalf("got %q", got)
					}
				}
			})
			// cold-paced: the same load with 20 ms between loads, the time a
			// server has between new ids at 50 loads/s, in which the warm
			// pool (isolate mode) builds the next runtimes off the request
			// path. cold above runs loads back to back: the pool is always
			// empty there and it measures the full cost of a load.
			b.Run("cold-paced", func(b *testing.B) {
				p := newParent(b, benchParent, opts)
				p.mustGet(b, "/?id=paced-first")
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					time.Sleep(20 * time.Millisecond)
					b.StartTimer()
					if got := p.mustGet(b, fmt.Sprintf("/?id=paced-%d", i)); got != "ok" {
						b.Fatalf("got %q", got)
					}
				}
			})
			b.Run("warm", func(b *testing.B) {
				p := newParent(b, benchParent, opts)
				p.mustGet(b, "/")
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if got := p.mustGet(b, "/"); got != "ok" {
						b.Fatalf("got %q", got)
					}
				}
			})
		})
	}
}
