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
// to 64 KiB, in size classes, are carved from the front of 256 KiB chunks
// (aligned, so a block finds its chunk by masking its address) and reused
// through per-class free lists; a chunk whose blocks are all free goes
// back, so a long-lived runtime keeps what it uses, not every size's
// peak. Larger blocks are mapped on their own. Chunks come from the
// operating system (mmap), not from the C library, whose lock is what this
// avoids, through a process-wide spare list taken once per chunk. Closing
// the runtime releases all its memory at once (releaseHeap).
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
	if !heapSupported {
		return
	}
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
	// headerSize is the word before every block: its class and flags,
	// or its size if large.
	headerSize = 8
	largeBit   = 1
	freeBit    = 2
	classShift = 2
	// chunkSize is the unit a heap gets memory in: a chunk, aligned to
	// its size (a block finds its chunk by masking its address), starts
	// with a header and is carved from the front by blocks of any class.
	chunkSize    = 256 << 10
	maxClassSize = 64 << 10 // larger blocks are mapped on their own
	// mallocOverhead is what QuickJS's own accounting adds per block.
	mallocOverhead = 8
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

// rtHeap is one runtime's allocator state, in a page of its own (QuickJS
// keeps its address). It holds no Go pointers.
type rtHeap struct {
	cur    uintptr     // the chunk blocks are carved from
	chunks uintptr     // every chunk of the heap, linked
	large  uintptr     // the large blocks, linked (see largeHeader)
	free   [96]uintptr // freed blocks by class, doubly linked in their payload
}

// chunk is the header at the start of a chunk.
type chunk struct {
	next, prev uintptr // in the heap's list of chunks
	bump       uintptr // where the next new block goes
	live       uintptr // blocks allocated
}

// chunkFirst is where a chunk's first block starts.
var chunkFirst = (unsafe.Sizeof(chunk{}) + 15) &^ 15

// A large block is a mapping of its own that starts with its links in the
// heap's list of large blocks (next, prev), then a spare word and the
// block's header.
const largeHeader = 32

// liveHeaps counts heaps not yet released, largeBytes the bytes of large
// blocks and liveChunks the chunks not yet freed (tests check they come
// back).
var liveHeaps, largeBytes, liveChunks atomic.Int64

const heapPage = 4096

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

// at is the address p of C memory (never Go memory) as a pointer.
func at(p uintptr) unsafe.Pointer { return unsafe.Add(nil, p) }

func word(p uintptr) *uintptr { return (*uintptr)(at(p)) }

func chunkAt(p uintptr) *chunk { return (*chunk)(at(p)) }

// A free block's payload holds its links in its class's free list.
func freeNext(b uintptr) *uintptr { return word(b + headerSize) }
func freePrev(b uintptr) *uintptr { return word(b + 2*headerSize) }

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
		*word(b + largeHeader - headerSize) = size<<classShift | largeBit
		return b + largeHeader
	}
	c := uintptr(classOf[(total+15)/16])
	if b := h.free[c]; b != 0 {
		h.unlinkFree(c, b)
		*word(b) = c << classShift
		chunkAt(b&^(chunkSize-1)).live++
		return b + headerSize
	}
	bs := classSizes[c]
	if h.cur == 0 || chunkAt(h.cur).bump+bs > h.cur+chunkSize {
		old := h.cur
		cp := chunkAlloc()
		if cp == 0 {
			return 0
		}
		*chunkAt(cp) = chunk{next: h.chunks, bump: cp + chunkFirst}
		if h.chunks != 0 {
			chunkAt(h.chunks).prev = cp
		}
		h.chunks = cp
		h.cur = cp
		if old != 0 && chunkAt(old).live == 0 {
			h.releaseChunk(old)
		}
	}
	ch := chunkAt(h.cur)
	b := ch.bump
	ch.bump += bs
	ch.live++
	*word(b) = c << classShift
	return b + headerSize
}

func (h *rtHeap) unlinkFree(c, b uintptr) {
	next, prev := *freeNext(b), *freePrev(b)
	if prev != 0 {
		*freeNext(prev) = next
	} else {
		h.free[c] = next
	}
	if next != 0 {
		*freePrev(next) = prev
	}
}

