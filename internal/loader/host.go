package loader

import (
	"context"

	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/loader/sandbox"
	"github.com/isola-run/isola/internal/worker"
)

// Extension adds the parent-side host functions of the loader bindings in
// loaders (keyed as the "loaders" env descriptor names them) to every
// runtime of a worker:
//
//	loader.cached(key, name) -> bool
//	loader.load(key, name|null, code, envBytes|null, envRefs, outboundRef) -> handle  (async)
//	loader.fetch(key, handle, entry|null, props, limits, requestInit) -> {response}|{error}|{evicted}  (async)
//	loader.rpc(key, handle, entry|null, props, limits, method, bytes, refs) -> {bytes, refs}|{error}|{evicted}  (async)
//	loader.release(key, handle)
func Extension(loaders map[string]*Loader) worker.Extension {
	return func(hs *engine.HostSet, ref *worker.Ref) func() func() error {
		Register(hs, loaders, ref.Runtime)
		return nil
	}
}

// EnvDescriptor is the "loaders" entry of worker.Spec.Env for bindings:
// env name -> loader key.
func EnvDescriptor(bindings map[string]string) map[string]any {
	out := map[string]any{}
	for env, key := range bindings {
		out[env] = key
	}
	return out
}

// Register adds the loader host functions to hs; runtime returns the
// runtime hs belongs to (it owns the capabilities its JS exports).
func Register(hs *engine.HostSet, loaders map[string]*Loader, runtime func() *engine.Runtime) {
	get := func(args []any) (*Loader, error) {
		key, _ := arg(args, 0).(string)
		l := loaders[key]
		if l == nil {
			return nil, engine.Errorf("Error", "loader: no worker loader binding %q", key)
		}
		return l, nil
	}
	hs.Sync("loader.cached", func(args []any) (any, error) {
		l, err := get(args)
		if err != nil {
			return nil, err
		}
		name, _ := arg(args, 1).(string)
		return l.Cached(name), nil
	})
	hs.Sync("loader.release", func(args []any) (any, error) {
		l, err := get(args)
		if err != nil {
			return nil, err
		}
		h, _ := arg(args, 1).(string)
		l.Release(h)
		return nil, nil
	})
	hs.Async("loader.load", func(ctx context.Context, args []any) (any, error) {
		l, err := get(args)
		if err != nil {
			return nil, err
		}
		name, _ := arg(args, 1).(string)
		code, err := codeFrom(arg(args, 2))
		if err != nil {
			return nil, err
		}
		env, _ := arg(args, 3).([]byte)
		refs := int64s(arg(args, 4))
		ob, _ := arg(args, 5).(float64)
		return l.Load(ctx, runtime(), name, code, env, refs, int64(ob))
	})
	hs.Async("loader.fetch", func(ctx context.Context, args []any) (any, error) {
		l, err := get(args)
		if err != nil {
			return nil, err
		}
		h, _ := arg(args, 1).(string)
		entry, _ := arg(args, 2).(string)
		lm, _ := arg(args, 4).(map[string]any)
		return l.Fetch(ctx, h, entry, arg(args, 3), limitsFrom(lm), sandbox.RequestFrom(arg(args, 5))), nil
	})
	hs.Async("loader.rpc", func(ctx context.Context, args []any) (any, error) {
		l, err := get(args)
		if err != nil {
			return nil, err
		}
		h, _ := arg(args, 1).(string)
		entry, _ := arg(args, 2).(string)
		lm, _ := arg(args, 4).(map[string]any)
		method, _ := arg(args, 5).(string)
		b, _ := arg(args, 6).([]byte)
		return l.RPC(ctx, runtime(), h, entry, arg(args, 3), limitsFrom(lm), method, b, int64s(arg(args, 7))), nil
	})
}

func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

func int64s(v any) []int64 {
	xs, _ := v.([]any)
	out := make([]int64, 0, len(xs))
	for _, x := range xs {
		f, _ := x.(float64)
		out = append(out, int64(f))
	}
	return out
}
