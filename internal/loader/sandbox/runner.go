package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/webapi"
	"github.com/isola-run/isola/internal/webapi/fetch"
)

// MaxBody caps a request or response body crossing a sandbox boundary.
const MaxBody = 32 << 20

// Runner is one started dynamic worker: an engine runtime with the
// worker's code loaded and its env built. It is goroutine-safe; the runtime
// it holds is owned by that runtime's loop.
type Runner struct {
	cfg     Config
	host    Host
	rt      *engine.Runtime
	exports map[string]string

	origin time.Time
	broken atomic.Bool  // a call was stopped on a CPU or memory limit
	frozen atomic.Int64 // the clock JS sees, Unix ms; advanced by loader.tick

	mu       sync.Mutex // guards following
	active   int        // calls in flight
	subreqs  int        // subrequests made by the calls in flight
	subLimit int        // lowest subrequest limit of the calls in flight (0 none)
}

// Start creates the runtime, evaluates cfg.Script and builds env. A top
// level that throws or fails to compile is a *StartError; a limit hit while
// starting is a *LimitError.
func Start(ctx context.Context, cfg Config, host Host) (*Runner, error) {
	if cfg.MemoryLimit <= 0 {
		cfg.MemoryLimit = DefaultMemoryLimit
	}
	if cfg.CPULimit <= 0 {
		cfg.CPULimit = DefaultCPULimit
	}
	w, err := pool.take()
	if err != nil {
		return nil, fmt.Errorf("sandbox[%s]: %w", cfg.Name, err)
	}
	r := &Runner{cfg: cfg, host: host, origin: time.Now(), rt: w.rt}
	r.frozen.Store(r.origin.UnixMilli())
	w.s.r.Store(r)
	rt := w.rt
	if err := rt.Adopt(cfg.Name, cfg.MemoryLimit, cfg.CPULimit, host.Log); err != nil {
		rt.Close()
		return nil, fmt.Errorf("sandbox[%s]: %w", cfg.Name, err)
	}
	// env exists before the worker's top level runs (it may read it, e.g.
	// through cloudflare:workers' env); the clock froze when the runtime
	// was built (newRuntime).
	if len(cfg.Env) > 0 {
		grants := make([]any, len(cfg.EnvGrants))
		for i, g := range cfg.EnvGrants {
			grants[i] = float64(g)
		}
		if _, err := rt.Call(ctx, "loader.sandboxEnv", cfg.Env, grants); err != nil {
			rt.Close()
			return nil, startError(err)
		}
	}
	if cfg.Modules != nil {
		if err := rt.LoadModules(ctx, cfg.MainModule, cfg.Modules, "__isola_entry"); err != nil {
			rt.Close()
			if errors.Is(err, ErrNotNative) {
				return nil, err
			}
			return nil, startError(err)
		}
	} else if err := rt.Load(ctx, ScriptName, cfg.Script); err != nil {
		rt.Close()
		return nil, startError(err)
	}
	ex, err := rt.Call(ctx, "worker.init", map[string]any{})
	if err != nil {
		rt.Close()
		return nil, startError(err)
	}
	r.exports = map[string]string{}
	if m, ok := ex.(map[string]any); ok {
		for k, v := range m {
			r.exports[k], _ = v.(string)
		}
	}
	return r, nil
}

func startError(err error) error {
	var e *engine.Error
	if errors.As(err, &e) {
		switch e.Kind {
		case engine.CPULimit:
			return ErrCPU
		case engine.MemoryLimit:
			return ErrMemory
		}
		name := e.Name
		if name == "" {
			name = "Error"
		}
		return &StartError{Name: name, Message: e.Message, Stack: e.Stack}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ErrWall
	}
	return fmt.Errorf("sandbox: start: %w", err)
}

// Exports describes the worker's exports: name -> "entrypoint",
// "object", "function", "durable_object"...
func (r *Runner) Exports() map[string]string { return r.exports }

// Broken reports whether the runtime hit a CPU or memory limit; a broken
// runner must be closed and replaced.
func (r *Runner) Broken() bool { return r.broken.Load() || r.rt.Broken() }

