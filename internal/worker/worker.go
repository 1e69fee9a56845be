// Package worker runs stateless Workers: a pool of engine runtimes per
// worker, the HTTP front (http.Handler), service bindings between workers of
// one process, cron triggers and ctx.waitUntil. It owns no JS engine code
// (internal/engine) and no Web API (internal/webapi).
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/webapi"
)

// Spec describes one worker. The zero value of every optional field is valid.
type Spec struct {
	// Name of the worker, used in logs and as its service name.
	Name string
	// ScriptName is the file name the bundled script runs under in stack
	// traces; default "worker.js".
	ScriptName string
	// Script is the bundled worker (an IIFE assigning __isola_entry).
	Script string
	// RewriteStack maps a stack trace of Script to original sources; nil
	// leaves stacks as they are.
	RewriteStack func(string) string
	// Vars are the plain env bindings (vars and secrets).
	Vars map[string]any
	// Services are service bindings: env name -> target.
	Services map[string]Target
	// CPULimit per request; default engine.DefaultCPULimit.
	CPULimit time.Duration
	// MemoryLimit per runtime; default engine.DefaultMemoryLimit.
	MemoryLimit int64
	// Runtimes in the pool; default GOMAXPROCS.
	Runtimes int
	// MaxBodyBytes caps a request body; default 100 MiB (workerd's limit
	// on the free plan; larger bodies get 413).
	MaxBodyBytes int64
	// Logger receives request and console lines; default slog.Default().
	Logger *slog.Logger
	// Extensions add host functions to every runtime of the pool (Durable
	// Objects, loaders); each may return the runtime's AfterTurn.
	Extensions []Extension
	// Env carries extra binding descriptions for the JS side's worker.init
	// (e.g. "durableObjects"), merged into the env descriptor.
	Env map[string]any
}

// Extension adds host functions to a new runtime of the pool. ref names the
// runtime (its index in the pool, and the runtime once created). The
// returned func, if any, becomes the runtime's engine.Options.AfterTurn.
type Extension func(hs *engine.HostSet, ref *Ref) (afterTurn func() func() error)

// Ref is a runtime of a worker's pool, by index. The runtime at an index is
// replaced when it breaks on a limit; Runtime returns the current one.
type Ref struct {
	Index  int
	Worker *Worker
	rt     *engine.Runtime
}

// Runtime returns the runtime the Ref was created for.
func (r *Ref) Runtime() *engine.Runtime { return r.rt }

// Target names a worker (and optionally a named entrypoint of it).
type Target struct {
	Service    string `json:"service"`
	Entrypoint string `json:"entrypoint,omitempty"`
}

// Registry holds the workers of one process so service bindings can reach
// each other. It is goroutine-safe.
type Registry struct {
	mu      sync.RWMutex // guards following
	workers map[string]*Worker
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{workers: map[string]*Worker{}} }

// Get returns the worker named name.
func (r *Registry) Get(name string) *Worker {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.workers[name]
}

// Put adds or replaces a worker and returns the one it replaced.
func (r *Registry) Put(w *Worker) *Worker {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.workers[w.spec.Name]
	r.workers[w.spec.Name] = w
	return old
}

// Worker is a running worker: a pool of runtimes with its code loaded.
// It is goroutine-safe.
type Worker struct {
	spec     Spec
	reg      *Registry
	log      *slog.Logger
	mu       sync.Mutex // guards pool
	pool     []*slot
	inflight sync.WaitGroup
	closed   atomic.Bool
	exports  map[string]any
}

type slot struct {
	rt   *engine.Runtime
	ref  *Ref
	busy atomic.Int64
}

// ErrScriptLoad wraps errors from evaluating a worker's top level.
var ErrScriptLoad = errors.New("worker: script failed to load")

