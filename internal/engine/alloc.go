package engine

// alloc.go gives every QuickJS runtime a heap of its own.
//
// QuickJS carves objects of up to 512 bytes from 4 KiB arenas it manages
// itself, and asks its malloc functions for those arenas and for every
// larger block. By default those functions are the C library's, which in
// the Go port (modernc.org/libc) is one allocator behind one process-wide
// mutex. Runtimes on different goroutines then queue on that mutex: a
// runtime being built in the background (the dynamic workers' warm pool,
// ~3 ms of allocations) held up a request's runtime for the whole build,
// and every isolate of the process contended with every other.
//
// So the engine replaces QuickJS's default malloc functions (the table
// JS_NewRuntime passes to JS_NewRuntime2) with its own: each runtime gets a
// heap, created on the runtime's first allocation and found through the
// opaque word of its malloc state, so allocating takes no lock. Blocks up
// to 64 KiB come from size classes carved out of chunks the heap owns and
// are reused through per-class free lists; larger blocks are mapped on
// their own. Chunks come from the operating system (mmap), not from the C
// library, whose lock is what this avoids. Closing the runtime unmaps its
// chunks at once (releaseHeap).
// Accounting (malloc_count, malloc_size) and the memory limit behave as
// with the default functions.
//
// The table is an unexported variable of modernc.org/libquickjs, reached
// by linkname; TestHeapInstalled fails if an upgrade of that module
// changes it.

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/libquickjs"
)

//go:linkname defMallocFuncs modernc.org/libquickjs._def_malloc_funcs
var defMallocFuncs lib.TJSMallocFunctions

// libcMallocFuncs are the functions the table held (kept for the
// benchmark that compares the two).
var libcMallocFuncs lib.TJSMallocFunctions

func init() {
	libcMallocFuncs = defMallocFuncs
	defMallocFuncs.Fjs_malloc = funcPtr(heapMalloc)
	defMallocFuncs.Fjs_free = funcPtr(heapFree)
	defMallocFuncs.Fjs_realloc = funcPtr(heapRealloc)
	defMallocFuncs.Fjs_malloc_usable_size = funcPtr(heapUsableSize)
}

// funcPtr is a Go function as the C port's function pointer (what
// modernc's generated __ccgo_fp does).
func funcPtr(f any) uintptr {
	type iface [2]uintptr
	return (*iface)(unsafe.Pointer(&f))[1]
}

const (
	headerSize   = 8 // before every block: its class, or its size if large
	maxClassSize = 64 << 10
	firstChunk   = 64 << 10
	maxChunk     = 512 << 10
	// mallocOverhead is what QuickJS's own accounting adds per block.
	mallocOverhead = 8
	largeBit       = 1
)

// classSizes are the block sizes (header included), 16-byte multiples:
// 32-byte steps to 1 KiB, then eight steps per doubling to 64 KiB, plus
// exactly one QuickJS arena (4 KiB + header).
var (
	classSizes []uintptr
	classOf    [maxClassSize/16 + 1]uint8 // (total+15)/16 -> class
)

func init() {
	for s := uintptr(32); s <= 1024; s += 32 {
		classSizes = append(classSizes, s)
	}
	for base := uintptr(1024); base < maxClassSize; base *= 2 {
		for i := uintptr(1); i <= 8; i++ {
			s := base + base*i/8
			if base == 4096 && i == 1 {
				classSizes = append(classSizes, 4096+16)
			}
			classSizes = append(classSizes, s)
		}
	}
	if len(classSizes) > len(rtHeap{}.free) {
		panic("engine: too many size classes")
	}
	c := 0
	for i := range classOf {
		for classSizes[c] < uintptr(i)*16 {
			c++
		}
		classOf[i] = uint8(c)
	}
}

// rtHeap is one runtime's allocator state. It lives at the start of the
// heap's first chunk (QuickJS keeps its address) and holds no Go pointers.
type rtHeap struct {
	cur, end  uintptr // the unused part of the newest chunk
	chunks    uintptr // the chunks, linked through their first word
	nextChunk uintptr
	large     uintptr     // the large blocks, in a list (see largeHeader)
	free      [96]uintptr // free blocks by class, linked through their first word
}

