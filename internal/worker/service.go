package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/isola-run/isola/internal/engine"
)

// registerServices adds the host functions of service bindings.
func (w *Worker) registerServices(hs *engine.HostSet) {
	target := func(v any) (Target, *Worker, error) {
		m, _ := v.(map[string]any)
		t := Target{}
		t.Service, _ = m["service"].(string)
		t.Entrypoint, _ = m["entrypoint"].(string)
		if w.reg == nil {
			return t, nil, fmt.Errorf("worker[%s]: no registry for service %q", w.spec.Name, t.Service)
		}
		tw := w.reg.Get(t.Service)
		if tw == nil {
			return t, nil, engine.Errorf("Error", "service %q is not running", t.Service)
		}
		return t, tw, nil
	}
	hs.Async("service.fetch", func(ctx context.Context, args []any) (any, error) {
		if len(args) < 2 {
			return nil, engine.Errorf("TypeError", "service.fetch: missing arguments")
		}
		t, tw, err := target(args[0])
		if err != nil {
			return nil, err
		}
		init, _ := args[1].(map[string]any)
		v, err := tw.FetchInit(ctx, t.Entrypoint, init)
		if err != nil {
			return nil, PublicError(err)
		}
		return BufferResponse(v, tw.spec.MaxBodyBytes)
	})
	hs.Async("service.rpc", func(ctx context.Context, args []any) (any, error) {
		if len(args) < 3 {
			return nil, engine.Errorf("TypeError", "service.rpc: missing arguments")
		}
		t, tw, err := target(args[0])
		if err != nil {
			return nil, err
		}
		method, _ := args[1].(string)
		a, _ := args[2].([]byte)
		var refs []any
		if len(args) > 3 {
			refs, _ = args[3].([]any)
		}
		v, err := tw.RPC(ctx, t.Entrypoint, method, a, refs)
		return v, PublicError(err)
	})
	// rpc.drop(runtime, export): a stub of a result passed by reference was
	// collected; the exporting runtime may forget the value.
	hs.Async("rpc.drop", func(ctx context.Context, args []any) (any, error) {
		if len(args) < 2 {
			return nil, nil
		}
		id, _ := args[0].(float64)
		if v, ok := runtimes.Load(int64(id)); ok {
			_, _ = v.(*engine.Runtime).Call(ctx, "rpc.drop", args[1])
		}
		return nil, nil
	})
	// rpc.back(runtime, export, method, args, refs): a call through a stub of
	// a function or RpcTarget that another runtime passed by reference.
	hs.Async("rpc.back", func(ctx context.Context, args []any) (any, error) {
		if len(args) < 4 {
			return nil, engine.Errorf("TypeError", "rpc.back: missing arguments")
		}
		id, _ := args[0].(float64)
		v, ok := runtimes.Load(int64(id))
		if !ok {
			return nil, engine.Errorf("Error", "RPC stub's runtime is gone")
		}
		var refs any
		if len(args) > 4 {
			refs = args[4]
		}
		out, err := v.(*engine.Runtime).Call(ctx, "rpc.invoke", args[1], args[2], args[3], refs)
		return out, PublicError(err)
	})
}

// runtimes finds the live runtimes of every worker by id, for calls back
// through references passed over RPC.
var (
	runtimes      sync.Map // int64 -> *engine.Runtime
	nextRuntimeID atomic.Int64
)

// PublicError turns an error from another runtime's JS into what the
// caller's JS sees: the thrown error's name and message.
func PublicError(err error) error {
	if err == nil {
		return nil
	}
	var e *engine.Error
	if errors.As(err, &e) {
		if e.Kind == engine.CPULimit || e.Kind == engine.MemoryLimit {
			return &engine.JSError{Name: "Error", Message: "The callee exceeded its resource limits."}
		}
		return &engine.JSError{Name: e.Name, Message: e.Message}
	}
	var je *engine.JSError
	if errors.As(err, &je) {
		return je
	}
	return &engine.JSError{Name: "Error", Message: err.Error()}
}
