package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// newRuntime returns a runtime closed at the end of the test.
func newRuntime(t testing.TB, opts Options) *Runtime {
	t.Helper()
	rt, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

func eval(t testing.TB, rt *Runtime, src string) any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	v, err := rt.Eval(ctx, src)
	if err != nil {
		t.Fatalf("Eval(%q): %v", src, err)
	}
	return v
}

func TestEvalValues(t *testing.T) {
	rt := newRuntime(t, Options{Bootstrap: testBootstrapSrc})
	tests := []struct {
		src  string
		want string
	}{
		{"1+1", "2"},
		{"'a'+'b'", `"ab"`},
		{"Promise.resolve(42)", "42"},
		{"(async () => { await null; return {a: [1, true, null]} })()", `{"a":[1,true,null]}`},
		{"new Promise(r => setTimeout(() => r('late'), 5))", `"late"`},
		{"undefined", "<nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			got := eval(t, rt, tt.src)
			if s := show(got); s != tt.want {
				t.Errorf("Eval(%q) = %s; want %s", tt.src, s, tt.want)
			}
		})
	}
}

func show(v any) string {
	if v == nil {
		return "<nil>"
	}
	js, _, _ := encodeValue(v)
	return js
}

func TestBytesCrossBridge(t *testing.T) {
	hs := NewHostSet()
	hs.Sync("test.rev", func(args []any) (any, error) {
		b := args[0].([]byte)
		out := make([]byte, len(b))
		for i := range b {
			out[len(b)-1-i] = b[i]
		}
		return map[string]any{"bytes": out, "n": len(b)}, nil
	})
	hs.Async("test.slow", func(ctx context.Context, args []any) (any, error) {
		return bytes.Repeat(args[0].([]byte), 2), nil
	})
	rt := newRuntime(t, Options{Host: hs, Bootstrap: testBootstrap(t)})
	got := eval(t, rt, `(async () => {
		const r = __t.call("test.rev", new Uint8Array([1, 2, 3, 250]));
		const d = await __t.callAsync("test.slow", new Uint8Array([7, 8]).buffer);
		return [Array.from(r.bytes), r.n, r.bytes instanceof Uint8Array, Array.from(d)];
	})()`)
	if s := show(got); s != "[[250,3,2,1],4,true,[7,8,7,8]]" {
		t.Errorf("bridge = %s", s)
	}
}

