package sandbox

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/js"
)

// DefaultWarm is how many runtimes the process keeps started ahead of the
// dynamic workers that will use them.
const DefaultWarm = 4

// refillDelay is how long after a runtime is taken the pool starts
// building its replacement. Building is a few milliseconds of CPU; started
// at once, it competes for the CPUs with the rest of the very load that
// took the runtime (its module evaluation, its first call, the parent's
// response), and on a two-core machine that doubled a cold load's latency.
// Loads arriving back to back still overlap refills, as they must.
const refillDelay = 2 * time.Millisecond

// Most of a cold load is building a runtime: reading the runtime bundle's
// bytecode and running it. A warm pool does that ahead of time, off the
// request path, so that a load takes a ready runtime and only runs the
// worker's own code. A pooled runtime is fresh: it has never run anyone's
// code, and a runtime is never returned to the pool after use.

// slot is how a runtime's host functions find the Runner they serve: a
// pooled runtime is built before its Runner exists.
type slot struct{ r atomic.Pointer[Runner] }

type warmRuntime struct {
	rt *engine.Runtime
	s  *slot
}

// warmPool keeps up to size fresh runtimes. It starts filling on its first
// use, so a process that never loads a dynamic worker pays nothing.
type warmPool struct {
	mu      sync.Mutex // guards following
	size    int
	idle    []warmRuntime
	filling bool
}

var pool = &warmPool{size: DefaultWarm}

// SetWarm sets how many fresh runtimes the process keeps ready (0 turns the
// pool off; runtimes already ready stay until taken).
func SetWarm(n int) {
	pool.mu.Lock()
	pool.size = max(n, 0)
	pool.mu.Unlock()
}

// Prewarm starts filling the pool now rather than at the first load.
func Prewarm() {
	pool.mu.Lock()
	pool.refillLocked(0)
	pool.mu.Unlock()
}

// codeCache holds the bytecode of the runtime bundle and of recent dynamic
// workers, in memory only: code strings loaded at run time are not worth a
// file each in the server's persistent cache (10,000 ids would be 10,000
// files), and the cache bounds its own size.
var codeCache = engine.NewCache("")

// newRuntime builds a fresh runtime with the sandbox's host functions,
// bound to no Runner yet.
func newRuntime() (warmRuntime, error) {
	s := &slot{}
	rt, err := engine.New(engine.Options{Name: "sandbox", Host: hostSet(s), Cache: codeCache, Bootstrap: js.Sandbox})
	if err != nil {
		return warmRuntime{}, err
	}
	// The frozen clock and the subrequest count are every sandbox's: set
	// up here, they are off the path of the load that takes the runtime.
	if _, err := rt.Call(context.Background(), "loader.sandboxSetup"); err != nil {
		rt.Close()
		return warmRuntime{}, fmt.Errorf("sandbox: setting up a runtime: %w", err)
	}
	return warmRuntime{rt: rt, s: s}, nil
}

// take returns a ready runtime, or builds one if none is.
func (p *warmPool) take() (warmRuntime, error) {
	p.mu.Lock()
	var w warmRuntime
	ok := false
	if n := len(p.idle); n > 0 {
		w, ok = p.idle[n-1], true
		p.idle[n-1] = warmRuntime{}
		p.idle = p.idle[:n-1]
	}
	p.refillLocked(refillDelay)
	p.mu.Unlock()
	if ok {
		return w, nil
	}
	return newRuntime()
}

func (p *warmPool) refillLocked(after time.Duration) {
	if p.filling || len(p.idle) >= p.size {
		return
	}
	p.filling = true
	time.AfterFunc(after, p.fill)
}

// fill builds runtimes one at a time until the pool is full.
func (p *warmPool) fill() {
	for {
		p.mu.Lock()
		if len(p.idle) >= p.size {
			p.filling = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		w, err := newRuntime()
		p.mu.Lock()
		if err != nil {
			// Building failed (out of memory?): leave the pool short;
			// take builds on demand and reports the error to its caller.
			p.filling = false
			p.mu.Unlock()
			return
		}
		p.idle = append(p.idle, w)
		p.mu.Unlock()
	}
}
