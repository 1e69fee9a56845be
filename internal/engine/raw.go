package engine

// raw.go reaches under modernc.org/quickjs's high-level API to the QuickJS C
// API (modernc.org/libquickjs) for what the wrapper lacks: bytes in and out of
// ArrayBuffers, arrays built without a JSON round trip, and compiling a
// script under a file name. The wrapper's VM and Value have unexported
// fields, so their layout is mirrored here; TestRawLayout proves the mirror
// against the pinned version and fails loudly if an upgrade changes it.
//
// Every function here must run on the goroutine that owns the VM.

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/libquickjs"
	"modernc.org/quickjs"
)

// vmLayout mirrors the leading fields of quickjs.VM (v0.27.0).
type vmLayout struct {
	intr     unsafe.Pointer
	cContext uintptr
	goFuncs  map[string]int32
	int32_16 lib.TJSValue
	int32_2  lib.TJSValue
	runtime  *rtLayout
}

// rtLayout mirrors quickjs.runtime.
type rtLayout struct {
	cRuntime uintptr
	tls      *libc.TLS
}

// valueLayout mirrors quickjs.Value.
type valueLayout struct {
	vm *quickjs.VM
	v  lib.TJSValue
}

func rawVM(vm *quickjs.VM) *vmLayout { return (*vmLayout)(unsafe.Pointer(vm)) }

// abandonedOffset is where quickjs.VM keeps its abandoned flag (a VM whose
// Close leaves the QuickJS runtime's memory alone), or -1 if this version
// of the wrapper has none; found by reflection so a change of layout
// cannot make us write elsewhere.
var abandonedOffset = func() uintptr {
	t := reflect.TypeOf(quickjs.VM{})
	f, ok := t.FieldByName("abandoned")
	if !ok || f.Type.Kind() != reflect.Bool {
		return ^uintptr(0)
	}
	off, cur := uintptr(0), t
	for _, i := range f.Index {
		sf := cur.Field(i)
		off += sf.Offset
		cur = sf.Type
	}
	return off
}()

// abandon makes vm.Close skip freeing the runtime's objects one by one
// (JS_FreeRuntime), if this version of the wrapper can. Its Go-side state
// (the host functions it registered, its module loader) is still dropped.
func abandon(vm *quickjs.VM) {
	if abandonedOffset != ^uintptr(0) {
		*(*bool)(unsafe.Add(unsafe.Pointer(vm), abandonedOffset)) = true
	}
}

func rawCtx(vm *quickjs.VM) (*libc.TLS, uintptr) {
	l := rawVM(vm)
	return l.runtime.tls, l.cContext
}

func rawRuntime(vm *quickjs.VM) (*libc.TLS, uintptr) {
	l := rawVM(vm)
	return l.runtime.tls, l.runtime.cRuntime
}

func rawOf(v *quickjs.Value) lib.TJSValue { return (*valueLayout)(unsafe.Pointer(v)).v }

// wrap makes a quickjs.Value owning the reference r.
func wrap(vm *quickjs.VM, r lib.TJSValue) quickjs.Value {
	var v quickjs.Value
	l := (*valueLayout)(unsafe.Pointer(&v))
	l.vm = vm
	l.v = r
	return v
}

func isException(v lib.TJSValue) bool { return v.Ftag == lib.EJS_TAG_EXCEPTION }

// bytesOf copies the bytes of an ArrayBuffer value. ok is false if v is not
// an ArrayBuffer (the pending exception JS_GetArrayBuffer raises is cleared).
func bytesOf(vm *quickjs.VM, v quickjs.Value) (b []byte, ok bool) {
	tls, ctx := rawCtx(vm)
	psize := tls.Alloc(int(unsafe.Sizeof(libc.Tsize_t(0))))
	defer tls.Free(int(unsafe.Sizeof(libc.Tsize_t(0))))
	p := lib.XJS_GetArrayBuffer(tls, ctx, psize, rawOf(&v))
	n := readSize(psize)
	if p == 0 {
		if n == 0 && lib.XJS_HasException(tls, ctx) == 0 {
			return []byte{}, true // detached or empty
		}
		ex := lib.XJS_GetException(tls, ctx)
		lib.XFreeValue(tls, ctx, ex)
		return nil, false
	}
	out := make([]byte, n)
	copy(out, libc.GoBytes(p, n))
	return out, true
}

