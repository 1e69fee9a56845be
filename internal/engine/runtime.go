package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	lib "modernc.org/libquickjs"
	"modernc.org/quickjs"

	"github.com/isola-run/isola/js"
)

// Defaults.
const (
	DefaultMemoryLimit = 128 << 20
	DefaultCPULimit    = 30 * time.Second
)

// Options configures a Runtime. The zero value is valid.
type Options struct {
	// Name labels the runtime in errors and logs.
	Name string
	// Host is the table of host functions; nil means none beyond the
	// engine's own (timers, console).
	Host *HostSet
	// MemoryLimit caps the JS heap in bytes; default DefaultMemoryLimit.
	MemoryLimit int64
	// CPULimit caps the JS execution time charged to one Call (the turns of
	// the event loop it starts, including its timers and host-call
	// completions); default DefaultCPULimit. It is wall time spent executing
	// JS on the loop, which is CPU time when the machine is not overloaded.
	CPULimit time.Duration
	// Console receives console.* output; default discards it.
	Console func(level, msg string)
	// Cache caches compiled bytecode; default a process-wide cache.
	Cache *Cache
	// Bootstrap replaces the runtime bundle (js.Runtime); for tests.
	Bootstrap string
	// Chunks are the lazy parts of the bundle by name (default
	// js.Chunks): scripts whose completion value the bundle's
	// host.js chunk(name) evaluates and returns, once per runtime.
	Chunks map[string]string
	// AfterTurn, if set, runs on the loop after every turn (a task and the
	// microtasks it queued). It may start making the turn's writes durable
	// and return a wait func: results of calls that settled in the turn, and
	// outputs registered with AfterDurable, are released only after wait
	// returns (and after every earlier turn's release), in order. This is
	// the output gate of Durable Objects. If wait fails, the turn's call
	// results become that error and its outputs are dropped.
	AfterTurn func() (wait func() error)
	// Clock, if set, replaces Date.now and performance.now's source.
	// (Reserved for sandboxes; nil means the system clock.)
}

// Runtime is one JS VM and the event loop goroutine that owns it. All JS
// runs on that goroutine; other goroutines reach it through Post and Call,
// which are goroutine-safe.
type Runtime struct {
	opts Options
	vm   *quickjs.VM // owned by the loop goroutine
	ctx  context.Context
	stop context.CancelFunc

	mu     sync.Mutex // guards following
	queue  []task
	closed bool
	calls  map[int64]*pendingCall

	wake   chan struct{}
	done   chan struct{}
	nextID atomic.Int64
	broken atomic.Bool
	hooks  quickjs.Value // owned by the loop goroutine
	// hookFns caches the engine's hook functions (invoke, settle, timer);
	// owned by the loop goroutine.
	hookFns map[string]quickjs.Value

	asyncInflight atomic.Int64 // async host calls not yet settled
	holds         atomic.Int64 // external event sources, see Hold

	releaseMu   sync.Mutex // guards releaseQ
	releaseQ    []release
	releasing   bool
	turnResults []turnResult // loop-goroutine: results settled in this turn
	turnOutputs []func()     // loop-goroutine: AfterDurable outputs of this turn

	// loop-goroutine state
	cur       *budget
	timers    map[int64]*timerEntry
	timerQ    timerHeap
	timerSeq  uint64
	wakeTimer *time.Timer
	wakeAt    time.Time
}

type task struct {
	b  *budget
	fn func()
}

// budget is the CPU time left to one Call and everything it causes.
type budget struct {
	callID int64
	left   time.Duration
}

type pendingCall struct {
	ch chan callResult
	b  *budget
}

type turnResult struct {
	pc *pendingCall
	r  callResult
}

type release struct {
	wait    func() error
	results []turnResult
	outputs []func()
}

type callResult struct {
	v   any
	err error
}

// bootstrapName is the file name of the runtime bundle in stack traces.
const bootstrapName = "isola:runtime.js"