// A large block is a mapping of its own that starts with its links in the
// heap's list of large blocks (next, prev), then a spare word and the
// block's header.
const largeHeader = 32

// A chunk starts with its link and its size.
const chunkHeader = 16

// liveHeaps counts heaps not yet released, largeBytes the bytes of large
// blocks not yet freed (tests check both come back).
var liveHeaps, largeBytes atomic.Int64

func heapOf(s uintptr) *rtHeap {
	ms := (*lib.TJSMallocState)(at(s))
	if ms.Fopaque == 0 {
		// The runtime's first allocation (JS_NewRuntime2 copies this
		// state into the runtime afterwards).
		c := chunkAlloc(firstChunk)
		if c == 0 {
			return nil
		}
		*word(c), *word(c + 8) = 0, firstChunk
		h := (*rtHeap)(at(c + chunkHeader))
		*h = rtHeap{chunks: c, nextChunk: firstChunk * 2}
		h.cur = (c + chunkHeader + unsafe.Sizeof(rtHeap{}) + 15) &^ 15
		h.end = c + firstChunk
		ms.Fopaque = c + chunkHeader
		liveHeaps.Add(1)
	}
	return (*rtHeap)(at(ms.Fopaque))
}

// at is the address p of C memory (never Go memory) as a pointer.
func at(p uintptr) unsafe.Pointer { return unsafe.Add(nil, p) }

func word(p uintptr) *uintptr { return (*uintptr)(at(p)) }

// alloc returns a block of at least size bytes, 0 if out of memory.
func (h *rtHeap) alloc(size uintptr) uintptr {
	total := size + headerSize
	if total > maxClassSize {
		b := osAlloc(size + largeHeader)
		if b == 0 {
			return 0
		}
		*word(b), *word(b + 8) = h.large, 0
		if h.large != 0 {
			*word(h.large + 8) = b
		}
		h.large = b
		largeBytes.Add(int64(size))
		*word(b + largeHeader - headerSize) = size<<1 | largeBit
		return b + largeHeader
	}
	c := classOf[(total+15)/16]
	if b := h.free[c]; b != 0 {
		h.free[c] = *word(b)
		*word(b) = uintptr(c) << 1
		return b + headerSize
	}
	bs := classSizes[c]
	if h.end-h.cur < bs {
		n := h.nextChunk
		p := chunkAlloc(n)
		if p == 0 {
			return 0
		}
		*word(p), *word(p + 8) = h.chunks, n
		h.chunks = p
		h.cur, h.end = p+chunkHeader, p+n
		if n < maxChunk {
			h.nextChunk = n * 2
		}
	}
	b := h.cur
	h.cur += bs
	*word(b) = uintptr(c) << 1
	return b + headerSize
}

// usable is the size the block at ptr can hold.
func usable(ptr uintptr) uintptr {
	w := *word(ptr - headerSize)
	if w&largeBit != 0 {
		return w >> 1
	}
	return classSizes[w>>1] - headerSize
}

func (h *rtHeap) release(ptr uintptr) {
	b := ptr - headerSize
	w := *word(b)
	if w&largeBit != 0 {
		b = ptr - largeHeader
		next, prev := *word(b), *word(b + 8)
		if prev != 0 {
			*word(prev) = next
		} else {
			h.large = next
		}
		if next != 0 {
			*word(next + 8) = prev
		}
		osFree(b, (w>>1)+largeHeader)
		largeBytes.Add(-int64(w >> 1))
		return
	}
	c := w >> 1
	*word(b) = h.free[c]
	h.free[c] = b
}

func heapMalloc(tls *libc.TLS, s uintptr, size libc.Tsize_t) uintptr {
	ms := (*lib.TJSMallocState)(at(s))
	if ms.Fmalloc_size+size > ms.Fmalloc_limit {
		return 0
	}
	h := heapOf(s)
	if h == nil {
		return 0
	}
	p := h.alloc(max(uintptr(size), 1))
	if p == 0 {
		return 0
	}
	ms.Fmalloc_count++
	ms.Fmalloc_size += libc.Tsize_t(usable(p) + mallocOverhead)
	return p
}