// New starts a worker: it creates its runtimes and evaluates its script in
// each. A script that fails at top level is an error wrapping ErrScriptLoad.
func New(spec Spec, reg *Registry) (*Worker, error) {
	if spec.ScriptName == "" {
		spec.ScriptName = "worker.js"
	}
	if spec.Runtimes <= 0 {
		spec.Runtimes = runtime.GOMAXPROCS(0)
	}
	if spec.MaxBodyBytes <= 0 {
		spec.MaxBodyBytes = 100 << 20
	}
	if spec.Logger == nil {
		spec.Logger = slog.Default()
	}
	w := &Worker{spec: spec, reg: reg, log: spec.Logger.With("worker", spec.Name)}
	for i := 0; i < spec.Runtimes; i++ {
		s, err := w.newSlot(i)
		if err != nil {
			w.Close()
			return nil, err
		}
		w.pool = append(w.pool, s)
	}
	return w, nil
}

// Name returns the worker's name.
func (w *Worker) Name() string { return w.spec.Name }

// Exports describes the script's exports: name -> "durable_object",
// "entrypoint", "object", "function"...
func (w *Worker) Exports() map[string]any { return w.exports }

func (w *Worker) newSlot(index int) (*slot, error) {
	hs := engine.NewHostSet()
	webapi.Register(hs, webapi.Options{})
	rtID := nextRuntimeID.Add(1)
	w.registerServices(hs)
	ref := &Ref{Index: index, Worker: w}
	var turns []func() func() error
	for _, ext := range w.spec.Extensions {
		if at := ext(hs, ref); at != nil {
			turns = append(turns, at)
		}
	}
	var afterTurn func() func() error
	switch len(turns) {
	case 0:
	case 1:
		afterTurn = turns[0]
	default:
		afterTurn = func() func() error {
			var waits []func() error
			for _, t := range turns {
				if wf := t(); wf != nil {
					waits = append(waits, wf)
				}
			}
			if len(waits) == 0 {
				return nil
			}
			return func() error {
				var first error
				for _, wf := range waits {
					if err := wf(); err != nil && first == nil {
						first = err
					}
				}
				return first
			}
		}
	}
	rt, err := engine.New(engine.Options{
		AfterTurn:   afterTurn,
		Name:        w.spec.Name,
		Host:        hs,
		MemoryLimit: w.spec.MemoryLimit,
		CPULimit:    w.spec.CPULimit,
		Console:     w.console,
	})
	if err != nil {
		return nil, fmt.Errorf("worker[%s]: %w", w.spec.Name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := rt.Load(ctx, w.spec.ScriptName, w.spec.Script); err != nil {
		rt.Close()
		return nil, fmt.Errorf("%w: %s", ErrScriptLoad, w.describe(err))
	}
	ref.rt = rt
	runtimes.Store(rtID, rt)
	go func() { // forget the runtime once it is closed
		rt.Wait()
		runtimes.Delete(rtID)
	}()
	desc := map[string]any{"vars": w.spec.Vars, "services": w.servicesDesc(), "runtimeId": rtID}
	for k, v := range w.spec.Env {
		desc[k] = v
	}
	ex, err := rt.Call(ctx, "worker.init", desc)
	if err != nil {
		rt.Close()
		return nil, fmt.Errorf("%w: %s", ErrScriptLoad, w.describe(err))
	}
	if m, ok := ex.(map[string]any); ok {
		w.exports = m
	}
	return &slot{rt: rt, ref: ref}, nil
}

func (w *Worker) servicesDesc() map[string]any {
	out := map[string]any{}
	for k, t := range w.spec.Services {
		out[k] = map[string]any{"service": t.Service, "entrypoint": t.Entrypoint}
	}
	return out
}

// describe renders an error with its stack mapped to original sources.
func (w *Worker) describe(err error) string {
	var e *engine.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	msg := e.Error()
	if e.Stack != "" {
		st := e.Stack
		if w.spec.RewriteStack != nil {
			st = w.spec.RewriteStack(st)
		}
		msg += "\n" + strings.TrimRight(st, "\n")
	}
	return msg
}

func (w *Worker) console(level, msg string) {
	lv := slog.LevelInfo
	switch level {
	case "error", "trace":
		lv = slog.LevelError
	case "warn":
		lv = slog.LevelWarn
	case "debug":
		lv = slog.LevelDebug
	}
	if w.spec.RewriteStack != nil && strings.Contains(msg, "    at ") {
		msg = w.spec.RewriteStack(msg)
	}
	w.log.Log(context.Background(), lv, msg, "source", "console")
}

// pick returns the least busy healthy runtime, replacing broken ones.
func (w *Worker) pick() (*slot, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var best *slot
	for i := range w.pool {
		s, err := w.slotLocked(i)
		if err != nil {
			return nil, err
		}
		if best == nil || s.busy.Load() < best.busy.Load() {
			best = s
		}
	}
	if best == nil {
		return nil, errors.New("worker: no runtime")
	}
	return best, nil
}

// Size is the number of runtimes in the pool.
func (w *Worker) Size() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pool)
}