func TestHostErrors(t *testing.T) {
	hs := NewHostSet()
	hs.Sync("test.type", func(args []any) (any, error) { return nil, Errorf("TypeError", "bad %s", "arg") })
	hs.Sync("test.dom", func(args []any) (any, error) { return nil, Errorf("NotSupportedError", "nope") })
	hs.Sync("test.panic", func(args []any) (any, error) { panic("kaboom") })
	rt := newRuntime(t, Options{Host: hs, Bootstrap: testBootstrap(t)})
	tests := []struct{ name, src, want string }{
		{"type", `try { __t.call("test.type") } catch (e) { e instanceof TypeError ? "TypeError:" + e.message : "wrong " + e }`, "TypeError:bad arg"},
		{"dom", `try { __t.call("test.dom") } catch (e) { e.name + ":" + e.message }`, "NotSupportedError:nope"},
		{"panic", `try { __t.call("test.panic") } catch (e) { e.message }`, "engine: host function panicked: kaboom"},
		{"unknown", `try { __t.call("test.nothing") } catch (e) { e.message }`, `engine: unknown host function "test.nothing"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := eval(t, rt, tt.src); got != tt.want {
				t.Errorf("Eval(%s) = %v; want %v", tt.name, got, tt.want)
			}
		})
	}
}

func TestThrowReachesGo(t *testing.T) {
	rt := newRuntime(t, Options{Bootstrap: testBootstrapSrc})
	_, err := rt.Eval(context.Background(), "(async () => { throw new RangeError('out') })()")
	var e *Error
	if !errors.As(err, &e) || e.Name != "RangeError" || e.Message != "out" {
		t.Fatalf("Eval(throw) err = %#v; want RangeError out", err)
	}
}

func TestCPULimit(t *testing.T) {
	rt := newRuntime(t, Options{CPULimit: 50 * time.Millisecond, Bootstrap: testBootstrapSrc})
	_, err := rt.Eval(context.Background(), "(async () => { await null; try { for(;;){} } catch (e) { return 'caught' } })()")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("runaway loop err = %v; want DeadlineExceeded", err)
	}
	if !rt.Broken() {
		t.Errorf("Broken() = false after a CPU kill")
	}
}

func TestMemoryLimit(t *testing.T) {
	rt := newRuntime(t, Options{MemoryLimit: 32 << 20, Bootstrap: testBootstrapSrc})
	_, err := rt.Eval(context.Background(), "(() => { const a = []; for (;;) a.push(new Array(1e5).fill(1.5)) })()")
	if !errors.Is(err, ErrMemoryLimit) {
		t.Fatalf("memory bomb err = %v; want ErrMemoryLimit", err)
	}
	// Other runtimes are unaffected.
	rt2 := newRuntime(t, Options{Bootstrap: testBootstrapSrc})
	if got := eval(t, rt2, "6*7"); got != float64(42) {
		t.Errorf("second runtime 6*7 = %v", got)
	}
}

func TestStackOverflow(t *testing.T) {
	rt := newRuntime(t, Options{Bootstrap: testBootstrapSrc})
	got := eval(t, rt, "(() => { function r(n) { return r(n+1) + 1 } try { r(0) } catch (e) { return e.name + ': ' + e.message } })()")
	if got != "InternalError: stack overflow" && got != "RangeError: Maximum call stack size exceeded" {
		t.Errorf("recursion = %v", got)
	}
}

func TestTimersOrder(t *testing.T) {
	rt := newRuntime(t, Options{Bootstrap: testBootstrapSrc})
	got := eval(t, rt, `new Promise(res => {
		const out = [];
		setTimeout(() => out.push("t20"), 20);
		setTimeout(() => out.push("t0"), 0);
		const c = setTimeout(() => out.push("cleared"), 5);
		clearTimeout(c);
		let n = 0;
		const iv = setInterval(() => { out.push("iv"); if (++n === 2) clearInterval(iv) }, 1);
		queueMicrotask(() => out.push("micro"));
		setTimeout(() => res(out.join(",")), 40);
	})`)
	if got != "micro,t0,iv,iv,t20" {
		t.Errorf("timer order = %v", got)
	}
}

func TestConsole(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	rt := newRuntime(t, Options{Bootstrap: testBootstrapSrc, Console: func(level, msg string) {
		mu.Lock()
		lines = append(lines, level+" "+msg)
		mu.Unlock()
	}})
	eval(t, rt, `console.log("a", 1, {b: [2]}); console.error("%s=%d", "x", 5)`)
	mu.Lock()
	defer mu.Unlock()
	want := []string{`log a 1 { b: [ 2 ] }`, `error x=5`}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("console lines = %q; want %q", lines, want)
	}
}

func TestLoadNamesFile(t *testing.T) {
	rt := newRuntime(t, Options{Bootstrap: testBootstrapSrc})
	err := rt.Load(context.Background(), "worker.js", "var x = 1;\nfunction f() { null.y }\nf()")
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Stack, "worker.js:2") {
		t.Fatalf("Load error = %#v; want a stack naming worker.js:2", err)
	}
	err = rt.Load(context.Background(), "bad.js", "let a = ;")
	if !errors.As(err, &e) || e.Name != "SyntaxError" {
		t.Fatalf("Load syntax error = %#v", err)
	}
}

func TestCloseFailsPending(t *testing.T) {
	rt, err := New(Options{Bootstrap: testBootstrapSrc})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	rt.Hold()
	go func() {
		_, err := rt.Eval(context.Background(), "new Promise(() => {})")
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	rt.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("pending call after Close: %v; want ErrClosed", err)
	}
}

func TestConcurrentCalls_hammer(t *testing.T) {
	rt := newRuntime(t, Options{Bootstrap: testBootstrapSrc})
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				v, err := rt.Eval(context.Background(), "new Promise(r => setTimeout(() => r(7), 0))")
				if err != nil || v != float64(7) {
					t.Errorf("Eval = %v, %v", v, err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
}

func BenchmarkNewRuntime(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		rt, err := New(Options{Bootstrap: testBootstrapSrc})
		if err != nil {
			b.Fatal(err)
		}
		rt.Close()
	}
}

func BenchmarkCall(b *testing.B) {
	rt := newRuntime(b, Options{Bootstrap: testBootstrapSrc})
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := rt.Eval(ctx, "1"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestNeverResolves(t *testing.T) {
	rt := newRuntime(t, Options{Bootstrap: testBootstrapSrc})
	_, err := rt.Eval(context.Background(), "new Promise(() => {})")
	if !errors.Is(err, ErrNeverResolves) {
		t.Fatalf("hanging promise err = %v; want ErrNeverResolves", err)
	}
	// A held runtime waits.
	release := rt.Hold()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = rt.Eval(ctx, "new Promise(() => {})")
	release()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("held hanging promise err = %v; want ctx deadline", err)
	}
}

func TestOutputGate(t *testing.T) {
	gate := make(chan struct{})
	var mu sync.Mutex
	armed := false
	hs := NewHostSet()
	wrote := make(chan struct{})
	hs.Sync("test.write", func(args []any) (any, error) {
		mu.Lock()
		armed = true
		mu.Unlock()
		close(wrote)
		return nil, nil
	})
	rt := newRuntime(t, Options{Host: hs, Bootstrap: testBootstrap(t), AfterTurn: func() func() error {
		mu.Lock()
		defer mu.Unlock()
		if !armed {
			return nil
		}
		armed = false
		return func() error { <-gate; return nil }
	}})
	first := make(chan any, 1)
	go func() {
		v, _ := rt.Eval(context.Background(), `__t.call("test.write"); "written"`)
		first <- v
	}()
	// A later turn without writes must not overtake the gated one.
	second := make(chan any, 1)
	<-wrote // the first call's turn is running
	go func() {
		v, _ := rt.Eval(context.Background(), `"read"`)
		second <- v
	}()
	select {
	case v := <-first:
		t.Fatalf("result %v left before its write was durable", v)
	case v := <-second:
		t.Fatalf("later result %v overtook a gated one", v)
	case <-time.After(50 * time.Millisecond):
	}
	close(gate)
	if v := <-first; v != "written" {
		t.Errorf("first = %v", v)
	}
	if v := <-second; v != "read" {
		t.Errorf("second = %v", v)
	}
}

func TestMemoryLimitAsync(t *testing.T) {
	rt := newRuntime(t, Options{MemoryLimit: 32 << 20, Bootstrap: testBootstrapSrc})
	_, err := rt.Eval(context.Background(), "(async () => { await null; const a = []; for (;;) a.push(new Array(1e5).fill(1.5)) })()")
	if !errors.Is(err, ErrMemoryLimit) {
		t.Fatalf("async memory bomb err = %v; want ErrMemoryLimit", err)
	}
}

func TestStagedRunsFirstStageInCallOrder(t *testing.T) {
	var mu sync.Mutex
	var staged []float64
	hs := NewHostSet()
	hs.Staged("test.staged", func(args []any) (func(context.Context) (any, error), error) {
		n := args[0].(float64)
		mu.Lock()
		staged = append(staged, n)
		mu.Unlock()
		return func(ctx context.Context) (any, error) { return n * 2, nil }, nil
	})
	hs.Staged("test.bad", func(args []any) (func(context.Context) (any, error), error) {
		return nil, Errorf("TypeError", "refused at stage one")
	})
	rt := newRuntime(t, Options{Host: hs, Bootstrap: testBootstrap(t)})
	got := eval(t, rt, `(async () => {
		const rs = await Promise.all([1, 2, 3, 4, 5].map(n => __t.callAsync("test.staged", n)));
		let err = "";
		try { await __t.callAsync("test.bad") } catch (e) { err = e.name + ": " + e.message }
		return rs.join(",") + " " + err;
	})()`)
	if got != "2,4,6,8,10 TypeError: refused at stage one" {
		t.Errorf("staged results = %v", got)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, n := range staged {
		if n != float64(i+1) {
			t.Fatalf("first stages ran in order %v; want 1..5", staged)
		}
	}
}

func TestCallPostedOrder(t *testing.T) {
	rt := newRuntime(t, Options{Bootstrap: testBootstrapSrc})
	eval(t, rt, "globalThis.seen = []")
	var wg sync.WaitGroup
	next := make(chan struct{}, 1)
	next <- struct{}{}
	for i := 0; i < 20; i++ {
		<-next // each call is queued before the next starts
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rt.CallPosted(context.Background(), func() { next <- struct{}{} }, "eval", fmt.Sprintf("seen.push(%d)", i))
		}(i)
	}
	wg.Wait()
	if got := eval(t, rt, "seen.join(',')"); got != "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19" {
		t.Errorf("CallPosted order = %v", got)
	}
}

// A module's top level runs on its own task's CPU budget: a runtime whose
// last call armed a long deadline (here at build, 30 s) and that is then
// adopted with a short limit stops a top-level loop at that limit.
func TestModuleTopLevelCPULimit(t *testing.T) {
	rt := newRuntime(t, Options{Bootstrap: testBootstrapSrc, CPULimit: 30 * time.Second})
	eval(t, rt, "1") // arms a 30 s deadline
	if err := rt.Adopt("t", 0, 100*time.Millisecond, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := rt.LoadModules(ctx, "main.js", map[string]string{"main.js": "while (true) {}\nexport default {};"}, "__entry")
	// The module's evaluation promise carries the interrupt; the runtime
	// is broken by the kill either way.
	var e *Error
	if err != nil && !(errors.As(err, &e) && e.Kind == CPULimit) {
		t.Fatalf("LoadModules of a top-level loop = %v; want nil or a CPU limit error", err)
	}
	if !rt.Broken() {
		t.Fatal("the runtime is not broken after its top level ran past the CPU limit")
	}
}