// failed converts a call's error and marks the runner broken on a limit
// kill: the runtime's state may be inconsistent after one.
func (r *Runner) failed(ctx context.Context, err error) error {
	err = callError(ctx, err)
	if err == ErrCPU || err == ErrMemory {
		r.broken.Store(true)
	}
	return err
}

// Close frees the runtime; calls in flight fail.
func (r *Runner) Close() { r.rt.Close() }

// MemoryUsage is the JS heap size in bytes.
func (r *Runner) MemoryUsage() int64 { return r.rt.MemoryUsage() }

// begin opens the subrequest window of one call.
func (r *Runner) begin(lim Limits) func() {
	r.mu.Lock()
	if r.active == 0 {
		r.subreqs, r.subLimit = 0, 0
	}
	if lim.SubRequests > 0 && (r.subLimit == 0 || lim.SubRequests < r.subLimit) {
		r.subLimit = lim.SubRequests
	}
	r.active++
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		r.active--
		r.mu.Unlock()
	}
}

// subrequest counts one outbound request or capability call.
func (r *Runner) subrequest() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.subreqs++
	if r.subLimit > 0 && r.subreqs > r.subLimit {
		return engine.Errorf("Error", "%s", ErrSubRequests.Message)
	}
	return nil
}

// callError turns an engine error of a call into the sandbox's errors.
func callError(ctx context.Context, err error) error {
	var e *engine.Error
	if errors.As(err, &e) {
		switch e.Kind {
		case engine.CPULimit:
			return ErrCPU
		case engine.MemoryLimit:
			return ErrMemory
		case engine.StackOverflow:
			return &RemoteError{Name: "RangeError", Message: "Maximum call stack size exceeded", Stack: e.Stack}
		}
		name := e.Name
		if name == "" {
			name = "Error"
		}
		return &RemoteError{Name: name, Message: e.Message, Stack: e.Stack}
	}
	if errors.Is(err, engine.ErrNeverResolves) {
		return &RemoteError{Name: "Error", Message: "The script will never generate a response."}
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return ErrWall
	}
	if errors.Is(err, engine.ErrClosed) {
		return ErrClosed
	}
	return err
}

func entryArg(entry string) any {
	if entry == "" {
		return nil
	}
	return entry
}

// HasEntrypoint reports whether the worker exports name ("" = default).
func (r *Runner) HasEntrypoint(name string) bool {
	if name == "" {
		name = "default"
	}
	_, ok := r.exports[name]
	return ok
}

// Fetch delivers req to the fetch handler of entrypoint entry ("" =
// default) with ctx.props = props.
func (r *Runner) Fetch(ctx context.Context, entry string, props any, lim Limits, req *Request) (*Response, error) {
	defer r.begin(lim)()
	init := map[string]any{"method": req.Method, "url": req.URL, "headers": headerList(req.Headers)}
	if req.HasBody || len(req.Body) > 0 {
		init["body"] = req.Body
		if req.Body == nil {
			init["body"] = []byte{}
		}
	}
	v, err := r.rt.CallLimit(ctx, lim.CPU, "worker.fetch", entryArg(entry), init, props)
	if err != nil {
		return nil, r.failed(ctx, err)
	}
	return bufferResponse(v)
}

// RPC calls method of entrypoint entry with structured-cloned args.
func (r *Runner) RPC(ctx context.Context, entry string, props any, lim Limits, method string, args Value) (Value, error) {
	defer r.begin(lim)()
	v, err := r.rt.CallLimit(ctx, lim.CPU, "loader.rpc", entryArg(entry), method, args.Bytes, grantList(args.Grants), props)
	if err != nil {
		return Value{}, r.failed(ctx, err)
	}
	return valueFrom(v)
}

func headerList(h [][2]string) []any {
	out := make([]any, len(h))
	for i, kv := range h {
		out[i] = []any{kv[0], kv[1]}
	}
	return out
}

func grantList(g []int64) []any {
	out := make([]any, len(g))
	for i, x := range g {
		out[i] = float64(x)
	}
	return out
}

