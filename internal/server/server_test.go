package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/isola-run/isola/internal/config"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type testServer struct {
	URL  string
	Dir  string
	Logs *syncBuffer
	srv  *Server
}

// writeProject writes files (name -> content) into a new temp dir.
func writeProject(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// startServer serves the project in dir on 127.0.0.1:0 until the test ends.
func startServer(t testing.TB, dir string, mod func(*Options)) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	port, ip := 0, "127.0.0.1"
	opts := Options{
		Path:   dir,
		Flags:  config.Flags{Port: &port, IP: &ip},
		Logger: slog.New(NewDevHandler(logs, slog.LevelInfo)),
		Grace:  5 * time.Second,
	}
	if mod != nil {
		mod(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	url, err := srv.Listen()
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Errorf("server did not shut down")
		}
	})
	return &testServer{URL: url, Dir: dir, Logs: logs, srv: srv}
}

func get(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const wranglerTmpl = `{
  // a comment, as wrangler allows
  "name": "%s",
  "main": "index.ts",
  "compatibility_date": "2025-09-01",
  "vars": { "GREETING": "hello", "N": 3 },
}`

func TestServeBasic(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"wrangler.jsonc": fmt.Sprintf(wranglerTmpl, "basic"),
		"index.ts": `
import { greet } from "./lib";
export default {
  async fetch(req: Request, env: { GREETING: string; N: number }): Promise<Response> {
    console.log("path", new URL(req.url).pathname);
    return new Response(greet(env.GREETING, env.N));
  },
};`,
		"lib.ts": `export function greet(g: string, n: number): string { return g.repeat(n); }`,
	})
	ts := startServer(t, dir, nil)
	if code, body := get(t, ts.URL+"/x"); code != 200 || body != "hellohellohello" {
		t.Fatalf("GET /x = %d %q; want 200 hellohellohello", code, body)
	}
	waitLog(t, ts.Logs, "[basic] GET /x 200")
	waitLog(t, ts.Logs, "[basic] path /x")
}

func waitLog(t testing.TB, logs *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(logs.String(), want) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("logs do not contain %q:\n%s", want, logs.String())
}

// TestBadWorkers: each broken handler gets a clear error naming the worker
// and the source line, the status workerd gives, and the server keeps
// serving the other paths.
func TestBadWorkers(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"wrangler.jsonc": `{"name": "bad", "main": "index.ts", "compatibility_date": "2025-09-01", "limits": {"cpu_ms": 2000}}`,
		"index.ts": `
export default {
  async fetch(req: Request): Promise<Response> {
    const p = new URL(req.url).pathname;
    if (p === "/throw") throw new TypeError("thrown on purpose");
    if (p === "/never") return new Promise(() => {});
    if (p === "/loop") { for (;;) {} }
    if (p === "/oom") { const a: number[][] = []; for (;;) a.push(new Array(1e6).fill(1.5)); }
    if (p === "/recurse") { const r = (n: number): number => r(n + 1) + 1; return new Response(String(r(0))); }
    if (p === "/notresponse") return "text" as any;
    if (p === "/midstream") {
      let n = 0;
      const body = new ReadableStream({ pull(c) { if (n++ < 2) c.enqueue(new TextEncoder().encode("chunk")); else c.error(new Error("stream broke")); } });
      return new Response(body);
    }
    return new Response("ok");
  },
};`,
	})
	ts := startServer(t, dir, nil)
	tests := []struct {
		path string
		code int
		log  string
	}{
		{"/throw", 500, "TypeError: thrown on purpose"},
		{"/never", 500, "The script will never generate a response."},
		{"/loop", 503, "worker exceeded its limits"},
		{"/oom", 503, "worker exceeded its limits"},
		{"/recurse", 500, "stack overflow"},
		{"/notresponse", 500, "did not resolve to 'Response'"},
	}
	for _, tt := range tests {
		t.Run(strings.TrimPrefix(tt.path, "/"), func(t *testing.T) {
			code, _ := get(t, ts.URL+tt.path)
			if code != tt.code {
				t.Errorf("GET %s = %d; want %d; logs:\n%s", tt.path, code, tt.code, ts.Logs.String())
			}
			waitLog(t, ts.Logs, tt.log)
			if c, b := get(t, ts.URL+"/"); c != 200 || b != "ok" {
				t.Errorf("after %s: GET / = %d %q; want 200 ok", tt.path, c, b)
			}
		})
	}
	t.Run("source line", func(t *testing.T) {
		waitLog(t, ts.Logs, "index.ts:5:")
	})
	t.Run("midstream", func(t *testing.T) {
		resp, err := http.Get(ts.URL + "/midstream")
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Errorf("a body that errors mid-stream read cleanly; want the connection aborted")
		}
		waitLog(t, ts.Logs, "stream broke")
	})
}