// Ref returns the runtime at index i of the pool, replacing it first if it
// broke on a limit. Durable Objects pin themselves to one index.
func (w *Worker) Ref(i int) (*Ref, error) {
	if w.closed.Load() {
		return nil, engine.ErrClosed
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if i < 0 || i >= len(w.pool) {
		return nil, fmt.Errorf("worker[%s]: no runtime %d", w.spec.Name, i)
	}
	s, err := w.slotLocked(i)
	if err != nil {
		return nil, err
	}
	return s.ref, nil
}

// slotLocked returns the runtime at index i, first replacing it if it broke
// on a limit; the old one closes once its in-flight work has ended.
func (w *Worker) slotLocked(i int) (*slot, error) {
	s := w.pool[i]
	if !s.rt.Broken() {
		return s, nil
	}
	ns, err := w.newSlot(i)
	if err != nil {
		return nil, err
	}
	w.pool[i] = ns
	go func() {
		for s.busy.Load() > 0 {
			time.Sleep(50 * time.Millisecond)
		}
		s.rt.Close()
	}()
	return ns, nil
}

// Describe renders an error from a runtime of this worker with its stack
// mapped to original sources.
func (w *Worker) Describe(err error) string { return w.describe(err) }

// call runs hook on a runtime of the pool.
func (w *Worker) call(ctx context.Context, hook string, args ...any) (any, error) {
	if w.closed.Load() {
		return nil, engine.ErrClosed
	}
	w.inflight.Add(1)
	defer w.inflight.Done()
	s, err := w.pick()
	if err != nil {
		return nil, err
	}
	s.busy.Add(1)
	defer s.busy.Add(-1)
	return s.rt.Call(ctx, hook, args...)
}

// Drain waits until every ctx.waitUntil promise of every runtime settled,
// or ctx ends.
func (w *Worker) Drain(ctx context.Context) {
	w.mu.Lock()
	pool := append([]*slot(nil), w.pool...)
	w.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range pool {
		wg.Add(1)
		go func(s *slot) {
			defer wg.Done()
			_, _ = s.rt.Call(ctx, "worker.drain")
		}(s)
	}
	wg.Wait()
}

// Close waits for in-flight requests to end, then frees the runtimes.
func (w *Worker) Close() {
	w.closed.Store(true)
	w.inflight.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range w.pool {
		s.rt.Close()
	}
	w.pool = nil
}

// Scheduled runs the scheduled handler for cron.
func (w *Worker) Scheduled(ctx context.Context, cron string, at time.Time) error {
	_, err := w.call(ctx, "worker.scheduled", nil, cron, float64(at.UnixMilli()))
	if err != nil {
		w.log.Error("scheduled handler failed", "cron", cron, "error", w.describe(err))
	}
	return err
}

// RPC calls method on entrypoint (""=default) with args, for service
// bindings and tools.
// args is the structured-clone serialization of the argument list (see
// js/src/rpc.js) and refs the references it carries; the result is the
// serialized return value.
func (w *Worker) RPC(ctx context.Context, entrypoint, method string, args []byte, refs []any) (any, error) {
	var ep any
	if entrypoint != "" {
		ep = entrypoint
	}
	return w.call(ctx, "worker.rpc", ep, method, args, refs, nil)
}