// valueFrom reads a {bytes, grants} document.
func valueFrom(v any) (Value, error) {
	m, _ := v.(map[string]any)
	if m == nil {
		return Value{}, fmt.Errorf("sandbox: bad value document %T", v)
	}
	out := Value{}
	out.Bytes, _ = m["bytes"].([]byte)
	if gs, ok := m["grants"].([]any); ok {
		for _, g := range gs {
			f, _ := g.(float64)
			out.Grants = append(out.Grants, int64(f))
		}
	}
	return out, nil
}

// bufferResponse reads a runtime's response document to its end.
func bufferResponse(v any) (*Response, error) {
	resp, err := (&fetch.Exchange{}).Response(v)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("sandbox: response body: %w", err)
	}
	if len(body) > MaxBody {
		return nil, fmt.Errorf("sandbox: response body over %d bytes", MaxBody)
	}
	out := &Response{Status: resp.Status, StatusText: resp.StatusText, Body: body, HasBody: true}
	if m, ok := v.(map[string]any); ok && m["body"] == nil && m["stream"] == nil {
		out.Body, out.HasBody = nil, false
	}
	for k, vs := range resp.Header {
		for _, x := range vs {
			out.Headers = append(out.Headers, [2]string{k, x})
		}
	}
	return out, nil
}

// ResponseDoc is the document JS's responseFrom takes.
func ResponseDoc(resp *Response) map[string]any {
	var body any
	if resp.HasBody || len(resp.Body) > 0 {
		body = resp.Body
		if resp.Body == nil {
			body = []byte{}
		}
	}
	return map[string]any{"status": float64(resp.Status), "statusText": resp.StatusText, "headers": headerList(resp.Headers), "body": body}
}

// RequestFrom reads a JS request document ({method, url, headers, body}).
func RequestFrom(v any) *Request {
	m, _ := v.(map[string]any)
	req := &Request{}
	req.Method, _ = m["method"].(string)
	req.URL, _ = m["url"].(string)
	req.Headers = headersFrom(m["headers"])
	switch b := m["body"].(type) {
	case []byte:
		req.Body, req.HasBody = b, true
	case string:
		req.Body, req.HasBody = []byte(b), true
	}
	return req
}

func headersFrom(v any) [][2]string {
	hs, _ := v.([]any)
	out := make([][2]string, 0, len(hs))
	for _, h := range hs {
		kv, ok := h.([]any)
		if !ok || len(kv) != 2 {
			continue
		}
		k, _ := kv[0].(string)
		x, _ := kv[1].(string)
		out = append(out, [2]string{k, x})
	}
	return out
}

// hostSet builds a runtime's host functions for the Runner s will hold:
// the Web APIs with fetch() routed by its Outbound, the frozen clock and
// capability calls. Before a Runner is set (the runtime is still in the
// warm pool) they have nothing to reach and fail.
func hostSet(s *slot) *engine.HostSet {
	hs := engine.NewHostSet()
	webapi.Register(hs, webapi.Options{})
	// Re-register fetch with a transport that goes through the Host: the
	// sandbox never dials anything itself.
	fetch.RegisterWith(hs, fetch.Options{Transport: roundTripper{s}, MaxBufferedBody: MaxBody})
	start := hs.AsyncFunc("fetch.start")
	hs.Async("fetch.start", func(ctx context.Context, args []any) (any, error) {
		if r := s.r.Load(); r == nil || r.cfg.Outbound == OutboundNone {
			return nil, engine.Errorf("Error", "%s", NoInternetMessage)
		}
		return start(ctx, args)
	})
	// The functions below act for the slot's Runner.
	syncFn := func(name string, f func(r *Runner, args []any) (any, error)) {
		hs.Sync(name, func(args []any) (any, error) {
			if r := s.r.Load(); r != nil {
				return f(r, args)
			}
			return nil, errNoWorker
		})
	}
	asyncFn := func(name string, f func(ctx context.Context, r *Runner, args []any) (any, error)) {
		hs.Async(name, func(ctx context.Context, args []any) (any, error) {
			if r := s.r.Load(); r != nil {
				return f(ctx, r, args)
			}
			return nil, errNoWorker
		})
	}
	syncFn("loader.subrequest", func(r *Runner, _ []any) (any, error) { return nil, r.subrequest() })
	syncFn("loader.tick", func(r *Runner, _ []any) (any, error) {
		now := time.Now().UnixMilli()
		r.frozen.Store(now)
		return float64(now), nil
	})
	syncFn("perf.now", func(r *Runner, _ []any) (any, error) {
		return float64(r.frozen.Load() - r.origin.UnixMilli()), nil
	})
	syncFn("perf.timeOrigin", func(r *Runner, _ []any) (any, error) {
		return float64(r.origin.UnixMilli()), nil
	})
	asyncFn("loader.capCall", func(ctx context.Context, r *Runner, args []any) (any, error) {
		if err := r.subrequest(); err != nil {
			return nil, err
		}
		g, _ := arg(args, 0).(float64)
		method, _ := arg(args, 1).(string)
		in, err := valueFrom(map[string]any{"bytes": arg(args, 2), "grants": arg(args, 3)})
		if err != nil {
			return nil, err
		}
		out, err := r.host.CapCall(ctx, int64(g), method, in)
		if err != nil {
			return nil, jsError(err)
		}
		return map[string]any{"bytes": out.Bytes, "grants": grantList(out.Grants)}, nil
	})
	asyncFn("loader.capFetch", func(ctx context.Context, r *Runner, args []any) (any, error) {
		if err := r.subrequest(); err != nil {
			return nil, err
		}
		g, _ := arg(args, 0).(float64)
		resp, err := r.host.CapFetch(ctx, int64(g), RequestFrom(arg(args, 1)))
		if err != nil {
			return nil, jsError(err)
		}
		return ResponseDoc(resp), nil
	})
	return hs
}

