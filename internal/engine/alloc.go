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
// to 16 KiB come from size classes, each carved out of slabs of its own
// (64 KiB, aligned, so a block finds its slab by masking its address); a
// slab whose blocks are all free goes back, so a long-lived runtime keeps
// what it uses, not every size's peak. Larger blocks are mapped on their
// own. Slabs come from the operating system (mmap), not from the C
// library, whose lock is what this avoids, through a process-wide spare
// list taken once per slab. Closing the runtime releases all its memory
// at once (releaseHeap).
// Accounting (malloc_count, malloc_size) and the memory limit behave as
// with the default functions.
//
// The table is an unexported variable of modernc.org/libquickjs, reached
// by linkname; TestHeapInstalled fails if an upgrade of that module
// changes it.

import (
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
	headerSize = 8 // before every block: its class, or its size if large
	// slabSize is the unit a heap gets memory in: a slab, aligned to its
	// size, holds blocks of one class and starts with its header.
	slabSize     = 64 << 10
	maxClassSize = 16 << 10 // larger blocks are mapped on their own
	// mallocOverhead is what QuickJS's own accounting adds per block.
	mallocOverhead = 8
	largeBit       = 1
)

// classSizes are the block sizes (header included), 16-byte multiples:
// 32-byte steps to 1 KiB, then eight steps per doubling to 16 KiB, plus
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
	if len(classSizes) > len(rtHeap{}.partial) {
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

// rtHeap is one runtime's allocator state, in a page of its own (QuickJS
// keeps its address). It holds no Go pointers.
type rtHeap struct {
	slabs   uintptr     // every slab of the heap, linked through allNext
	large   uintptr     // the large blocks, linked (see largeHeader)
	partial [72]uintptr // by class: the slabs with room, linked through next
}

// slab is the header at the start of a slab.
type slab struct {
	next, prev       uintptr // in the heap's partial list of the class
	allNext, allPrev uintptr // in the heap's list of slabs
	free             uintptr // freed blocks, linked through their first word
	bump             uintptr // the next never-used block
	live             uintptr // blocks allocated
	class            uintptr
	inPartial        bool
}

// slabFirst is where a slab's first block starts.
var slabFirst = (unsafe.Sizeof(slab{}) + 15) &^ 15

// A large block is a mapping of its own that starts with its links in the
// heap's list of large blocks (next, prev), then a spare word and the
// block's header.
const largeHeader = 32

// liveHeaps counts heaps not yet released, largeBytes the bytes of large
// blocks and liveSlabs the slabs not yet freed (tests check they come back).
var liveHeaps, largeBytes, liveSlabs atomic.Int64

func heapOf(s uintptr) *rtHeap {
	ms := (*lib.TJSMallocState)(at(s))
	if ms.Fopaque == 0 {
		// The runtime's first allocation (JS_NewRuntime2 copies this
		// state into the runtime afterwards).
		p := osAlloc(heapPage)
		if p == 0 {
			return nil
		}
		ms.Fopaque = p
		liveHeaps.Add(1)
	}
	return (*rtHeap)(at(ms.Fopaque))
}

const heapPage = 4096

// at is the address p of C memory (never Go memory) as a pointer.
func at(p uintptr) unsafe.Pointer { return unsafe.Add(nil, p) }

func word(p uintptr) *uintptr { return (*uintptr)(at(p)) }

func slabAt(p uintptr) *slab { return (*slab)(at(p)) }

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
	c := uintptr(classOf[(total+15)/16])
	bs := classSizes[c]
	sp := h.partial[c]
	if sp == 0 {
		sp = slabAlloc()
		if sp == 0 {
			return 0
		}
		sl := slabAt(sp)
		*sl = slab{bump: sp + slabFirst, class: c, allNext: h.slabs}
		if h.slabs != 0 {
			slabAt(h.slabs).allPrev = sp
		}
		h.slabs = sp
		h.pushPartial(sp)
	}
	sl := slabAt(sp)
	var b uintptr
	if sl.free != 0 {
		b = sl.free
		sl.free = *word(b)
	} else {
		b = sl.bump
		sl.bump += bs
	}
	sl.live++
	if sl.free == 0 && sl.bump+bs > sp+slabSize {
		h.unlinkPartial(sp) // full
	}
	*word(b) = c << 1
	return b + headerSize
}