// newArrayBuffer returns a new ArrayBuffer holding a copy of b.
func newArrayBuffer(vm *quickjs.VM, b []byte) (quickjs.Value, error) {
	tls, ctx := rawCtx(vm)
	// The engine may only see C memory: copy b into a libc buffer first
	// (a Go pointer here also trips checkptr under -race).
	var p uintptr
	if len(b) > 0 {
		p = libc.Xmalloc(tls, libc.Tsize_t(len(b)))
		if p == 0 {
			return quickjs.Value{}, fmt.Errorf("engine: cannot allocate %d bytes", len(b))
		}
		defer libc.Xfree(tls, p)
		copy(libc.GoBytes(p, len(b)), b)
	}
	r := lib.XJS_NewArrayBufferCopy(tls, ctx, p, libc.Tsize_t(len(b)))
	if isException(r) {
		ex := lib.XJS_GetException(tls, ctx)
		lib.XFreeValue(tls, ctx, ex)
		return quickjs.Value{}, fmt.Errorf("engine: cannot allocate an ArrayBuffer of %d bytes", len(b))
	}
	return wrap(vm, r), nil
}

// newArray returns a JS array of vals; it takes over the references in vals.
func newArray(vm *quickjs.VM, vals []quickjs.Value) (quickjs.Value, error) {
	tls, ctx := rawCtx(vm)
	arr := lib.XJS_NewArray(tls, ctx)
	if isException(arr) {
		ex := lib.XJS_GetException(tls, ctx)
		lib.XFreeValue(tls, ctx, ex)
		for i := range vals {
			vals[i].Free()
		}
		return quickjs.Value{}, fmt.Errorf("engine: cannot allocate an array")
	}
	for i := range vals {
		// JS_SetPropertyUint32 takes over the value's reference.
		lib.XJS_SetPropertyUint32(tls, ctx, arr, uint32(i), rawOf(&vals[i]))
	}
	return wrap(vm, arr), nil
}

// newString returns a JS string value.
func newString(vm *quickjs.VM, s string) (quickjs.Value, error) { return vm.NewString(s) }

// compile compiles a global script under file name and returns its bytecode.
// strip drops the function sources (Function.prototype.toString) and the
// debug information (line tables, local names) from the bytecode: smaller
// to read and to keep, for code whose stack frames nobody needs to read.
func compile(vm *quickjs.VM, src, name string, strip bool) ([]byte, error) {
	tls, ctx := rawCtx(vm)
	if strip {
		_, rtp := rawRuntime(vm)
		old := lib.XJS_GetStripInfo(tls, rtp)
		lib.XJS_SetStripInfo(tls, rtp, lib.MJS_STRIP_SOURCE|lib.MJS_STRIP_DEBUG)
		defer lib.XJS_SetStripInfo(tls, rtp, old)
	}
	csrc, err := libc.CString(src)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(tls, csrc)
	cname, err := libc.CString(name)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(tls, cname)
	fn := lib.XJS_Eval(tls, ctx, csrc, libc.Tsize_t(len(src)), cname, lib.MJS_EVAL_TYPE_GLOBAL|lib.MJS_EVAL_FLAG_COMPILE_ONLY)
	if isException(fn) {
		ex := wrap(vm, lib.XJS_GetException(tls, ctx))
		defer ex.Free()
		if e := quickjs.ErrorFromValue(ex); e != nil {
			return nil, errorFromQJS(e)
		}
		return nil, fmt.Errorf("engine: compile %s failed", name)
	}
	defer lib.XFreeValue(tls, ctx, fn)
	usize := int(unsafe.Sizeof(libc.Tsize_t(0)))
	plen := tls.Alloc(usize)
	defer tls.Free(usize)
	p := lib.XJS_WriteObject(tls, ctx, plen, fn, lib.MJS_WRITE_OBJ_BYTECODE)
	if p == 0 {
		ex := lib.XJS_GetException(tls, ctx)
		lib.XFreeValue(tls, ctx, ex)
		return nil, fmt.Errorf("engine: cannot write bytecode of %s", name)
	}
	n := readSize(plen)
	out := make([]byte, n)
	copy(out, libc.GoBytes(p, n))
	lib.Xjs_free(tls, ctx, p)
	return out, nil
}

// memoryUsage reports the bytes the runtime has allocated (JS heap).
func memoryUsage(vm *quickjs.VM) int64 {
	tls, rt := rawRuntime(vm)
	var mu lib.TJSMemoryUsage
	p := tls.Alloc(int(unsafe.Sizeof(mu)))
	defer tls.Free(int(unsafe.Sizeof(mu)))
	lib.XJS_ComputeMemoryUsage(tls, rt, p)
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&mu)), unsafe.Sizeof(mu)), libc.GoBytes(p, int(unsafe.Sizeof(mu))))
	return int64(mu.Fmalloc_size)
}

// readSize reads the size_t at p in C memory.
func readSize(p uintptr) int {
	return int(binary.NativeEndian.Uint64(libc.GoBytes(p, 8)))
}

// runGC runs the cycle collector.
func runGC(vm *quickjs.VM) {
	tls, rt := rawRuntime(vm)
	lib.XJS_RunGC(tls, rt)
}
