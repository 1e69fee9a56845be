//go:build unix

package engine

import "syscall"

// heapSupported: runtimes get a heap of their own (alloc.go).
const heapSupported = true

// osAlloc maps n bytes of zeroed memory, 0 on failure. It takes no lock
// (syscall.Mmap would: it keeps a table of mappings).
func osAlloc(n uintptr) uintptr {
	p, _, errno := syscall.Syscall6(syscall.SYS_MMAP, 0, n,
		syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON, ^uintptr(0), 0)
	if errno != 0 {
		return 0
	}
	return p
}

// osFree unmaps what osAlloc mapped.
func osFree(p, n uintptr) {
	syscall.Syscall(syscall.SYS_MUNMAP, p, n, 0)
}