func heapFree(tls *libc.TLS, s uintptr, ptr uintptr) {
	if ptr == 0 {
		return
	}
	ms := (*lib.TJSMallocState)(at(s))
	ms.Fmalloc_count--
	ms.Fmalloc_size -= libc.Tsize_t(usable(ptr) + mallocOverhead)
	heapOf(s).release(ptr)
}

func heapRealloc(tls *libc.TLS, s uintptr, ptr uintptr, size libc.Tsize_t) uintptr {
	if ptr == 0 {
		if size == 0 {
			return 0
		}
		return heapMalloc(tls, s, size)
	}
	if size == 0 {
		heapFree(tls, s, ptr)
		return 0
	}
	ms := (*lib.TJSMallocState)(at(s))
	old := usable(ptr)
	if uintptr(size) <= old {
		return ptr // shrinking in place keeps the accounting exact
	}
	if ms.Fmalloc_size+size-libc.Tsize_t(old) > ms.Fmalloc_limit {
		return 0
	}
	h := heapOf(s)
	p := h.alloc(uintptr(size))
	if p == 0 {
		return 0
	}
	libc.Xmemcpy(tls, p, ptr, libc.Tsize_t(old))
	ms.Fmalloc_size += libc.Tsize_t(usable(p)) - libc.Tsize_t(old)
	h.release(ptr)
	return p
}

func heapUsableSize(tls *libc.TLS, ptr uintptr) libc.Tsize_t {
	if ptr == 0 {
		return 0
	}
	return libc.Tsize_t(usable(ptr))
}

// runtimeHeap returns the heap of the QuickJS runtime crt (0 if it has
// none: it was created before this file's init, or allocated nothing).
func runtimeHeap(crt uintptr) uintptr {
	return uintptr((*lib.TJSRuntime)(at(crt)).Fmalloc_ctx.Fmalloc_state.Fopaque)
}

// releaseHeap frees all a heap holds: its large blocks and its chunks,
// which hold the heap itself. Call it once the runtime that used it is
// gone; whatever the runtime still had allocated goes with it, so the
// runtime need not free its objects one by one (see Runtime.closeVM).
func releaseHeap(p uintptr) {
	if p == 0 {
		return
	}
	h := (*rtHeap)(at(p))
	for b := h.large; b != 0; {
		next, size := *word(b), *word(b + largeHeader - headerSize)>>1
		osFree(b, size+largeHeader)
		largeBytes.Add(-int64(size))
		b = next
	}
	for c := h.chunks; c != 0; {
		next, n := *word(c), *word(c + 8)
		chunkFree(c, n)
		c = next
	}
	liveHeaps.Add(-1)
}

// Freed chunks are kept for the next runtimes, up to maxSpare bytes: a
// fresh mapping costs a page fault per page on first touch, which for the
// megabyte a runtime starts with is a fifth of building it.
const maxSpare = 32 << 20

var spare struct {
	mu    sync.Mutex // guards following; taken once per chunk, not per block
	bytes uintptr
	free  [4][]uintptr // by size: 64, 128, 256, 512 KiB
}

func spareIndex(n uintptr) int { return bits.Len(uint(n/firstChunk)) - 1 }

func chunkAlloc(n uintptr) uintptr {
	i := spareIndex(n)
	spare.mu.Lock()
	if l := spare.free[i]; len(l) > 0 {
		c := l[len(l)-1]
		spare.free[i] = l[:len(l)-1]
		spare.bytes -= n
		spare.mu.Unlock()
		return c
	}
	spare.mu.Unlock()
	return osAlloc(n)
}

func chunkFree(c, n uintptr) {
	spare.mu.Lock()
	if spare.bytes+n <= maxSpare {
		i := spareIndex(n)
		spare.free[i] = append(spare.free[i], c)
		spare.bytes += n
		spare.mu.Unlock()
		return
	}
	spare.mu.Unlock()
	osFree(c, n)
}