func TestMalformedHTTP(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"wrangler.jsonc": fmt.Sprintf(wranglerTmpl, "http"),
		"index.ts":       `export default { async fetch(r: Request) { return new Response(String((await r.arrayBuffer()).byteLength)); } };`,
	})
	ts := startServer(t, dir, nil)
	addr := strings.TrimPrefix(ts.URL, "http://")
	raw := func(req string) string {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, req)
		b, _ := io.ReadAll(c)
		line, _, _ := strings.Cut(string(b), "\r\n")
		return line
	}
	tests := []struct{ name, req, want string }{
		{"garbage", "HELLO\r\n\r\n", "HTTP/1.1 400 Bad Request"},
		{"bad version", "GET / HTTP/9.9\r\nHost: x\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported"},
		{"huge header", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 200<<10) + "\r\n\r\n", "HTTP/1.1 431 Request Header Fields Too Large"},
		{"bad content-length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "HTTP/1.1 400 Bad Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := raw(tt.req); !strings.HasPrefix(got, tt.want) {
				t.Errorf("status line = %q; want %q", got, tt.want)
			}
		})
	}
	if c, b := get(t, ts.URL+"/"); c != 200 || b != "0" {
		t.Errorf("after malformed requests: GET / = %d %q", c, b)
	}
}

func TestReloadRecoversFromBuildError(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"wrangler.jsonc": fmt.Sprintf(wranglerTmpl, "reload"),
		"index.ts":       `export default { fetch() { return new Response("v1"); } };`,
	})
	ts := startServer(t, dir, func(o *Options) { o.Watch = true })
	if _, b := get(t, ts.URL); b != "v1" {
		t.Fatalf("GET = %q; want v1", b)
	}
	write := func(src string) {
		// Ensure a new mtime even on coarse file systems.
		time.Sleep(20 * time.Millisecond)
		if err := os.WriteFile(filepath.Join(dir, "index.ts"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	waitBody := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		var last string
		for time.Now().Before(deadline) {
			_, last = get(t, ts.URL)
			if strings.Contains(last, want) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("body = %q; want it to contain %q", last, want)
	}
	write(`export default { fetch() { return new Response("v2" }; };`)
	waitBody("index.ts:1:")
	waitLog(t, ts.Logs, "index.ts:1:")
	write(`export default { fetch() { return new Response("v3"); } };`)
	waitBody("v3")
}

func TestConfigErrorNamesFileAndLine(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"wrangler.jsonc": "{\n  \"name\": \"x\",\n  \"main\": \"index.ts\",\n  \"compatibility_date\": \"yesterday\"\n}",
		"index.ts":       `export default { fetch() { return new Response("x"); } };`,
	})
	_, err := New(Options{Path: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil || !strings.Contains(err.Error(), "wrangler.jsonc:4:") {
		t.Fatalf("New with a bad compatibility_date: %v; want an error naming wrangler.jsonc:4", err)
	}
}

func TestServiceBindingAndScheduled(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"wrangler.jsonc": `{
  "name": "front", "main": "front.ts", "compatibility_date": "2025-09-01",
  "services": [{ "binding": "BACK", "service": "back" }, { "binding": "ADMIN", "service": "back", "entrypoint": "Admin" }],
  "triggers": { "crons": ["*/5 * * * *"] },
  "workers": [{ "name": "back", "main": "back.ts", "compatibility_date": "2025-09-01" }]
}`,
		"front.ts": `
let ran = "";
export default {
  async fetch(req: Request, env: any) {
    const p = new URL(req.url).pathname;
    if (p === "/rpc") return Response.json({ sum: await env.ADMIN.add(2, 3), d: (await env.ADMIN.when()) });
    if (p === "/ran") return new Response(ran);
    const r = await env.BACK.fetch("http://back/hello", { method: "POST", body: "ping" });
    return new Response("front+" + (await r.text()), { status: r.status });
  },
  async scheduled(c: ScheduledController) { ran = c.cron; },
};`,
		"back.ts": `
import { WorkerEntrypoint } from "cloudflare:workers";
export class Admin extends WorkerEntrypoint { add(a: number, b: number) { return a + b; } when() { return "t"; } }
export default { async fetch(req: Request) { return new Response("back:" + req.method + ":" + (await req.text()), { status: 201 }); } };`,
	})
	ts := startServer(t, dir, func(o *Options) { o.Dev = true; o.Runtimes = 1 })
	if c, b := get(t, ts.URL+"/"); c != 201 || b != "front+back:POST:ping" {
		t.Errorf("service fetch = %d %q", c, b)
	}
	if c, b := get(t, ts.URL+"/rpc"); c != 200 || b != `{"sum":5,"d":"t"}` {
		t.Errorf("service rpc = %d %q", c, b)
	}
	if c, b := get(t, ts.URL+"/__scheduled?cron=*/5+*+*+*+*"); c != 200 || b != "Ran scheduled event" {
		t.Errorf("/__scheduled = %d %q", c, b)
	}
	if _, b := get(t, ts.URL+"/ran"); b != "*/5 * * * *" {
		t.Errorf("scheduled handler saw cron %q", b)
	}
}