// usable is the size the block at ptr can hold.
func usable(ptr uintptr) uintptr {
	w := *word(ptr - headerSize)
	if w&largeBit != 0 {
		return w >> classShift
	}
	return classSizes[w>>classShift] - headerSize
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
		size := w >> classShift
		osFree(b, size+largeHeader)
		largeBytes.Add(-int64(size))
		return
	}
	c := w >> classShift
	*word(b) = w | freeBit
	head := h.free[c]
	*freeNext(b), *freePrev(b) = head, 0
	if head != 0 {
		*freePrev(head) = b
	}
	h.free[c] = b
	cp := b &^ (chunkSize - 1)
	ch := chunkAt(cp)
	ch.live--
	if ch.live == 0 && cp != h.cur {
		h.releaseChunk(cp)
	}
}

// releaseChunk gives back a chunk whose blocks are all free: they leave
// their free lists, and the chunk the heap.
func (h *rtHeap) releaseChunk(cp uintptr) {
	ch := chunkAt(cp)
	for b := cp + chunkFirst; b < ch.bump; {
		c := *word(b) >> classShift
		h.unlinkFree(c, b)
		b += classSizes[c]
	}
	if ch.prev != 0 {
		chunkAt(ch.prev).next = ch.next
	} else {
		h.chunks = ch.next
	}
	if ch.next != 0 {
		chunkAt(ch.next).prev = ch.prev
	}
	chunkFree(cp)
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

// releaseHeap frees all a heap holds: its large blocks, its chunks and
// itself. Call it once the runtime that used it is gone; whatever the
// runtime still had allocated goes with it, so the runtime need not free
// its objects one by one (see Runtime.closeVM).
func releaseHeap(p uintptr) {
	if p == 0 {
		return
	}
	h := (*rtHeap)(at(p))
	for b := h.large; b != 0; {
		next, size := *word(b), *word(b + largeHeader - headerSize)>>classShift
		osFree(b, size+largeHeader)
		largeBytes.Add(-int64(size))
		b = next
	}
	for cp := h.chunks; cp != 0; {
		next := chunkAt(cp).next
		chunkFree(cp)
		cp = next
	}
	osFree(p, heapPage)
	liveHeaps.Add(-1)
}

// Freed chunks are kept for the next runtimes, up to maxSpare bytes: a
// fresh mapping costs a page fault per page on first touch, which for the
// megabyte a runtime starts with is a fifth of building it. A runtime
// carves its chunks densely from the front, so a chunk's next owner
// carries few pages it does not use.
const maxSpare = 32 << 20

var spare struct {
	mu   sync.Mutex // guards following; taken once per chunk, not per block
	free []uintptr
}

// chunkAlloc returns a chunk: chunkSize bytes aligned to chunkSize.
func chunkAlloc() uintptr {
	spare.mu.Lock()
	defer spare.mu.Unlock()
	if len(spare.free) == 0 && !mapChunks() {
		return 0
	}
	n := len(spare.free)
	cp := spare.free[n-1]
	spare.free = spare.free[:n-1]
	liveChunks.Add(1)
	return cp
}

// chunkBatch is how many chunks are mapped at once: unmapping the
// unaligned ends of a mapping costs the other CPUs a TLB shootdown, which
// a request running there feels.
const chunkBatch = 8

// mapChunks maps chunkBatch aligned chunks into spare.free. spare.mu is
// held.
func mapChunks() bool {
	n := uintptr(chunkBatch * chunkSize)
	p := osAlloc(n + chunkSize)
	if p == 0 {
		return false
	}
	start := (p + chunkSize - 1) &^ (chunkSize - 1)
	if start > p {
		osFree(p, start-p)
	}
	if end := p + n + chunkSize; end > start+n {
		osFree(start+n, end-start-n)
	}
	for i := uintptr(chunkBatch); i > 0; i-- {
		spare.free = append(spare.free, start+(i-1)*chunkSize)
	}
	return true
}

func chunkFree(cp uintptr) {
	liveChunks.Add(-1)
	spare.mu.Lock()
	if uintptr(len(spare.free)+1)*chunkSize <= maxSpare {
		spare.free = append(spare.free, cp)
		spare.mu.Unlock()
		return
	}
	spare.mu.Unlock()
	osFree(cp, chunkSize)
}