// New creates a runtime, evaluates the runtime bundle in it and starts its
// event loop.
func New(opts Options) (*Runtime, error) {
	if opts.MemoryLimit <= 0 {
		opts.MemoryLimit = DefaultMemoryLimit
	}
	if opts.CPULimit <= 0 {
		opts.CPULimit = DefaultCPULimit
	}
	if opts.Host == nil {
		opts.Host = NewHostSet()
	}
	if opts.Cache == nil {
		opts.Cache = defaultCache
	}
	if opts.Bootstrap == "" {
		opts.Bootstrap = js.Runtime
	}
	if opts.Chunks == nil {
		opts.Chunks = js.Chunks
	}
	ctx, cancel := context.WithCancel(context.Background())
	rt := &Runtime{
		opts:   opts,
		ctx:    ctx,
		stop:   cancel,
		calls:  map[int64]*pendingCall{},
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		timers: map[int64]*timerEntry{},
	}
	errc := make(chan error, 1)
	go rt.loop(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	return rt, nil
}

func (rt *Runtime) init() error {
	vm, err := quickjs.NewVM()
	if err != nil {
		return fmt.Errorf("engine: new vm: %w", err)
	}
	rt.vm = vm
	vm.SetMemoryLimit(uintptr(rt.opts.MemoryLimit))
	if err := vm.RegisterFunc("__isola_native", rt.native, false); err != nil {
		return fmt.Errorf("engine: register bridge: %w", err)
	}
	rt.registerBuiltins()
	// No cycle collection while the bundle builds the runtime: nearly all
	// it allocates stays, and collecting a growing heap over and over was
	// a fifth of the build. The threshold is set from the result below.
	tls, crt := rawRuntime(vm)
	lib.XJS_SetGCThreshold(tls, crt, 1<<62)
	if _, err := rt.evalScript(bootstrapName, rt.opts.Bootstrap, true); err != nil {
		return fmt.Errorf("engine: runtime bundle: %w", err)
	}
	g := vm.GlobalObject()
	defer g.Free()
	atom, err := vm.NewAtom("__isola_hooks")
	if err != nil {
		return err
	}
	hooks, err := g.GetPropertyValue(atom)
	if err != nil || hooks.IsUndefined() {
		return fmt.Errorf("engine: runtime bundle did not install __isola_hooks")
	}
	rt.hooks = hooks
	rt.hookFns = map[string]quickjs.Value{}
	for _, name := range []string{"invoke", "settle", "timer"} {
		a, err := vm.NewAtom(name)
		if err != nil {
			return err
		}
		fn, err := hooks.GetPropertyValue(a)
		if err != nil {
			return fmt.Errorf("engine: runtime bundle hook %q: %w", name, err)
		}
		rt.hookFns[name] = fn
	}
	if _, err = vm.Eval("delete globalThis.__isola_hooks", quickjs.EvalGlobal); err != nil {
		return err
	}
	// Promise jobs the bundle's top level leaves behind belong to
	// building the runtime, not to its first call.
	for {
		n, err := vm.ExecutePendingJobs()
		if err != nil {
			return fmt.Errorf("engine: runtime bundle: %w", err)
		}
		if n == 0 {
			break
		}
	}
	// What QuickJS sets after a collection: the next one when the heap
	// has grown by half. Without this the first call would collect.
	size := (*lib.TJSRuntime)(at(crt)).Fmalloc_ctx.Fmalloc_state.Fmalloc_size
	lib.XJS_SetGCThreshold(tls, crt, size+size/2)
	return nil
}

// closeVM frees the VM and then its heap. A runtime with a heap of its own
// (alloc.go) is not taken apart object by object, which was a third of a
// dynamic worker's life: its heap goes at once, with everything in it.
func (rt *Runtime) closeVM() {
	_, crt := rawRuntime(rt.vm)
	h := runtimeHeap(crt)
	if h != 0 {
		abandon(rt.vm)
	}
	rt.vm.Close()
	releaseHeap(h)
}

// loop is the event loop goroutine: it owns the VM.
func (rt *Runtime) loop(errc chan<- error) {
	defer close(rt.done)
	if err := rt.init(); err != nil {
		if rt.vm != nil {
			rt.closeVM()
		}
		errc <- err
		return
	}
	errc <- nil
	for {
		rt.mu.Lock()
		for len(rt.queue) == 0 && !rt.closed {
			rt.mu.Unlock()
			<-rt.wake
			rt.mu.Lock()
		}
		if rt.closed {
			q := rt.queue
			rt.queue = nil
			calls := rt.calls
			rt.calls = map[int64]*pendingCall{}
			rt.mu.Unlock()
			_ = q
			for _, c := range calls {
				c.ch <- callResult{err: ErrClosed}
			}
			rt.stopTimers()
			for _, fn := range rt.hookFns {
				fn.Free()
			}
			rt.hooks.Free()
			rt.closeVM()
			return
		}
		t := rt.queue[0]
		rt.queue[0] = task{}
		rt.queue = rt.queue[1:]
		rt.mu.Unlock()
		rt.run(t)
		rt.checkStalled()
	}
}

// checkStalled fails every pending call when nothing can ever settle them:
// no queued task, no timer, no async host call and no external hold. This
// is workerd's "The script will never generate a response."
func (rt *Runtime) checkStalled() {
	if len(rt.timers) > 0 || rt.asyncInflight.Load() > 0 || rt.holds.Load() > 0 {
		return
	}
	rt.mu.Lock()
	if len(rt.queue) > 0 || len(rt.calls) == 0 {
		rt.mu.Unlock()
		return
	}
	calls := rt.calls
	rt.calls = map[int64]*pendingCall{}
	rt.mu.Unlock()
	// A call that died of out-of-memory may not have been able to report
	// it (reporting allocates): a heap at its limit means that, not a hang.
	var err error = ErrNeverResolves
	if memoryUsage(rt.vm) > rt.opts.MemoryLimit*9/10 {
		rt.broken.Store(true)
		err = &Error{Name: "InternalError", Message: "out of memory", Kind: MemoryLimit, cause: ErrMemoryLimit}
	}
	for _, c := range calls {
		c.ch <- callResult{err: err}
	}
}

// Hold tells the runtime that an event source outside it (a socket, a
// Durable Object's input) may still deliver work through Post, so pending
// calls are not stalled. The returned func releases the hold; call it once.
func (rt *Runtime) Hold() (release func()) {
	rt.holds.Add(1)
	var once sync.Once
	return func() { once.Do(func() { rt.holds.Add(-1); rt.Post(func() {}) }) }
}

// run executes one task and then the microtasks it queued, charging the
// time to the task's budget.
func (rt *Runtime) run(t task) {
	limit := rt.opts.CPULimit
	if t.b != nil {
		if t.b.left <= 0 {
			return // the call already failed on its limit
		}
		limit = t.b.left
	}
	rt.cur = t.b
	_ = rt.vm.SetEvalTimeout(limit)
	start := time.Now()
	t.fn()
	for {
		n, err := rt.vm.ExecutePendingJobs()
		if err != nil {
			rt.fail(t.b, err)
			break
		}
		if n == 0 {
			break
		}
	}
	if t.b != nil {
		t.b.left -= time.Since(start)
		if t.b.left <= 0 {
			rt.killCall(t.b)
		}
	}
	rt.cur = nil
	rt.endTurn()
}

// killCall makes the call owning b fail on its CPU limit even if the script
// caught the interrupt (an async function turns it into a rejection that a
// catch block sees): a limit kill is final and the runtime is broken.
func (rt *Runtime) killCall(b *budget) {
	rt.broken.Store(true)
	e := &Error{Name: "InternalError", Message: "interrupted", Kind: CPULimit, cause: context.DeadlineExceeded}
	for i := range rt.turnResults {
		if rt.turnResults[i].pc.b == b {
			rt.turnResults[i].r = callResult{err: e}
			return
		}
	}
	rt.finish(b.callID, nil, e)
}

// endTurn releases what the turn produced, behind the output gate if any.
func (rt *Runtime) endTurn() {
	var wait func() error
	if rt.opts.AfterTurn != nil {
		wait = rt.opts.AfterTurn()
	}
	results, outputs := rt.turnResults, rt.turnOutputs
	rt.turnResults, rt.turnOutputs = nil, nil
	if len(results) == 0 && len(outputs) == 0 && wait == nil {
		return
	}
	rt.releaseMu.Lock()
	if wait == nil && !rt.releasing && len(rt.releaseQ) == 0 {
		rt.releaseMu.Unlock()
		deliver(release{results: results, outputs: outputs}, nil)
		return
	}
	rt.releaseQ = append(rt.releaseQ, release{wait: wait, results: results, outputs: outputs})
	if !rt.releasing {
		rt.releasing = true
		go rt.releaser()
	}
	rt.releaseMu.Unlock()
}

// releaser delivers queued releases in order, waiting for each one's gate.
func (rt *Runtime) releaser() {
	for {
		rt.releaseMu.Lock()
		if len(rt.releaseQ) == 0 {
			rt.releasing = false
			rt.releaseMu.Unlock()
			return
		}
		r := rt.releaseQ[0]
		rt.releaseQ = rt.releaseQ[1:]
		rt.releaseMu.Unlock()
		var err error
		if r.wait != nil {
			err = r.wait()
		}
		deliver(r, err)
	}
}

func deliver(r release, err error) {
	for _, tr := range r.results {
		if err != nil {
			tr.r = callResult{err: err}
		}
		tr.pc.ch <- tr.r
	}
	if err == nil {
		for _, o := range r.outputs {
			o()
		}
	}
}

// AfterDurable registers out to run once the writes of the current turn are
// durable (see Options.AfterTurn). It must be called on the loop goroutine,
// from a host function.
func (rt *Runtime) AfterDurable(out func()) {
	rt.turnOutputs = append(rt.turnOutputs, out)
}

// fail reports an error that escaped JS (a limit kill or an internal error)
// to the call that owns b.
func (rt *Runtime) fail(b *budget, err error) {
	e := asError(err)
	if e.Kind == CPULimit || e.Kind == MemoryLimit {
		rt.broken.Store(true)
	}
	if b == nil {
		rt.console("error", fmt.Sprintf("uncaught %v", e))
		return
	}
	if e.Kind == CPULimit {
		b.left = 0
	}
	rt.finish(b.callID, nil, e)
}

func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var qe *quickjs.Error
	if errors.As(err, &qe) {
		return errorFromQJS(qe)
	}
	return &Error{Message: err.Error()}
}

