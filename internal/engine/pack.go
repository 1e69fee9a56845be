package engine

import (
	"fmt"
	"unsafe"

	lib "modernc.org/libquickjs"
	"modernc.org/quickjs"
)

// The bridge passes each argument in the cheapest form for its type, named
// by one letter of a "types" string that travels with the arguments:
//
//	n  undefined/null (Go nil)
//	p  a primitive: string, number or boolean, passed as is
//	b  bytes: an ArrayBuffer (JS passes typed arrays and DataViews as a copy)
//	j  anything else: a JSON document in which bytes are {"\u0000b": i},
//	   indexes into the B arguments that follow all others
//	B  the bytes of the j documents, in order
//
// JSON in this engine costs tens of microseconds even for tiny documents,
// so the common calls (strings, numbers, bytes) avoid it entirely.

// unpack converts the raw JS arguments of a bridge call into Go values.
func (rt *Runtime) unpack(types string, args []quickjs.Value) ([]any, error) {
	if len(types) != len(args) {
		return nil, fmt.Errorf("engine: bridge: %d types for %d arguments", len(types), len(args))
	}
	var extra [][]byte
	for i := range args {
		if types[i] == 'B' {
			b, _ := bytesOf(rt.vm, args[i])
			extra = append(extra, b)
		}
	}
	out := make([]any, 0, len(args))
	for i := range args {
		switch types[i] {
		case 'n':
			out = append(out, nil)
		case 'p':
			out = append(out, primitive(args[i]))
		case 'b':
			b, ok := bytesOf(rt.vm, args[i])
			if !ok {
				return nil, fmt.Errorf("engine: bridge: argument %d is not an ArrayBuffer", i)
			}
			out = append(out, b)
		case 'j':
			s, _ := args[i].Any()
			js, _ := s.(string)
			v, err := decodeValue(js, extra)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		case 'B':
		default:
			return nil, fmt.Errorf("engine: bridge: bad type %q", types[i])
		}
	}
	return out, nil
}

// primitive reads a JS string, number or boolean.
func primitive(v quickjs.Value) any {
	raw := rawOf(&v)
	switch raw.Ftag {
	case lib.EJS_TAG_INT:
		return float64(int32(*(*uint64)(unsafe.Pointer(&raw))))
	case lib.EJS_TAG_FLOAT64:
		return *(*float64)(unsafe.Pointer(&raw))
	case lib.EJS_TAG_BOOL:
		return int32(*(*uint64)(unsafe.Pointer(&raw))) != 0
	}
	x, err := v.Any()
	if err != nil {
		return nil
	}
	switch x := x.(type) {
	case int:
		return float64(x)
	case quickjs.Undefined:
		return nil
	}
	return x
}

// pack converts Go values into bridge arguments (types and Values whose
// references the caller owns and must free).
func (rt *Runtime) pack(vals []any) (string, []quickjs.Value, error) {
	types := make([]byte, 0, len(vals))
	out := make([]quickjs.Value, 0, len(vals))
	var extra [][]byte
	fail := func(err error) (string, []quickjs.Value, error) {
		for i := range out {
			out[i].Free()
		}
		return "", nil, err
	}
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			types = append(types, 'n')
			out = append(out, wrap(rt.vm, lib.TJSValue{Ftag: lib.EJS_TAG_UNDEFINED}))
		case string:
			s, err := rt.vm.NewString(x)
			if err != nil {
				return fail(err)
			}
			types = append(types, 'p')
			out = append(out, s)
		case bool:
			types = append(types, 'p')
			out = append(out, newBool(rt.vm, x))
		case int:
			types = append(types, 'p')
			out = append(out, newFloat(rt.vm, float64(x)))
		case int64:
			types = append(types, 'p')
			out = append(out, newFloat(rt.vm, float64(x)))
		case float64:
			types = append(types, 'p')
			out = append(out, newFloat(rt.vm, x))
		case []byte:
			ab, err := newArrayBuffer(rt.vm, x)
			if err != nil {
				return fail(err)
			}
			types = append(types, 'b')
			out = append(out, ab)
		default:
			js, bufs, err := encodeValueFrom(v, len(extra))
			if err != nil {
				return fail(err)
			}
			extra = append(extra, bufs...)
			s, err := rt.vm.NewString(js)
			if err != nil {
				return fail(err)
			}
			types = append(types, 'j')
			out = append(out, s)
		}
	}
	for _, b := range extra {
		ab, err := newArrayBuffer(rt.vm, b)
		if err != nil {
			return fail(err)
		}
		types = append(types, 'B')
		out = append(out, ab)
	}
	return string(types), out, nil
}

func newBool(vm *quickjs.VM, b bool) quickjs.Value {
	var r lib.TJSValue
	if b {
		*(*uint64)(unsafe.Pointer(&r)) = 1
	}
	r.Ftag = lib.EJS_TAG_BOOL
	return wrap(vm, r)
}

func newFloat(vm *quickjs.VM, f float64) quickjs.Value {
	var r lib.TJSValue
	*(*float64)(unsafe.Pointer(&r)) = f
	r.Ftag = lib.EJS_TAG_FLOAT64
	return wrap(vm, r)
}