// TestRPCByValueAndByReference: service-binding and Durable Object RPC
// structured-clone their arguments and results, and pass functions and
// RpcTargets by reference so the callee can call back into the caller.
func TestRPCByValueAndByReference(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"wrangler.jsonc": `{
  "name": "front", "main": "front.ts", "compatibility_date": "2025-09-01",
  "services": [{ "binding": "TOOLS", "service": "back", "entrypoint": "Tools" }],
  "durable_objects": { "bindings": [{ "name": "OBJ", "class_name": "Obj" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Obj"] }],
  "workers": [{ "name": "back", "main": "back.ts", "compatibility_date": "2025-09-01" }]
}`,
		"front.ts": `
import { DurableObject, RpcTarget } from "cloudflare:workers";
class Counter extends RpcTarget { n = 0; bump(by: number) { this.n += by; return this.n; } }
export class Obj extends DurableObject {
  async useTools(cb: (x: number) => Promise<number>, counter: any) {
    const a = await cb(20);
    const b = await counter.bump(5);
    return { a, b, when: new Date(0), m: new Map([["k", new Set([1, 2])]]) };
  }
}
export default {
  async fetch(req: Request, env: any) {
    const counter = new Counter();
    const viaService = await env.TOOLS.describe(new Date(86400000), new Map([["x", 1]]), (s: string) => s.toUpperCase());
    const viaObject = await env.OBJ.getByName("o").useTools(async (x: number) => x + 1, counter);
    return Response.json({
      viaService,
      a: viaObject.a, b: viaObject.b, counterAfter: counter.n,
      when: viaObject.when instanceof Date ? viaObject.when.toISOString() : "not a date",
      m: viaObject.m instanceof Map ? [...viaObject.m.get("k")] : "not a map",
    });
  },
};`,
		"back.ts": `
import { WorkerEntrypoint } from "cloudflare:workers";
export class Tools extends WorkerEntrypoint {
  async describe(d: Date, m: Map<string, number>, shout: (s: string) => Promise<string>) {
    return [d instanceof Date ? d.toISOString() : "no date", m instanceof Map ? m.get("x") : "no map", await shout("hi")];
  }
}
export default { fetch() { return new Response("back"); } };`,
	})
	ts := startServer(t, dir, func(o *Options) { o.Runtimes = 3 }) // calls cross runtimes
	code, body := get(t, ts.URL+"/")
	want := `{"viaService":["1970-01-02T00:00:00.000Z",1,"HI"],"a":21,"b":5,"counterAfter":5,"when":"1970-01-01T00:00:00.000Z","m":[1,2]}`
	if code != 200 || body != want {
		t.Errorf("GET / = %d %s\nwant %s\nlogs:\n%s", code, body, want, ts.Logs.String())
	}
}

// TestRPCReturnsTargetsAndPipelines: an RpcTarget returned by an object is
// a stub in the caller (state stays in the object), and calls on a pending
// result are pipelined.
func TestRPCReturnsTargetsAndPipelines(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"wrangler.jsonc": `{
  "name": "p", "main": "index.ts", "compatibility_date": "2025-09-01",
  "durable_objects": { "bindings": [{ "name": "OBJ", "class_name": "Obj" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Obj"] }]
}`,
		"index.ts": `
import { DurableObject, RpcTarget } from "cloudflare:workers";
class Counter extends RpcTarget { n = 0; increment(by: number) { this.n += by; return this.n; } }
export class Obj extends DurableObject {
  counter = new Counter();
  getCounter() { return this.counter; }
  total() { return this.counter.n; }
}
export default {
  async fetch(req: Request, env: any) {
    const stub = env.OBJ.getByName("x");
    const a = await stub.getCounter().increment(2); // pipelined
    const c = await stub.getCounter();
    const b = await c.increment(3);
    return Response.json({ a, b, total: await stub.total() });
  },
};`,
	})
	ts := startServer(t, dir, nil)
	if code, body := get(t, ts.URL+"/"); code != 200 || body != `{"a":2,"b":5,"total":5}` {
		t.Errorf("GET / = %d %s; want {\"a\":2,\"b\":5,\"total\":5}\nlogs:\n%s", code, body, ts.Logs.String())
	}
}