// Broken reports whether the runtime hit a CPU or memory limit; its state may
// be inconsistent, so callers should send new work elsewhere and close it.
func (rt *Runtime) Broken() bool { return rt.broken.Load() }

// Name returns Options.Name.
func (rt *Runtime) Name() string { return rt.opts.Name }

// Post enqueues fn to run on the loop goroutine. It is goroutine-safe and
// never blocks; it reports false if the runtime is closed. Work fn starts is
// charged to no call.
func (rt *Runtime) Post(fn func()) bool { return rt.post(task{fn: fn}) }

// postCall registers a pending call and queues its first task atomically.
func (rt *Runtime) postCall(id int64, pc *pendingCall, t task) bool {
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return false
	}
	rt.calls[id] = pc
	rt.queue = append(rt.queue, t)
	rt.mu.Unlock()
	select {
	case rt.wake <- struct{}{}:
	default:
	}
	return true
}

func (rt *Runtime) post(t task) bool {
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return false
	}
	rt.queue = append(rt.queue, t)
	rt.mu.Unlock()
	select {
	case rt.wake <- struct{}{}:
	default:
	}
	return true
}

// Close stops the loop and frees the VM. Pending calls fail with ErrClosed.
func (rt *Runtime) Close() error {
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		<-rt.done
		return nil
	}
	rt.closed = true
	rt.mu.Unlock()
	rt.stop()
	rt.vm.Interrupt()
	select {
	case rt.wake <- struct{}{}:
	default:
	}
	<-rt.done
	return nil
}

