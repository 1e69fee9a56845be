// Package engine owns the JavaScript engine: it is the only package that
// imports modernc.org/quickjs. It provides Runtime (one JS VM plus the event
// loop goroutine that owns it), the Go<->JS bridge for host functions, timers,
// memory and CPU limits, and a bytecode cache. It knows nothing of HTTP,
// workers or Durable Objects; those live above it.
//
// # Host functions
//
// Go code exposes functionality to the runtime's own JS (js/src) through a
// HostSet. A sync HostFunc runs on the loop goroutine and returns at once; an
// AsyncFunc runs on its own goroutine and its result settles a JS promise on
// the loop later. From JS (only runtime JS; user code cannot reach it):
//
//	import { call, callAsync } from "./host.js";
//	const digest = await callAsync("crypto.digest", "SHA-256", bytes);
//	const id = call("timer.set", 1, 10);
//
// Values crossing the bridge (both directions):
//
//	JS undefined, null   -> Go nil           Go nil -> JS undefined
//	boolean              -> bool
//	number               -> float64          Go ints and floats -> number
//	string               -> string
//	ArrayBuffer, typed array, DataView -> []byte (a copy)
//	                                         Go []byte -> Uint8Array (a copy)
//	Array                -> []any
//	plain object         -> map[string]any   Go maps and structs -> object (JSON)
//
// An error returned by a host function is thrown in JS. A *JSError picks the
// JS class: Name "TypeError", "RangeError", ... gives that Error subclass; any
// other name gives a DOMException with that name (e.g. "NotSupportedError").
package engine
