package loader

import (
	"testing"
	"time"
)

// TestLimits: each runaway is stopped with a clear error, and the parent
// and other dynamic workers keep working.
func TestLimits(t *testing.T) {
	cpu, wall := 2*time.Second, 3*time.Second
	if raceEnabled {
		cpu, wall = 15*time.Second, 30*time.Second
	}
	forModes(t, Options{CPULimit: cpu, WallLimit: wall, MemoryLimit: 32 << 20}, testLimits)
}

func testLimits(t *testing.T, opts Options) {
	p := newParent(t, rawParent, opts)
	limited := func(src string) map[string]any {
		c := jsCode(src)
		c["limits"] = map[string]any{"cpuMs": 100}
		return c
	}
	tests := []struct {
		name string
		req  map[string]any
		msg  string
	}{
		{"runaway loop", map[string]any{"code": limited(`export default { fetch() { while (true) {} } }`)}, "Worker exceeded CPU time limit."},
		{"interrupt caught in async code", map[string]any{"code": limited(`export default { async fetch() { try { await (async () => { for (;;) {} })() } catch (e) { return new Response("caught " + e.message) } } }`)}, "Worker exceeded CPU time limit."},
		{"loop at top level", map[string]any{"code": limited(`while (true) {} export default {}`)}, "Worker exceeded CPU time limit."},
		{"entrypoint cpu limit", map[string]any{"code": jsCode(`export default { fetch() { while (true) {} } }`), "opts": map[string]any{"limits": map[string]any{"cpuMs": 50}}}, "Worker exceeded CPU time limit."},
		{"memory bomb", map[string]any{"code": jsCode(`export default { fetch() { const a = []; for (;;) a.push(new Array(1e6).fill(1.5)); } }`)}, "Worker exceeded memory limit."},
		{"string bomb", map[string]any{"code": jsCode(`export default { fetch() { let s = "x"; for (;;) s += s; } }`)}, ""},
		{"deep recursion", map[string]any{"code": jsCode(`export default { fetch() { function f() { return f() + 1 } return new Response(String(f())) } }`)}, "Maximum call stack size exceeded"},
		{"huge JSON.parse", map[string]any{"code": jsCode(`export default { fetch() { const s = "[" + "1,".repeat(2e7) + "1]"; return Response.json(JSON.parse(s).length) } }`)}, ""},
		{"regex backtracking", map[string]any{"code": limited(`export default { fetch() { return new Response(String(/^(a+)+$/.test("a".repeat(40) + "b"))) } }`)}, "Worker exceeded CPU time limit."},
		{"wall clock", map[string]any{"code": jsCode(`export default { async fetch() { await new Promise(r => setTimeout(r, 600000)); return new Response("late") } }`)}, "Worker exceeded its wall-clock time limit."},
		{"never resolves", map[string]any{"code": jsCode(`export default { fetch() { return new Promise(() => {}) } }`)}, "The script will never generate a response."},
		{"subrequests", map[string]any{"outbound": "self", "code": func() map[string]any {
			c := jsCode(`export default { async fetch() { for (let i = 0; i < 5; i++) await fetch("http://x/" + i); return new Response("all done") } }`)
			c["limits"] = map[string]any{"subRequests": 3}
			return c
		}()}, "Too many subrequests."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, p, tt.req)
			if got.Outcome != "threw" {
				t.Fatalf("got %+v; want an error", got)
			}
			if tt.msg != "" {
				contains(t, "message", got.Message, tt.msg)
			}
			t.Logf("%s: %s", got.Name, got.Message)
			// The parent and a fresh dynamic worker still work.
			ok := run(t, p, map[string]any{"code": jsCode(`export default { fetch() { return new Response("fine") } }`)})
			if ok.Body != "fine" {
				t.Fatalf("after %s: %+v", tt.name, ok)
			}
		})
	}
}

// TestBrokenWorkerReloads: a cached worker killed on a limit is loaded
// again on the next call.
func TestBrokenWorkerReloads(t *testing.T) { forModes(t, Options{}, testBrokenWorkerReloads) }

func testBrokenWorkerReloads(t *testing.T, opts Options) {
	p := newParent(t, rawParent, opts)
	c := jsCode(`let n = 0; export default { fetch(r) { n++; if (new URL(r.url).pathname === "/spin") for (;;) {} return new Response("n=" + n) } }`)
	c["limits"] = map[string]any{"cpuMs": 50}
	if got := run(t, p, map[string]any{"id": "k", "code": c}); got.Body != "n=1" {
		t.Fatalf("first: %+v", got)
	}
	if got := run(t, p, map[string]any{"id": "k", "code": c, "path": "spin"}); got.Outcome != "threw" {
		t.Fatalf("spin: %+v", got)
	}
	if got := run(t, p, map[string]any{"id": "k", "code": c}); got.Body != "n=1" {
		t.Fatalf("after the kill: %+v; want a fresh instance", got)
	}
}