// Call invokes the runtime hook at path (e.g. "worker.fetch") with args
// (bridged as documented in the package doc), waits until the promise it
// returns settles, and returns the bridged result. A JS exception becomes an
// *Error. The call's JS time is capped by Options.CPULimit.
func (rt *Runtime) Call(ctx context.Context, path string, args ...any) (any, error) {
	return rt.call(ctx, rt.opts.CPULimit, path, args)
}

// CallPosted is Call that also calls posted once the call is queued on the
// loop (or has failed to be): calls queued in posted order reach JS in that
// order. posted runs exactly once.
func (rt *Runtime) CallPosted(ctx context.Context, posted func(), path string, args ...any) (any, error) {
	return rt.callPosted(ctx, rt.opts.CPULimit, posted, path, args)
}

// CallLimit is Call with a CPU limit of its own (the lower of it and
// Options.CPULimit applies).
func (rt *Runtime) CallLimit(ctx context.Context, cpu time.Duration, path string, args ...any) (any, error) {
	if cpu <= 0 || cpu > rt.opts.CPULimit {
		cpu = rt.opts.CPULimit
	}
	return rt.call(ctx, cpu, path, args)
}

func (rt *Runtime) call(ctx context.Context, cpu time.Duration, path string, args []any) (any, error) {
	return rt.callPosted(ctx, cpu, nil, path, args)
}

