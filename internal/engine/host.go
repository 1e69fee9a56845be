package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"modernc.org/quickjs"
)

// HostFunc is a synchronous host function. It runs on the loop goroutine of
// the runtime that called it and must not block.
type HostFunc func(args []any) (any, error)

// AsyncFunc is an asynchronous host function. It runs on a goroutine of its
// own; ctx is cancelled when the runtime closes. Its result settles the JS
// promise on the runtime's loop.
type AsyncFunc func(ctx context.Context, args []any) (any, error)

// StagedFunc is an asynchronous host function in two stages: the first runs
// on the loop goroutine when JS calls it, so calls are staged in the order
// JS made them; the second, which it returns, runs on a goroutine of its own
// and its result settles the JS promise.
type StagedFunc func(args []any) (func(ctx context.Context) (any, error), error)

// HostSet is the table of host functions one runtime can call. Build one per
// runtime (state a family keeps per runtime lives in the closures it
// registers). Not goroutine-safe while being filled; read-only afterwards.
type HostSet struct {
	sync   map[string]HostFunc
	async  map[string]AsyncFunc
	staged map[string]StagedFunc
}

// NewHostSet returns an empty HostSet.
func NewHostSet() *HostSet {
	return &HostSet{sync: map[string]HostFunc{}, async: map[string]AsyncFunc{}, staged: map[string]StagedFunc{}}
}

// Sync registers a synchronous host function under name ("family.op").
func (h *HostSet) Sync(name string, f HostFunc) { h.sync[name] = f }

// Async registers an asynchronous host function under name ("family.op").
func (h *HostSet) Async(name string, f AsyncFunc) { h.async[name] = f }

// AsyncFunc returns the asynchronous host function registered under name,
// or nil; for wrapping one.
func (h *HostSet) AsyncFunc(name string) AsyncFunc { return h.async[name] }

// Staged registers a two-stage asynchronous host function (see StagedFunc);
// JS calls it with callAsync like any asynchronous one.
func (h *HostSet) Staged(name string, f StagedFunc) { h.staged[name] = f }

// JSError is an error a host function returns to have a specific JS error
// thrown: Name "TypeError", "RangeError", "SyntaxError" or "Error" gives that
// class, any other name a DOMException of that name.
type JSError struct {
	Name    string
	Message string
}

func (e *JSError) Error() string { return e.Name + ": " + e.Message }

// Errorf returns a *JSError with name and a formatted message.
func Errorf(name, format string, args ...any) error {
	return &JSError{Name: name, Message: fmt.Sprintf(format, args...)}
}

// Error is a JS exception that reached Go: what was thrown, with its stack.
type Error struct {
	Name    string
	Message string
	Stack   string
	// Kind tells a limit kill from a thrown exception.
	Kind ErrorKind
	// cause is the Go sentinel a limit kill matches (errors.Is).
	cause error
}

// ErrorKind classifies an Error.
type ErrorKind int

const (
	// Thrown is an exception the script threw (or a JS runtime error).
	Thrown ErrorKind = iota
	// CPULimit means the script ran past its CPU-time limit and was stopped.
	CPULimit
	// MemoryLimit means the runtime ran out of its memory limit.
	MemoryLimit
	// StackOverflow means the recursion went too deep.
	StackOverflow
)

func (e *Error) Error() string {
	if e.Name == "" {
		return "engine: " + e.Message
	}
	return e.Name + ": " + e.Message
}

// Unwrap returns context.DeadlineExceeded for a CPU-limit kill, ErrMemoryLimit
// for an out-of-memory, and nil otherwise.
func (e *Error) Unwrap() error { return e.cause }

// Sentinels.
var (
	// ErrClosed is returned by calls on a closed runtime.
	ErrClosed = errors.New("engine: runtime closed")
	// ErrMemoryLimit is what an *Error of Kind MemoryLimit unwraps to.
	ErrMemoryLimit = errors.New("engine: memory limit exceeded")
	// ErrNeverResolves is returned by Call when the promise can never settle:
	// nothing is left that could wake the runtime.
	ErrNeverResolves = errors.New("engine: the script will never generate a response")
	// ErrUnknownHostFunc is thrown in JS for a call to an unregistered name.
	ErrUnknownHostFunc = errors.New("engine: unknown host function")
)

func errorFromQJS(e *quickjs.Error) *Error {
	out := &Error{Name: e.Name, Message: e.Message, Stack: e.Stack}
	classify(out)
	return out
}

func classify(e *Error) {
	if e.Name != "InternalError" {
		return
	}
	switch {
	case strings.Contains(e.Message, "interrupted"):
		e.Kind, e.cause = CPULimit, context.DeadlineExceeded
	case strings.Contains(e.Message, "out of memory"):
		e.Kind, e.cause = MemoryLimit, ErrMemoryLimit
	case strings.Contains(e.Message, "stack overflow"):
		e.Kind = StackOverflow
	}
}

// bytesKey marks a []byte inside a bridged JSON document: {"\u0000b": index}.
const bytesKey = "\x00b"

// encodeValue turns a Go value into the bridge form: JSON text in which
// every []byte became {"\u0000b": i}, plus the byte slices in order.
func encodeValue(v any) (string, [][]byte, error) { return encodeValueFrom(v, 0) }

// encodeValueFrom is encodeValue numbering byte slices from base.
func encodeValueFrom(v any, base int) (string, [][]byte, error) {
	if v == nil {
		return "", nil, nil
	}
	var bufs [][]byte
	v = extractBytes(v, &bufs, base)
	b, err := json.Marshal(v)
	if err != nil {
		return "", nil, fmt.Errorf("engine: cannot bridge %T: %w", v, err)
	}
	return string(b), bufs, nil
}

func extractBytes(v any, bufs *[][]byte, base int) any {
	switch x := v.(type) {
	case []byte:
		*bufs = append(*bufs, x)
		return map[string]int{bytesKey: base + len(*bufs) - 1}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = extractBytes(e, bufs, base)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = extractBytes(e, bufs, base)
		}
		return out
	case [][]byte:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = extractBytes(e, bufs, base)
		}
		return out
	}
	return v
}

// decodeValue is the inverse of the JS side's encoding.
func decodeValue(js string, bufs [][]byte) (any, error) {
	if js == "" {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		return nil, fmt.Errorf("engine: bad bridge document: %w", err)
	}
	return restoreBytes(v, bufs), nil
}

func restoreBytes(v any, bufs [][]byte) any {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			x[i] = restoreBytes(e, bufs)
		}
	case map[string]any:
		if len(x) == 1 {
			if idx, ok := x[bytesKey].(float64); ok && int(idx) < len(bufs) {
				return bufs[int(idx)]
			}
		}
		for k, e := range x {
			x[k] = restoreBytes(e, bufs)
		}
	}
	return v
}

// errorDoc turns a Go error into the {name, message} document JS rethrows.
func errorDoc(err error) map[string]any {
	var je *JSError
	if errors.As(err, &je) {
		return map[string]any{"name": je.Name, "message": je.Message}
	}
	return map[string]any{"name": "Error", "message": err.Error()}
}
