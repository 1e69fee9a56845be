package engine

import (
	"container/heap"
	"time"
)

// Timers live in one heap per runtime, ordered by due time and then by
// creation, so two timers due at the same moment fire in the order they were
// set (setTimeout(f) after setTimeout(g, 0) runs g first), as in workerd.
// One Go timer wakes the loop for the earliest. Everything here is owned by
// the loop goroutine.

type timerEntry struct {
	id   int64
	when time.Time
	seq  uint64
	b    *budget
	idx  int
	dead bool
}

type timerHeap []*timerEntry

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int)     { h[i], h[j] = h[j], h[i]; h[i].idx = i; h[j].idx = j }
func (h *timerHeap) Push(x any)       { e := x.(*timerEntry); e.idx = len(*h); *h = append(*h, e) }
func (h *timerHeap) Pop() any         { old := *h; e := old[len(old)-1]; *h = old[:len(old)-1]; return e }
func (h timerHeap) peek() *timerEntry { return h[0] }

// setTimer arms (or re-arms) timer id to fire after d.
func (rt *Runtime) setTimer(id int64, d time.Duration) {
	if old := rt.timers[id]; old != nil {
		rt.removeTimer(old)
	}
	rt.timerSeq++
	e := &timerEntry{id: id, when: time.Now().Add(d), seq: rt.timerSeq, b: rt.cur}
	rt.timers[id] = e
	heap.Push(&rt.timerQ, e)
	rt.armWake()
}

func (rt *Runtime) clearTimer(id int64) {
	if e := rt.timers[id]; e != nil {
		rt.removeTimer(e)
		rt.armWake()
	}
}

func (rt *Runtime) removeTimer(e *timerEntry) {
	delete(rt.timers, e.id)
	if e.idx >= 0 && e.idx < len(rt.timerQ) && rt.timerQ[e.idx] == e {
		heap.Remove(&rt.timerQ, e.idx)
	}
}

// armWake points the Go timer at the earliest entry.
func (rt *Runtime) armWake() {
	if len(rt.timerQ) == 0 {
		if rt.wakeTimer != nil {
			rt.wakeTimer.Stop()
		}
		return
	}
	when := rt.timerQ.peek().when
	if rt.wakeTimer != nil && rt.wakeAt.Equal(when) {
		return
	}
	rt.wakeAt = when
	d := time.Until(when)
	if rt.wakeTimer == nil {
		rt.wakeTimer = time.AfterFunc(d, func() { rt.post(task{fn: rt.fireDue}) })
	} else {
		rt.wakeTimer.Reset(d)
	}
}

// fireDue queues one task per due timer, in order, each charged to the
// budget of the call that set it.
func (rt *Runtime) fireDue() {
	now := time.Now()
	for len(rt.timerQ) > 0 && !rt.timerQ.peek().when.After(now) {
		e := heap.Pop(&rt.timerQ).(*timerEntry)
		e.idx = -1
		rt.post(task{b: e.b, fn: func() {
			if rt.timers[e.id] != e {
				return // cleared or re-armed since
			}
			delete(rt.timers, e.id)
			rt.callHook("timer", int(e.id))
		}})
	}
	rt.wakeAt = time.Time{}
	rt.armWake()
}

func (rt *Runtime) stopTimers() {
	if rt.wakeTimer != nil {
		rt.wakeTimer.Stop()
	}
}
