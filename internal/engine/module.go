package engine

// module.go evaluates ES modules with QuickJS's own module system, without
// a bundler: for code loaded at run time (Dynamic Workers), where bundling
// would cost more than running. Imports resolve among the modules given.

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/libquickjs"
)

// ErrNotNative is returned by LoadModules when the modules cannot be run
// natively (a module does not compile, or imports one not given); nothing
// of them has run then, and the caller may bundle them instead.
var ErrNotNative = errors.New("engine: modules cannot be loaded natively")

// moduleLoader is the Go side of QuickJS's module loader hook (a C
// function pointer): JSModuleDef *loader(JSContext*, const char *name,
// void *opaque).
type moduleLoader func(tls *libc.TLS, ctx, name, opaque uintptr) uintptr

// LoadModules evaluates the ES module main among mods (name -> source;
// "./x.js" in "a/b.js" names "a/x.js") on the loop, then assigns main's
// namespace object to globalThis[entry] and the promise of its evaluation
// (top-level await) to globalThis[entry+"_ready"]. A module that throws
// while evaluating rejects that promise; ErrNotNative (wrapped) means that
// nothing ran.
func (rt *Runtime) LoadModules(ctx context.Context, main string, mods map[string]string, entry string) error {
	if _, ok := mods[main]; !ok {
		return fmt.Errorf("%w: no module %q", ErrNotNative, main)
	}
	return rt.evalTask(ctx, func() error { return rt.evalModules(main, mods, entry) })
}

// evalModules runs on the loop.
func (rt *Runtime) evalModules(main string, mods map[string]string, entry string) error {
	tls, ctx := rawCtx(rt.vm)
	_, crt := rawRuntime(rt.vm)
	var loadErr error
	loader := moduleLoader(func(tls *libc.TLS, ctx, cname, _ uintptr) uintptr {
		name := libc.GoString(cname)
		src, ok := mods[name]
		if !ok {
			loadErr = fmt.Errorf("%w: no module %q", ErrNotNative, name)
			throwPlain(tls, ctx, "no such module")
			return 0
		}
		fn, err := compileModule(tls, ctx, name, src)
		if err != nil {
			loadErr = err
			return 0
		}
		m := uintptr(fn.Fu.Fuint641)
		lib.XFreeValue(tls, ctx, fn)
		return m
	})
	// QuickJS holds the closure's address as a C function pointer while
	// this function runs: keep the closure alive until the hook is unset.
	lib.XJS_SetModuleLoaderFunc(tls, crt, 0, *(*uintptr)(unsafe.Pointer(&loader)), 0)
	defer func() {
		lib.XJS_SetModuleLoaderFunc(tls, crt, 0, 0, 0)
		runtime.KeepAlive(loader)
	}()

	fn, err := compileModule(tls, ctx, main, mods[main])
	if err != nil {
		return err
	}
	m := uintptr(fn.Fu.Fuint641)
	if lib.XJS_ResolveModule(tls, ctx, fn) < 0 {
		lib.XFreeValue(tls, ctx, fn)
		lib.XFreeValue(tls, ctx, lib.XJS_GetException(tls, ctx))
		if loadErr == nil {
			loadErr = fmt.Errorf("%w: cannot link %q", ErrNotNative, main)
		}
		return loadErr
	}
	// The raw calls above and below do not arm the VM's CPU deadline as
	// its Eval and Call methods do: draining the (empty) job queue does, so
	// that the modules' top level runs on this task's budget, not on a
	// deadline left by an earlier call.
	if _, err := rt.vm.ExecutePendingJobs(); err != nil {
		lib.XFreeValue(tls, ctx, fn)
		return err
	}
	p := lib.XJS_EvalFunction(tls, ctx, fn) // takes fn
	if isException(p) {
		lib.XFreeValue(tls, ctx, lib.XJS_GetException(tls, ctx))
		return fmt.Errorf("%w: %q does not link", ErrNotNative, main)
	}
	ns := lib.XJS_GetModuleNamespace(tls, ctx, m)
	g := lib.XJS_GetGlobalObject(tls, ctx)
	defer lib.XFreeValue(tls, ctx, g)
	setGlobal(tls, ctx, g, entry, ns)
	setGlobal(tls, ctx, g, entry+"_ready", p)
	return nil
}

// compileModule compiles src as module name; on failure it clears the
// exception and returns ErrNotNative.
func compileModule(tls *libc.TLS, ctx uintptr, name, src string) (lib.TJSValue, error) {
	csrc, err := libc.CString(src)
	if err != nil {
		return lib.TJSValue{}, err
	}
	defer libc.Xfree(tls, csrc)
	cname, err := libc.CString(name)
	if err != nil {
		return lib.TJSValue{}, err
	}
	defer libc.Xfree(tls, cname)
	fn := lib.XJS_Eval(tls, ctx, csrc, libc.Tsize_t(len(src)), cname, lib.MJS_EVAL_TYPE_MODULE|lib.MJS_EVAL_FLAG_COMPILE_ONLY)
	if isException(fn) {
		lib.XFreeValue(tls, ctx, lib.XJS_GetException(tls, ctx))
		return lib.TJSValue{}, fmt.Errorf("%w: %s does not compile", ErrNotNative, name)
	}
	return fn, nil
}

// setGlobal sets g[name] = v, taking v.
func setGlobal(tls *libc.TLS, ctx uintptr, g lib.TJSValue, name string, v lib.TJSValue) {
	cname, err := libc.CString(name)
	if err != nil {
		lib.XFreeValue(tls, ctx, v)
		return
	}
	defer libc.Xfree(tls, cname)
	lib.XJS_SetPropertyStr(tls, ctx, g, cname, v)
}

// throwPlain throws a ReferenceError with msg (no format directives).
func throwPlain(tls *libc.TLS, ctx uintptr, msg string) {
	cmsg, err := libc.CString(msg)
	if err != nil {
		return
	}
	defer libc.Xfree(tls, cmsg)
	lib.XJS_ThrowReferenceError(tls, ctx, cmsg, 0)
}