func (rt *Runtime) callPosted(ctx context.Context, cpu time.Duration, posted func(), path string, args []any) (any, error) {
	if posted != nil {
		var once sync.Once
		p := posted
		posted = func() { once.Do(p) }
		defer posted()
	}
	id := rt.nextID.Add(1)
	b := &budget{callID: id, left: cpu}
	pc := &pendingCall{ch: make(chan callResult, 1), b: b}
	if !rt.postCall(id, pc, task{b: b, fn: func() { rt.invoke(id, path, args) }}) {
		return nil, ErrClosed
	}
	if posted != nil {
		posted()
	}
	select {
	case r := <-pc.ch:
		var e *Error
		if errors.As(r.err, &e) && (e.Kind == CPULimit || e.Kind == MemoryLimit) {
			rt.broken.Store(true) // however the kill travelled back
		}
		return r.v, r.err
	case <-ctx.Done():
		rt.mu.Lock()
		delete(rt.calls, id)
		rt.mu.Unlock()
		return nil, ctx.Err()
	}
}

// invoke runs on the loop: hooks.invoke(id, path, types, ...args).
func (rt *Runtime) invoke(id int64, path string, callArgs []any) {
	types, vals, err := rt.pack(callArgs)
	if err != nil {
		rt.finish(id, nil, err)
		return
	}
	defer func() {
		for i := range vals {
			vals[i].Free()
		}
	}()
	fn, err := rt.hook("invoke")
	if err != nil {
		rt.finish(id, nil, err)
		return
	}
	defer fn.Free()
	args := make([]any, 0, 3+len(vals))
	args = append(args, int(id), path, types)
	for _, v := range vals {
		args = append(args, v)
	}
	if _, err = fn.Call(rt.hooks, args...); err != nil {
		rt.fail(rt.cur, err)
	}
}

func (rt *Runtime) buffers(bufs [][]byte) ([]quickjs.Value, error) {
	vals := make([]quickjs.Value, 0, len(bufs))
	for _, b := range bufs {
		v, err := newArrayBuffer(rt.vm, b)
		if err != nil {
			for i := range vals {
				vals[i].Free()
			}
			return nil, err
		}
		vals = append(vals, v)
	}
	return vals, nil
}

func (rt *Runtime) hook(name string) (quickjs.Value, error) {
	if fn, ok := rt.hookFns[name]; ok {
		return fn.Dup(), nil
	}
	atom, err := rt.vm.NewAtom(name)
	if err != nil {
		return quickjs.Value{}, err
	}
	return rt.hooks.GetPropertyValue(atom)
}