// errNoWorker is what a pooled runtime's host functions answer before a
// Runner adopts it (nothing runs in it then).
var errNoWorker = engine.Errorf("Error", "sandbox: no worker yet")

// jsError makes err throwable in the worker with the right class.
func jsError(err error) error {
	var je *engine.JSError
	if errors.As(err, &je) {
		return je
	}
	var re *RemoteError
	if errors.As(err, &re) {
		return &engine.JSError{Name: re.Name, Message: re.Message}
	}
	var le *LimitError
	if errors.As(err, &le) {
		return &engine.JSError{Name: "Error", Message: le.Message}
	}
	return &engine.JSError{Name: "Error", Message: err.Error()}
}

func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

// roundTripper sends the sandbox's fetch() requests to its Host.
type roundTripper struct{ s *slot }

func (t roundTripper) RoundTrip(hr *http.Request) (*http.Response, error) {
	req := &Request{Method: hr.Method, URL: hr.URL.String()}
	for k, vs := range hr.Header {
		for _, v := range vs {
			req.Headers = append(req.Headers, [2]string{k, v})
		}
	}
	if hr.Body != nil && hr.Body != http.NoBody {
		b, err := io.ReadAll(io.LimitReader(hr.Body, MaxBody+1))
		hr.Body.Close()
		if err != nil {
			return nil, err
		}
		if len(b) > MaxBody {
			return nil, fmt.Errorf("sandbox: request body over %d bytes", MaxBody)
		}
		req.Body, req.HasBody = b, true
	}
	var resp *Response
	var err error
	r := t.s.r.Load()
	switch {
	case r == nil:
		err = errors.New(NoInternetMessage)
	case r.cfg.Outbound == OutboundGrant:
		resp, err = r.host.CapFetch(hr.Context(), r.cfg.OutboundGrant, req)
	case r.cfg.Outbound == OutboundInherit:
		resp, err = r.host.Fetch(hr.Context(), req)
	default:
		err = errors.New(NoInternetMessage)
	}
	if err != nil {
		return nil, err
	}
	out := &http.Response{
		StatusCode:    resp.Status,
		Status:        fmt.Sprintf("%d %s", resp.Status, resp.StatusText),
		Header:        http.Header{},
		Body:          io.NopCloser(bytes.NewReader(resp.Body)),
		ContentLength: int64(len(resp.Body)),
		Request:       hr,
		Proto:         "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
	for _, kv := range resp.Headers {
		out.Header.Add(kv[0], kv[1])
	}
	return out, nil
}