func (h *rtHeap) pushPartial(sp uintptr) {
	sl := slabAt(sp)
	head := h.partial[sl.class]
	sl.next, sl.prev, sl.inPartial = head, 0, true
	if head != 0 {
		slabAt(head).prev = sp
	}
	h.partial[sl.class] = sp
}

func (h *rtHeap) unlinkPartial(sp uintptr) {
	sl := slabAt(sp)
	if sl.prev != 0 {
		slabAt(sl.prev).next = sl.next
	} else {
		h.partial[sl.class] = sl.next
	}
	if sl.next != 0 {
		slabAt(sl.next).prev = sl.prev
	}
	sl.next, sl.prev, sl.inPartial = 0, 0, false
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
	sp := b &^ (slabSize - 1)
	sl := slabAt(sp)
	*word(b) = sl.free
	sl.free = b
	sl.live--
	if !sl.inPartial {
		h.pushPartial(sp)
	}
	// An empty slab goes back, unless it is the class's only one with
	// room: a block allocated and freed over and over would otherwise
	// take and return a slab each time.
	if sl.live == 0 && (sl.prev != 0 || sl.next != 0) {
		h.unlinkPartial(sp)
		if sl.allPrev != 0 {
			slabAt(sl.allPrev).allNext = sl.allNext
		} else {
			h.slabs = sl.allNext
		}
		if sl.allNext != 0 {
			slabAt(sl.allNext).allPrev = sl.allPrev
		}
		slabFree(sp)
	}
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

// releaseHeap frees all a heap holds: its large blocks, its slabs and
// itself. Call it once the runtime that used it is gone; whatever the
// runtime still had allocated goes with it, so the runtime need not free
// its objects one by one (see Runtime.closeVM).
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
	for sp := h.slabs; sp != 0; {
		next := slabAt(sp).allNext
		slabFree(sp)
		sp = next
	}
	osFree(p, heapPage)
	liveHeaps.Add(-1)
}

// Freed slabs are kept for the next runtimes, up to maxSpare bytes: a
// fresh mapping costs a page fault per page on first touch, which for the
// megabyte a runtime starts with is a fifth of building it.
const maxSpare = 32 << 20

var spare struct {
	mu   sync.Mutex // guards following; taken once per slab, not per block
	free []uintptr
}

// slabAlloc returns a slab: slabSize bytes aligned to slabSize.
func slabAlloc() uintptr {
	spare.mu.Lock()
	defer spare.mu.Unlock()
	if len(spare.free) == 0 && !mapSlabs() {
		return 0
	}
	n := len(spare.free)
	sp := spare.free[n-1]
	spare.free = spare.free[:n-1]
	liveSlabs.Add(1)
	return sp
}

// slabBatch is how many slabs are mapped at once: unmapping the unaligned
// ends of each slab's mapping (and every fresh mapping) costs the other
// CPUs a TLB shootdown, which a request running there felt.
const slabBatch = 32

// mapSlabs maps slabBatch aligned slabs into spare.free. spare.mu is held.
func mapSlabs() bool {
	n := uintptr(slabBatch * slabSize)
	p := osAlloc(n + slabSize)
	if p == 0 {
		return false
	}
	start := (p + slabSize - 1) &^ (slabSize - 1)
	if start > p {
		osFree(p, start-p)
	}
	if end := p + n + slabSize; end > start+n {
		osFree(start+n, end-start-n)
	}
	for i := uintptr(slabBatch); i > 0; i-- {
		spare.free = append(spare.free, start+(i-1)*slabSize)
	}
	return true
}

func slabFree(sp uintptr) {
	liveSlabs.Add(-1)
	spare.mu.Lock()
	if uintptr(len(spare.free)+1)*slabSize <= maxSpare {
		spare.free = append(spare.free, sp)
		spare.mu.Unlock()
		return
	}
	spare.mu.Unlock()
	osFree(sp, slabSize)
}