// finish delivers the result of call id.
func (rt *Runtime) finish(id int64, v any, err error) {
	rt.mu.Lock()
	pc := rt.calls[id]
	delete(rt.calls, id)
	rt.mu.Unlock()
	if pc != nil {
		rt.turnResults = append(rt.turnResults, turnResult{pc: pc, r: callResult{v: v, err: err}})
	}
}

// Eval evaluates src as a global script (indirect eval) and, if its value is
// a promise, waits for it; it returns the bridged result. For tests and
// tools; workers are loaded with Load.
func (rt *Runtime) Eval(ctx context.Context, src string) (any, error) {
	return rt.Call(ctx, "eval", src)
}

// Load compiles (through the bytecode cache) and evaluates a global script
// under file name on the loop, and waits for it. Its top-level errors are
// returned as *Error.
func (rt *Runtime) Load(ctx context.Context, name, src string) error {
	return rt.evalTask(ctx, func() error {
		_, err := rt.evalScript(name, src, false)
		return err
	})
}

// evalTask runs eval on the loop as a call of its own (its JS time is
// charged to a budget, and a limit kills it like a call) and waits for it.
// Errors other than ErrNotNative become *Error.
func (rt *Runtime) evalTask(ctx context.Context, eval func() error) error {
	errc := make(chan error, 1)
	id := rt.nextID.Add(1)
	b := &budget{callID: id, left: rt.opts.CPULimit}
	pc := &pendingCall{ch: make(chan callResult, 1), b: b}
	if !rt.postCall(id, pc, task{b: b, fn: func() {
		err := eval()
		rt.mu.Lock()
		delete(rt.calls, id)
		rt.mu.Unlock()
		errc <- err
	}}) {
		return ErrClosed
	}
	select {
	case err := <-errc:
		if err != nil && !errors.Is(err, ErrNotNative) {
			return asError(err)
		}
		return err
	case r := <-pc.ch: // killed on a limit
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// bytecode returns src compiled as name, from the cache. On the loop.
// strip: see compile.
func (rt *Runtime) bytecode(name, src string, strip bool) ([]byte, error) {
	return rt.opts.Cache.get(name, src, strip, func() ([]byte, error) { return compile(rt.vm, src, name, strip) })
}

// evalScript runs on the loop. strip: see compile.
func (rt *Runtime) evalScript(name, src string, strip bool) (any, error) {
	bc, err := rt.bytecode(name, src, strip)
	if err != nil {
		return nil, err
	}
	return rt.vm.EvalBytecode(bc)
}

// chunk evaluates the lazy chunk name and returns its completion value.
func (rt *Runtime) chunk(name string) (quickjs.Value, error) {
	src, ok := rt.opts.Chunks[name]
	if !ok {
		return quickjs.Value{}, fmt.Errorf("engine: no chunk %q", name)
	}
	bc, err := rt.bytecode("chunk:"+name, src, true)
	if err != nil {
		return quickjs.Value{}, err
	}
	return rt.vm.EvalBytecodeValue(bc)
}

// native is __isola_native(kind, name, types, ...args), the one function the
// runtime bundle's host.js calls (see pack.go for types). Kinds: 0 sync
// call, 1 async call (returns a promise id), 2 resolve call name, 3 reject
// call name, 4 evaluate chunk name (returns its exports).
func (rt *Runtime) native(kind int, name string, types string, raw ...quickjs.Value) quickjs.Value {
	if kind == 4 {
		v, err := rt.chunk(name)
		if err != nil {
			return rt.tagged(0, errorDoc(err))
		}
		return v
	}
	args, uerr := rt.unpack(types, raw)
	switch kind {
	case 0:
		f := rt.opts.Host.sync[name]
		if f == nil {
			return rt.reply(nil, fmt.Errorf("%w %q", ErrUnknownHostFunc, name))
		}
		if uerr != nil {
			return rt.reply(nil, uerr)
		}
		v, err := safeSync(f, args)
		return rt.reply(v, err)
	case 1:
		id := rt.nextID.Add(1)
		f := rt.opts.Host.async[name]
		b := rt.cur
		if sf := rt.opts.Host.staged[name]; sf != nil && uerr == nil {
			second, err := safeStage(sf, args)
			if err != nil {
				uerr = err
			} else {
				f = func(ctx context.Context, _ []any) (any, error) { return second(ctx) }
			}
		}
		if f == nil && uerr == nil {
			uerr = fmt.Errorf("%w %q", ErrUnknownHostFunc, name)
		}
		if uerr != nil {
			err := uerr
			rt.asyncInflight.Add(1)
			rt.post(task{b: b, fn: func() { rt.asyncInflight.Add(-1); rt.settle(id, nil, err) }})
			return rt.vm.NewInt(int(id))
		}
		rt.asyncInflight.Add(1)
		go func() {
			v, err := safeAsync(rt.ctx, f, args)
			rt.post(task{b: b, fn: func() { rt.asyncInflight.Add(-1); rt.settle(id, v, err) }})
		}()
		return rt.vm.NewInt(int(id))
	case 2, 3:
		id, _ := strconv.ParseInt(name, 10, 64)
		var v any
		if len(args) > 0 {
			v = args[0]
		}
		err := uerr
		if kind == 3 && err == nil {
			err = jsErrorFrom(v)
		}
		if err != nil {
			rt.finish(id, nil, err)
		} else {
			rt.finish(id, v, nil)
		}
		return quickjs.UndefinedValue
	}
	return quickjs.UndefinedValue
}

func safeSync(f HostFunc, args []any) (v any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("engine: host function panicked: %v", p)
		}
	}()
	return f(args)
}

