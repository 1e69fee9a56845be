package worker

import (
	"context"
	"fmt"

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
			if e, ok := err.(*engine.Error); ok {
				return nil, &engine.JSError{Name: e.Name, Message: e.Message}
			}
			return nil, err
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
		a, _ := args[2].([]any)
		v, err := tw.RPC(ctx, t.Entrypoint, method, a)
		if err != nil {
			if e, ok := err.(*engine.Error); ok {
				return nil, &engine.JSError{Name: e.Name, Message: e.Message}
			}
			return nil, err
		}
		return v, nil
	})
}
