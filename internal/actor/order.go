package actor

import (
	"context"
	"sync"
)

// Calls from one runtime to one object (stub.fetch, RPC) must reach the
// object in the order JS made them, though each is carried by a goroutine of
// its own. The first stage of a stub call, on the caller's loop, takes a
// ticket; the second stage waits for its ticket's turn, queues the event on
// the object's runtime, and then lets the next ticket go. Only the queueing
// is serialized: the calls still run concurrently in the object, as in
// workerd, interleaving at awaits.

type sequencer struct {
	mu      sync.Mutex // guards following
	cond    *sync.Cond
	next    uint64 // tickets issued
	serving uint64 // ticket allowed to queue now
}

// turn is one reserved place in a sequencer: wait blocks until it is its
// turn; done passes the turn on (exactly once).
type turn struct {
	l    *loop
	key  objKey
	s    *sequencer
	t    uint64
	once sync.Once
}

// reserve takes a ticket for a call to key; it runs on the caller's loop.
func (l *loop) reserve(key objKey) *turn {
	l.seqMu.Lock()
	s := l.seqs[key]
	if s == nil {
		s = &sequencer{}
		s.cond = sync.NewCond(&s.mu)
		l.seqs[key] = s
	}
	s.mu.Lock()
	t := s.next
	s.next++
	s.mu.Unlock()
	l.seqMu.Unlock()
	return &turn{l: l, key: key, s: s, t: t}
}

func (tn *turn) wait(ctx context.Context) {
	s := tn.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.serving != tn.t && ctx.Err() == nil {
		s.cond.Wait()
	}
}

func (tn *turn) done() {
	tn.once.Do(func() {
		l, s := tn.l, tn.s
		l.seqMu.Lock()
		s.mu.Lock()
		s.serving++
		idle := s.serving == s.next
		s.cond.Broadcast()
		s.mu.Unlock()
		if idle && l.seqs[tn.key] == s {
			delete(l.seqs, tn.key) // no call in flight: forget the sequencer
		}
		l.seqMu.Unlock()
	})
}

// EventPosted is Event for a staged stub call: it waits for tn's turn, and
// passes the turn on once the event is queued on the object's runtime (or
// forwarded, in cluster mode, where only the local order is kept).
func (m *Manager) EventPosted(ctx context.Context, tn *turn, ns, id, name, hook string, args ...any) (any, error) {
	tn.wait(ctx)
	defer tn.done()
	if m.cl != nil {
		tn.done()
		return m.clusterEvent(ctx, ns, id, name, hook, args)
	}
	o, done, err := m.route(objKey{ns, id}, name)
	if err != nil {
		return nil, err
	}
	defer done()
	all := append([]any{ns, o.class.ClassName, id, o.name}, args...)
	return o.ref.Runtime().CallPosted(ctx, tn.done, hook, all...)
}