func safeStage(f StagedFunc, args []any) (second func(context.Context) (any, error), err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("engine: host function panicked: %v", p)
		}
	}()
	second, err = f(args)
	if err == nil && second == nil {
		err = errors.New("engine: staged host function returned no second stage")
	}
	return second, err
}

func safeAsync(ctx context.Context, f AsyncFunc, args []any) (v any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("engine: host function panicked: %v", p)
		}
	}()
	return f(ctx, args)
}

// jsErrorFrom turns the {name, message, stack} document of a rejected call
// into an *Error.
func jsErrorFrom(v any) error {
	m, _ := v.(map[string]any)
	e := &Error{}
	if m != nil {
		e.Name, _ = m["name"].(string)
		e.Message, _ = m["message"].(string)
		e.Stack, _ = m["stack"].(string)
	}
	if e.Name == "" && e.Message == "" {
		e.Message = fmt.Sprint(v)
	}
	classify(e)
	return e
}

// reply is the value a sync call returns: a primitive as is, or a tagged
// array for the rest: [0, error-doc] for an error, [1, types, ...args] for
// a packed value (bytes, arrays, objects).
func (rt *Runtime) reply(v any, err error) quickjs.Value {
	if err != nil {
		return rt.tagged(0, errorDoc(err))
	}
	switch x := v.(type) {
	case nil:
		return quickjs.UndefinedValue
	case string:
		s, err := rt.vm.NewString(x)
		if err != nil {
			return rt.tagged(0, errorDoc(err))
		}
		return s
	case bool:
		return newBool(rt.vm, x)
	case float64:
		return newFloat(rt.vm, x)
	case int:
		return newFloat(rt.vm, float64(x))
	case int64:
		return newFloat(rt.vm, float64(x))
	}
	return rt.tagged(1, v)
}

func (rt *Runtime) tagged(tag int, v any) quickjs.Value {
	types, vals, err := rt.pack([]any{v})
	if err != nil {
		types, vals, _ = rt.pack([]any{errorDoc(err)})
		tag = 0
	}
	if tag == 0 {
		types = ""
	}
	ts, _ := rt.vm.NewString(types)
	all := append([]quickjs.Value{rt.vm.NewInt(tag), ts}, vals...)
	arr, err := newArray(rt.vm, all)
	if err != nil {
		return quickjs.UndefinedValue
	}
	return arr
}

