//go:build !unix

package engine

// Without mmap there is no aligned chunk to carve, so runtimes keep the C
// library's allocator (heapSupported false): these are never called.
const heapSupported = false

func osAlloc(n uintptr) uintptr { panic("engine: no per-runtime heap on this system") }

func osFree(p, n uintptr) { panic("engine: no per-runtime heap on this system") }
