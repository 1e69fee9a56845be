package perf

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/webapi"
	"github.com/isola-run/isola/internal/webapi/fetch"
	"github.com/isola-run/isola/js"
)

// entry is the worker the dispatch benchmarks call: "/json" echoes a JSON
// body, anything else answers "hello".
const entry = `
globalThis.__isola_entry = { default: { async fetch(req) {
  if (req.method === "POST") return Response.json(await req.json());
  return new Response("hello");
} } };
`

// newRuntime returns a runtime with every Web API registered and the
// benchmark worker initialized, closed at the end of the benchmark.
func newRuntime(tb testing.TB) *engine.Runtime {
	tb.Helper()
	hs := engine.NewHostSet()
	webapi.Register(hs, webapi.Options{})
	rt, err := engine.New(engine.Options{Host: hs, Bootstrap: js.Runtime + entry, CPULimit: time.Minute})
	if err != nil {
		tb.Fatalf("engine.New: %v", err)
	}
	tb.Cleanup(func() { rt.Close() })
	if _, err := rt.Call(context.Background(), "worker.init", map[string]any{}); err != nil {
		tb.Fatalf("worker.init: %v", err)
	}
	return rt
}

func eval(tb testing.TB, rt *engine.Runtime, src string) any {
	tb.Helper()
	v, err := rt.Eval(context.Background(), src)
	if err != nil {
		tb.Fatalf("Eval: %v\n%s", err, src)
	}
	return v
}

// ops are JS operations timed in a loop inside the runtime. setup runs once
// (its declarations are visible to op); op is one statement or expression;
// async ops are awaited.
var ops = []struct {
	name, setup, op string
	async           bool
}{
	{name: "empty-loop", op: `0`},
	{name: "object-literal", op: `x = { a: 1, b: "two" }`},
	{name: "JSON.stringify-tiny", op: `x = JSON.stringify([1, "a", { b: 2 }])`},
	{name: "host-call", op: `x = performance.now()`},
	{name: "new-URL", op: `x = new URL("https://example.com/a/b?c=d#e")`},
	{name: "new-URL-unique", op: `x = new URL("https://example.com/a/b?c=" + i)`},
	{name: "url.pathname", setup: `const u = new URL("https://example.com/a/b?c=d");`, op: `x = u.pathname`},
	{name: "url.searchParams.get", setup: `const u = new URL("https://example.com/a/b?c=d");`, op: `x = u.searchParams.get("c")`},
	{name: "new-Headers-pairs", op: `x = new Headers([["content-type", "text/plain"], ["x-a", "1"]])`},
	{name: "new-Headers-record", op: `x = new Headers({ "content-type": "text/plain", "x-a": "1" })`},
	{name: "headers.get", setup: `const h = new Headers({ "content-type": "text/plain", "x-a": "1" });`, op: `x = h.get("Content-Type")`},
	{name: "headers.set", setup: `const h = new Headers({ "content-type": "text/plain", "x-a": "1" });`, op: `h.set("x-b", "2")`},
	{name: "new-Request-url", op: `x = new Request("https://example.com/a")`},
	{name: "new-Request-headers", op: `x = new Request("https://example.com/a", { headers: { "x-a": "1", "accept": "*/*" } })`},
	{name: "new-Response-string", op: `x = new Response("hello")`},
	{name: "Response.json", op: `x = Response.json({ a: [1, 2, 3], b: "text" })`},
	{name: "request.json", op: `x = await new Request("https://example.com/", { method: "POST", body: '{"a":[1,2,3],"b":"text"}' }).json()`, async: true},
	{name: "request.text", op: `x = await new Request("https://example.com/", { method: "POST", body: "hello" }).text()`, async: true},
	{name: "response.text", op: `x = await new Response("hello").text()`, async: true},
	{name: "TextEncoder.encode-small", setup: `const te = new TextEncoder();`, op: `x = te.encode("hello, world")`},
	{name: "TextEncoder.encode-64KB", setup: `const te = new TextEncoder(); const s = "abcdefgh".repeat(8192);`, op: `x = te.encode(s)`},
	{name: "TextDecoder.decode-small", setup: `const td = new TextDecoder(); const b = new TextEncoder().encode("hello, world");`, op: `x = td.decode(b)`},
	{name: "TextDecoder.decode-64KB", setup: `const td = new TextDecoder(); const b = new TextEncoder().encode("abcdefgh".repeat(8192));`, op: `x = td.decode(b)`},
	{name: "structuredClone-small", setup: `const o = { a: 1, b: "two", c: [1, 2, 3], d: { e: true } };`, op: `x = structuredClone(o)`},
	{name: "structuredClone-200KB-string", setup: `const s = "abcdefgh".repeat(25600);`, op: `x = structuredClone(s)`},
}

// BenchmarkOps times each operation in a JS loop of b.N iterations and
// reports the time per operation (ns/op includes the loop, see empty-loop).
func BenchmarkOps(b *testing.B) {
	rt := newRuntime(b)
	for _, tc := range ops {
		b.Run(tc.name, func(b *testing.B) {
			aw := ""
			if tc.async {
				aw = "await "
			}
			_ = aw
			body := fmt.Sprintf(`(async () => { let x; %s
const run = %s(n) => { for (let i = 0; i < n; i++) { %s; } };
await run(1);
globalThis.__run = run; return typeof x; })()`, tc.setup, asyncKw(tc.async), tc.op)
			eval(b, rt, body)
			b.ResetTimer()
			eval(b, rt, fmt.Sprintf(`(async () => { await globalThis.__run(%d); })()`, b.N))
		})
	}
}

func asyncKw(async bool) string {
	if async {
		return "async "
	}
	return ""
}

// BenchmarkDispatch times the worker.fetch hook as the worker server calls
// it: one HTTP exchange in (method, URL, headers, body stream), the
// handler, the response out and its body read in Go.
func BenchmarkDispatch(b *testing.B) {
	rt := newRuntime(b)
	for _, tc := range []struct {
		name, method, body, want string
		document                 bool
	}{
		{"hello", "GET", "", "hello", false},
		{"json-echo", "POST", `{"a":[1,2,3],"b":"text"}`, `{"a":[1,2,3],"b":"text"}`, false},
		// The request and response as JSON documents (fetch.Exchange.Init),
		// as service bindings and Durable Object stubs still carry them.
		{"hello-document", "GET", "", "hello", true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				var body io.Reader
				if tc.body != "" {
					body = strings.NewReader(tc.body)
				}
				r := httptest.NewRequest(tc.method, "http://example.com/", body)
				r.Header.Set("User-Agent", "bench")
				r.Header.Set("Accept", "*/*")
				x, err := fetch.NewExchange(r)
				if err != nil {
					b.Fatal(err)
				}
				var init any = x.Wire() // as the worker server sends it
				if tc.document {
					init = x.Init()
				}
				v, err := rt.Call(context.Background(), "worker.fetch", nil, init, nil)
				if err != nil {
					b.Fatal(err)
				}
				resp, err := x.Response(v)
				if err != nil {
					b.Fatal(err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				x.Close()
				if string(got) != tc.want {
					b.Fatalf("body %q; want %q", got, tc.want)
				}
			}
		})
	}
}

// BenchmarkCall is the floor under every dispatch: a call into the runtime
// of a hook that returns at once.
func BenchmarkCall(b *testing.B) {
	rt := newRuntime(b)
	for i := 0; i < b.N; i++ {
		if _, err := rt.Call(context.Background(), "eval", "0"); err != nil {
			b.Fatal(err)
		}
	}
}
