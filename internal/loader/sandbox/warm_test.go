package sandbox

import (
	"context"
	"strconv"
	"testing"

	"github.com/isola-run/isola/internal/engine"
	"time"
)

// logHost is a Host with no capabilities that discards logs.
type logHost struct{ Host }

func (logHost) Log(level, msg string) {}

func start(t *testing.T, script string) *Runner {
	t.Helper()
	r, err := Start(context.Background(), Config{Name: "t", Script: script, Outbound: OutboundNone}, logHost{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

func get(t *testing.T, r *Runner) string {
	t.Helper()
	resp, err := r.Fetch(context.Background(), "", nil, Limits{}, &Request{Method: "GET", URL: "http://x/"})
	if err != nil {
		t.Fatal(err)
	}
	return string(resp.Body)
}

// A runtime from the warm pool is fresh and becomes its worker's: what
// one worker leaves in its globals is not seen by the next, and the clock
// starts when the worker starts, not when the pool built the runtime.
func TestWarmPoolRuntimes(t *testing.T) {
	Prewarm()
	time.Sleep(300 * time.Millisecond) // the pool fills meanwhile
	before := time.Now().UnixMilli()
	a := start(t, `globalThis.leak = "from a"; Object.prototype.polluted = 1;
globalThis.__isola_entry = { default: { fetch() { return new Response(String(performance.timeOrigin)); } } };`)
	origin, err := strconv.ParseFloat(get(t, a), 64)
	if err != nil {
		t.Fatal(err)
	}
	if int64(origin) < before-1 {
		t.Errorf("performance.timeOrigin = %v, before the worker started (%v): the pool's build time leaked", origin, before)
	}
	b := start(t, `globalThis.__isola_entry = { default: { fetch() {
  return new Response(typeof globalThis.leak + " " + typeof ({}).polluted);
} } };`)
	if got := get(t, b); got != "undefined undefined" {
		t.Errorf("second worker sees %q of the first; want %q", got, "undefined undefined")
	}
	// fetch() without an outbound grant still fails in a pooled runtime.
	c := start(t, `globalThis.__isola_entry = { default: { async fetch() {
  try { await fetch("http://127.0.0.1:1/"); return new Response("reached"); }
  catch (e) { return new Response(e.message); }
} } };`)
	if got := get(t, c); got != NoInternetMessage {
		t.Errorf("fetch with OutboundNone = %q; want %q", got, NoInternetMessage)
	}
}

// A dynamic worker's runtime is built from the sandbox bundle, without the
// Durable Object runtime (js/src/sandbox): smaller than a worker's.
// (TestNativeModules in package loader runs a worker that imports the
// cloudflare:workers classes on it.)
func TestSandboxBundle(t *testing.T) {
	w, err := newRuntime()
	if err != nil {
		t.Fatal(err)
	}
	defer w.rt.Close()
	full, err := engine.New(engine.Options{Host: hostSet(&slot{})})
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	// Building it (and setting it up as a sandbox) loaded no lazy module.
	v, err := w.rt.Call(context.Background(), "eval", `["structuredClone", "TextEncoder", "console", "EventTarget", "crypto", "Blob", "FormData", "WebSocket", "CompressionStream", "ReadableStream", "URLPattern", "URL"].filter((k) => typeof Object.getOwnPropertyDescriptor(globalThis, k).get !== "function").join()`)
	if err != nil || v != "" {
		t.Errorf("globals already loaded in a fresh sandbox runtime: %q (%v); want none", v, err)
	}
	if s, f := w.rt.MemoryUsage(), full.MemoryUsage(); f-s < 50<<10 {
		t.Errorf("sandbox runtime %d bytes, worker runtime %d: the sandbox bundle should be smaller", s, f)
	}
}

// A dynamic worker answering a fetch with a string evaluates no lazy
// chunk: its cold load pays only for what it uses (a change that made
// every request load one would fail here).
func TestFetchLoadsNoChunk(t *testing.T) {
	r, err := Start(context.Background(), Config{Name: "t", MainModule: "index.js", Outbound: OutboundNone,
		Modules: map[string]string{"index.js": `export default { fetch(req) { return new Response(req.method + " ok"); } };`}}, logHost{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := get(t, r); got != "GET ok" {
		t.Fatalf("fetch = %q", got)
	}
	v, err := r.rt.Call(context.Background(), "eval", `["structuredClone", "TextEncoder", "console", "EventTarget", "crypto", "Blob", "FormData", "WebSocket", "CompressionStream", "ReadableStream", "URLPattern", "URL"].filter((k) => typeof Object.getOwnPropertyDescriptor(globalThis, k).get !== "function").join()`)
	if err != nil || v != "" {
		t.Errorf("globals loaded by a plain fetch: %q (%v); want none", v, err)
	}
}
