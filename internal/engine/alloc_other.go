//go:build !unix

package engine

import "modernc.org/libc"

var osTLS = libc.NewTLS()

// osAlloc falls back on the C library where mmap is not at hand.
func osAlloc(n uintptr) uintptr {
	p := libc.Xcalloc(osTLS, 1, libc.Tsize_t(n))
	return p
}

func osFree(p, _ uintptr) { libc.Xfree(osTLS, p) }
