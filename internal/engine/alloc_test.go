package engine

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	lib "modernc.org/libquickjs"
	"modernc.org/quickjs"
)

// TestHeapInstalled: runtimes allocate through the per-runtime heap (the
// linkname reached the table JS_NewRuntime uses), every runtime has its
// own, and closing a runtime releases it.
func TestHeapInstalled(t *testing.T) {
	if !heapSupported {
		t.Skip("runtimes keep the C library's allocator on this system")
	}
	if defMallocFuncs.Fjs_malloc == libcMallocFuncs.Fjs_malloc || libcMallocFuncs.Fjs_malloc == 0 {
		t.Fatal("QuickJS's default malloc functions were not replaced")
	}
	base := liveHeaps.Load()
	var rts []*Runtime
	heaps := map[uintptr]bool{}
	for i := 0; i < 3; i++ {
		rt := newRuntime(t, Options{Bootstrap: testBootstrapSrc})
		ch := make(chan [2]uintptr, 1)
		rt.Post(func() {
			_, crt := rawRuntime(rt.vm)
			r := (*lib.TJSRuntime)(at(crt))
			ch <- [2]uintptr{runtimeHeap(crt), r.Fmalloc_ctx.Fmf.Fjs_malloc}
		})
		got := <-ch
		if got[0] == 0 {
			t.Fatal("runtime has no heap of its own")
		}
		if got[1] != funcPtr(heapMalloc) {
			t.Fatal("runtime does not allocate through heapMalloc")
		}
		heaps[got[0]] = true
		rts = append(rts, rt)
	}
	if len(heaps) != 3 {
		t.Fatalf("3 runtimes share heaps: %d distinct", len(heaps))
	}
	if n := liveHeaps.Load() - base; n < 3 {
		t.Fatalf("live heaps grew by %d, want >= 3", n)
	}
	for _, rt := range rts {
		rt.Close()
		rt.Wait()
	}
	deadline := time.Now().Add(5 * time.Second)
	for liveHeaps.Load() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := liveHeaps.Load(); n > base {
		t.Fatalf("closed runtimes left %d heaps", n-base)
	}
}

// TestHeapReleasedWhole: a closed runtime's memory goes with its heap,
// large blocks included, without QuickJS freeing its objects one by one.
func TestHeapReleasedWhole(t *testing.T) {
	if !heapSupported {
		t.Skip("runtimes keep the C library's allocator on this system")
	}
	if abandonedOffset == ^uintptr(0) {
		t.Fatal("quickjs.VM has no abandoned flag: closing a runtime frees every object")
	}
	baseHeaps, baseLarge := liveHeaps.Load(), largeBytes.Load()
	for i := 0; i < 5; i++ {
		rt := newRuntime(t, Options{Bootstrap: testBootstrapSrc})
		if _, err := rt.Call(context.Background(), "eval", "globalThis.keep = [new Uint8Array(4 << 20), new Array(100000).fill({a: 1}), 'x'.repeat(1 << 20)]; 1"); err != nil {
			t.Fatal(err)
		}
		if n := largeBytes.Load() - baseLarge; n < 4<<20 {
			t.Fatalf("a 4 MiB buffer is not a large block (%d bytes)", n)
		}
		rt.Close()
		rt.Wait()
		if n := largeBytes.Load() - baseLarge; n != 0 {
			t.Fatalf("closed runtime left %d bytes of large blocks", n)
		}
	}
	if n := liveHeaps.Load() - baseHeaps; n != 0 {
		t.Fatalf("closed runtimes left %d heaps", n)
	}
}

// TestRawLayout: raw.go's mirror of quickjs.VM's leading fields matches
// the pinned version.
func TestRawLayout(t *testing.T) {
	vt := reflect.TypeOf(quickjs.VM{})
	mine := reflect.TypeOf(vmLayout{})
	for i := 0; i < mine.NumField(); i++ {
		m := mine.Field(i)
		f, ok := vt.FieldByName(m.Name)
		if !ok {
			t.Fatalf("quickjs.VM has no field %s", m.Name)
		}
		off, cur := uintptr(0), vt
		for _, j := range f.Index {
			sf := cur.Field(j)
			off += sf.Offset
			cur = sf.Type
		}
		if off != m.Offset || f.Type.Size() != m.Type.Size() {
			t.Errorf("field %s: at %d (%d bytes) in quickjs.VM, %d (%d bytes) in vmLayout", m.Name, off, f.Type.Size(), m.Offset, m.Type.Size())
		}
	}
}

// TestHeapReuse: a long-lived runtime that allocates 40 MB of blocks of
// one size, drops them, and does the same with other sizes keeps the
// chunks of its live data, not every phase's peak: an empty chunk goes
// back.
func TestHeapReuse(t *testing.T) {
	if !heapSupported {
		t.Skip("runtimes keep the C library's allocator on this system")
	}
	rt := newRuntime(t, Options{Bootstrap: testBootstrapSrc, MemoryLimit: 1 << 30})
	base := liveChunks.Load()
	for _, n := range []int{600, 900, 1500, 3000, 7000, 12000} {
		src := fmt.Sprintf(`(() => { let a = []; for (let i = 0; i < %d; i++) a.push(new Uint8Array(%d)); a = null; return 1; })()`, (40<<20)/n, n)
		if _, err := rt.Call(context.Background(), "eval", src); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		rt.Post(func() { runGC(rt.vm); close(done) })
		<-done
		if n := liveChunks.Load() - base; n > 16 {
			t.Fatalf("after a phase of %d-byte blocks the heap keeps %d chunks (%d MiB) more than it started with", n, n, n*chunkSize>>20)
		}
	}
}