// settle runs on the loop: hooks.settle(id, ok, types, ...args).
func (rt *Runtime) settle(id int64, v any, err error) {
	ok := true
	if err != nil {
		ok, v = false, errorDoc(err)
	}
	types, vals, perr := rt.pack([]any{v})
	if perr != nil {
		ok = false
		types, vals, _ = rt.pack([]any{errorDoc(perr)})
	}
	fn, herr := rt.hook("settle")
	if herr != nil {
		for i := range vals {
			vals[i].Free()
		}
		return
	}
	defer fn.Free()
	args := make([]any, 0, 3+len(vals))
	args = append(args, int(id), ok, types)
	for _, v := range vals {
		args = append(args, v)
	}
	_, cerr := fn.Call(rt.hooks, args...)
	for i := range vals {
		vals[i].Free()
	}
	if cerr != nil {
		rt.fail(rt.cur, cerr)
	}
}

// callHook calls hooks[name](args...) on the loop, for engine-internal hooks.
func (rt *Runtime) callHook(name string, args ...any) {
	fn, err := rt.hook(name)
	if err != nil {
		return
	}
	defer fn.Free()
	if _, err := fn.Call(rt.hooks, args...); err != nil {
		rt.fail(rt.cur, err)
	}
}

func (rt *Runtime) console(level, msg string) {
	if rt.opts.Console != nil {
		rt.opts.Console(level, msg)
	}
}

// registerBuiltins adds the engine's own host functions: timers, console and
// memory statistics.
func (rt *Runtime) registerBuiltins() {
	hs := rt.opts.Host
	hs.Sync("timer.set", func(args []any) (any, error) {
		rt.setTimer(int64(num(args, 0)), time.Duration(num(args, 1)*float64(time.Millisecond)))
		return nil, nil
	})
	hs.Sync("timer.clear", func(args []any) (any, error) {
		rt.clearTimer(int64(num(args, 0)))
		return nil, nil
	})
	hs.Sync("console.log", func(args []any) (any, error) {
		level, _ := args[0].(string)
		msg, _ := args[1].(string)
		rt.console(level, msg)
		return nil, nil
	})
	hs.Sync("engine.now", func(args []any) (any, error) {
		return float64(time.Now().UnixNano()) / 1e6, nil
	})
}

func num(args []any, i int) float64 {
	if i < len(args) {
		if f, ok := args[i].(float64); ok {
			return f
		}
	}
	return 0
}

// MemoryUsage returns the JS heap size in bytes. It must not be called on
// the loop goroutine from inside JS; it posts and waits.
func (rt *Runtime) MemoryUsage() int64 {
	ch := make(chan int64, 1)
	if !rt.Post(func() { ch <- memoryUsage(rt.vm) }) {
		return 0
	}
	select {
	case n := <-ch:
		return n
	case <-rt.done:
		return 0
	}
}

// Wait blocks until the runtime is closed.
func (rt *Runtime) Wait() { <-rt.done }

// Adopt gives a runtime started ahead of its use (a warm pool) its name,
// limits and console, which New would otherwise have set. Call it once,
// before any other use, from the goroutine that took the runtime; it
// waits for the loop to apply the memory limit. Zero limits keep the
// runtime's current ones.
func (rt *Runtime) Adopt(name string, memory int64, cpu time.Duration, console func(level, msg string)) error {
	done := make(chan struct{})
	if !rt.Post(func() {
		rt.opts.Name = name
		if memory > 0 {
			rt.opts.MemoryLimit = memory
			rt.vm.SetMemoryLimit(uintptr(memory))
		}
		if cpu > 0 {
			rt.opts.CPULimit = cpu
		}
		rt.opts.Console = console
		close(done)
	}) {
		return ErrClosed
	}
	select {
	case <-done:
		return nil
	case <-rt.done:
		return ErrClosed
	}
}