// TestHeapClasses: every block size maps to the smallest class that holds
// it, and a QuickJS arena (4 KiB and the header) wastes nothing.
func TestHeapClasses(t *testing.T) {
	for total := uintptr(1); total <= maxClassSize; total++ {
		c := classOf[(total+15)/16]
		if classSizes[c] < total {
			t.Fatalf("size %d: class %d holds only %d", total, c, classSizes[c])
		}
		if c > 0 && classSizes[c-1] >= total {
			t.Fatalf("size %d: class %d (%d) is not the smallest", total, c, classSizes[c])
		}
		if classSizes[c]%16 != 0 {
			t.Fatalf("class %d is %d bytes, not a multiple of 16", c, classSizes[c])
		}
	}
	if got := classSizes[classOf[(4096+headerSize+15)/16]]; got != 4096+16 {
		t.Fatalf("a 4 KiB arena takes a %d-byte block", got)
	}
}

// TestHeapIntegrity: objects of every size class and above it, grown by
// realloc and freed by the collector, keep their contents, in several
// runtimes at once; the heap's accounting comes back down after a
// collection.
func TestHeapIntegrity(t *testing.T) {
	const src = `
		function churn(seed) {
			let sum = 0;
			for (let round = 0; round < 20; round++) {
				const parts = [];
				for (let n = 1; n < 300000; n = Math.ceil(n * 1.7)) {
					const a = new Uint8Array(n);
					for (let i = 0; i < n; i += 97) a[i] = (i + seed + round) & 255;
					parts.push(a);
				}
				let s = "";
				for (let i = 0; i < 2000; i++) s += String.fromCharCode(97 + ((i + seed) % 26));
				const arr = [];
				for (let i = 0; i < 5000; i++) arr.push({ i, s: s.slice(i % 100, i % 100 + 20) });
				for (const a of parts) for (let i = 0; i < a.length; i += 97) sum = (sum + a[i]) % 1000003;
				for (const o of arr) sum = (sum + o.i + o.s.charCodeAt(3)) % 1000003;
				sum = (sum + s.length + s.charCodeAt(1999)) % 1000003;
			}
			return sum;
		}
		globalThis.churn = churn;`
	// The same computation on one runtime first, for the expected sums.
	ref := newRuntime(t, Options{Bootstrap: testBootstrapSrc})
	if _, err := ref.Call(context.Background(), "eval", src); err != nil {
		t.Fatal(err)
	}
	want := map[int]float64{}
	for seed := 0; seed < 4; seed++ {
		v, err := ref.Call(context.Background(), "eval", fmt.Sprintf("churn(%d)", seed))
		if err != nil {
			t.Fatal(err)
		}
		want[seed] = v.(float64)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for seed := 0; seed < 4; seed++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rt, err := New(Options{Bootstrap: testBootstrapSrc})
			if err != nil {
				errs <- err
				return
			}
			defer rt.Close()
			if _, err := rt.Call(context.Background(), "eval", src); err != nil {
				errs <- err
				return
			}
			before := rt.heapBytes()
			for i := 0; i < 3; i++ {
				v, err := rt.Call(context.Background(), "eval", fmt.Sprintf("churn(%d)", seed))
				if err != nil {
					errs <- err
					return
				}
				if v != want[seed] {
					errs <- fmt.Errorf("seed %d: got %v, want %v", seed, v, want[seed])
					return
				}
			}
			rt.Post(func() { runGC(rt.vm) })
			if after := rt.heapBytes(); after > before+1<<20 {
				errs <- fmt.Errorf("seed %d: heap accounting grew from %d to %d bytes after a collection", seed, before, after)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// heapBytes is QuickJS's own count of the bytes the runtime allocated.
func (rt *Runtime) heapBytes() uint64 {
	ch := make(chan uint64, 1)
	rt.Post(func() {
		_, crt := rawRuntime(rt.vm)
		ch <- (*lib.TJSRuntime)(at(crt)).Fmalloc_ctx.Fmalloc_state.Fmalloc_size
	})
	return <-ch
}

// BenchmarkNewRuntimeParallel builds and frees runtimes on every CPU, with
// QuickJS's allocations going to the C library's allocator (one lock for
// the process, as before) and to the per-runtime heaps.
func BenchmarkNewRuntimeParallel(b *testing.B) {
	for _, mode := range []string{"libc", "heap"} {
		b.Run(mode, func(b *testing.B) {
			if mode == "libc" {
				saved := defMallocFuncs
				defMallocFuncs = libcMallocFuncs
				b.Cleanup(func() { defMallocFuncs = saved })
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					rt, err := New(Options{})
					if err != nil {
						b.Error(err)
						return
					}
					rt.Close()
					rt.Wait()
				}
			})
		})
	}
}
