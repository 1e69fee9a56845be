// Package websocket owns every WebSocket of the process on the Go side: the
// two ends of a WebSocketPair, the network connections behind them (an
// upgraded inbound request or an outgoing dial, over
// github.com/coder/websocket), the queues between them with their limits and
// back-pressure, and the data the hibernation API keeps for a socket while
// its Durable Object is out of memory (tags, attachment, auto-response
// timestamp), and the relay that joins an end on one node to an end on
// another (relay.go, over a transport the caller provides). The JS half is
// js/src/websocket.js; it reaches an end only through its id. This package
// knows nothing of Durable Objects or NATS: the actor package consumes an
// end with a Push function and carries the relay's messages.
package websocket

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults.
const (
	// DefaultMaxMessage is workerd's limit on a received message (32 MiB).
	DefaultMaxMessage = 32 << 20
	// DefaultInboxBytes is how many bytes may wait for a slow consumer
	// before the network reader stops reading (back-pressure).
	DefaultInboxBytes = 1 << 20
	// DefaultOutboxBytes is how many bytes may wait for a slow network
	// peer before the connection is dropped.
	DefaultOutboxBytes = 64 << 20
)

// Kind is the type of an Event.
type Kind uint8

// Kinds of Event.
const (
	Text Kind = iota + 1
	Binary
	Close // Code, Reason, Clean
	Error // Reason is the message
)

// Event is what one end sends to the other: a message, its close, or an
// error that ended the connection.
type Event struct {
	Kind   Kind
	Data   []byte
	Code   int
	Reason string
	Clean  bool
}

func (e Event) size() int { return len(e.Data) + len(e.Reason) + 32 }

func (e Event) final() bool { return e.Kind == Close || e.Kind == Error }

// Options sets the limits of a Hub. The zero value is valid.
type Options struct {
	// MaxMessage caps a received message; default DefaultMaxMessage. A
	// larger one closes the connection with 1009.
	MaxMessage int64
	// InboxBytes: default DefaultInboxBytes.
	InboxBytes int
	// OutboxBytes: default DefaultOutboxBytes.
	OutboxBytes int
}

// Hub is the table of live ends. It is goroutine-safe.
type Hub struct {
	opts atomic.Pointer[Options]

	mu   sync.Mutex // guards following
	next uint64
	eps  map[uint64]*Endpoint
}

// Default is the process-wide hub the runtimes' host functions use: an end
// created in one runtime may be used from another (a Durable Object's
// client end travels to the worker that returns it).
var Default = NewHub(Options{})

// NewHub returns an empty hub.
func NewHub(opts Options) *Hub {
	h := &Hub{eps: map[uint64]*Endpoint{}}
	h.Configure(opts)
	return h
}

// Configure replaces the hub's limits (zero fields take their defaults);
// connections opened later use them.
func (h *Hub) Configure(opts Options) {
	if opts.MaxMessage <= 0 {
		opts.MaxMessage = DefaultMaxMessage
	}
	if opts.InboxBytes <= 0 {
		opts.InboxBytes = DefaultInboxBytes
	}
	if opts.OutboxBytes <= 0 {
		opts.OutboxBytes = DefaultOutboxBytes
	}
	h.opts.Store(&opts)
}

// Options returns the hub's limits with defaults applied.
func (h *Hub) Options() Options { return *h.opts.Load() }

// Queued is the number of bytes waiting in every end's queue (for
// inspection and the back-pressure test).
func (h *Hub) Queued() int {
	h.mu.Lock()
	eps := make([]*Endpoint, 0, len(h.eps))
	for _, e := range h.eps {
		eps = append(eps, e)
	}
	h.mu.Unlock()
	n := 0
	for _, e := range eps {
		e.mu.Lock()
		n += e.queued
		e.mu.Unlock()
	}
	return n
}

// Pair returns two connected ends.
func (h *Hub) Pair() (a, b *Endpoint) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a = h.newLocked()
	b = h.newLocked()
	a.peer, b.peer = b, a
	return a, b
}

func (h *Hub) newLocked() *Endpoint {
	h.next++
	e := &Endpoint{hub: h, id: h.next, wake: make(chan struct{}, 1), space: make(chan struct{}, 1), gone: make(chan struct{})}
	h.eps[e.id] = e
	return e
}

// Get returns the live end with id, or nil.
func (h *Hub) Get(id uint64) *Endpoint {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.eps[id]
}

// Open is the number of ends not yet released (for leak tests and
// inspection).
func (h *Hub) Open() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.eps)
}

// Consumer says who takes the events delivered to an end.
type Consumer uint8

// Consumers.
const (
	None    Consumer = iota // not accepted yet: events wait
	Pull                    // JS pulls them with Recv (server.accept())
	Net                     // written to a network connection
	Push                    // handed one at a time to a function (hibernation)
	Deliver                 // like Push, without the automatic close reply (server.accept() through rt.Call)
)

// Errors.
var (
	// ErrClosed is returned by Send on an end that already sent its close.
	ErrClosed = errors.New("websocket: already closed")
	// ErrAccepted is returned by Accept on an end that has a consumer.
	ErrAccepted = errors.New("websocket: already accepted")
	// ErrGone is returned by Recv when the end was released.
	ErrGone = errors.New("websocket: released")
)

// Endpoint is one end of a pair. Events sent on it are delivered to its
// peer's consumer. It is goroutine-safe.
type Endpoint struct {
	hub  *Hub
	id   uint64
	peer *Endpoint

	wake  chan struct{} // cap 1: the queue grew
	space chan struct{} // cap 1: the queue shrank
	gone  chan struct{} // closed on release

	mu        sync.Mutex // guards following
	queue     []Event
	queued    int
	consumer  Consumer
	push      func(Event)
	pushing   bool
	sentClose bool // this end sent its close (or error)
	gotEnd    bool // a final event was queued to this end
	tookEnd   bool // its consumer took that final event
	released  bool
	onRelease []func()
	gone2     atomic.Bool // released, readable without mu (by the peer)
	closer    func()      // Net: drops the connection on release
	meta      Meta
}

// Meta is what the hibernation API keeps with a socket on the Go side.
type Meta struct {
	// Owner names the Durable Object that accepted the socket ("" if none).
	Owner string
	// Tags given to acceptWebSocket.
	Tags []string
	// Attachment is the serialized attachment, nil if none.
	Attachment []byte
	// AutoResponseAt is when an auto-response was last sent, zero if never.
	AutoResponseAt time.Time
	// URL, Protocol and Extensions of the connection, as JS sees them.
	URL, Protocol, Extensions string
}

// ID returns the end's id.
func (e *Endpoint) ID() uint64 { return e.id }

// Peer returns the other end.
func (e *Endpoint) Peer() *Endpoint { return e.peer }

// Hub returns the hub the end belongs to.
func (e *Endpoint) Hub() *Hub { return e.hub }

// Meta returns a copy of the end's metadata.
func (e *Endpoint) Meta() Meta {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.meta
	m.Tags = append([]string(nil), m.Tags...)
	return m
}

// UpdateMeta changes the end's metadata under its lock.
func (e *Endpoint) UpdateMeta(f func(*Meta)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f(&e.meta)
}

// Consumer returns who consumes the end.
func (e *Endpoint) Consumer() Consumer {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.consumer
}

// Closed reports whether the end sent its close.
func (e *Endpoint) Closed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sentClose
}

// Done is closed when the end is released.
func (e *Endpoint) Done() <-chan struct{} { return e.gone }

// Send delivers ev to the peer. A Close or Error event is the last one the
// end may send; later sends fail with ErrClosed. It never blocks.
func (e *Endpoint) Send(ev Event) error {
	if err := e.markSend(ev); err != nil {
		return err
	}
	e.peer.deliver(ev)
	e.maybeRelease()
	return nil
}

// SendWait is Send for a network reader: it first waits while the peer's
// queue is over the hub's InboxBytes, so a slow consumer slows the reader
// down instead of growing memory.
func (e *Endpoint) SendWait(ctx context.Context, ev Event) error {
	if err := e.waitPeerSpace(ctx); err != nil {
		return err
	}
	return e.Send(ev)
}

// peerFull reports whether the peer's queue is over the hub's InboxBytes
// (and the peer still takes events).
func (e *Endpoint) peerFull() bool {
	p := e.peer
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.queued > e.hub.opts.Load().InboxBytes && !p.released && !p.tookEnd
}

// waitPeerSpace waits until the peer's queue is not full (peerFull).
func (e *Endpoint) waitPeerSpace(ctx context.Context) error {
	p := e.peer
	for e.peerFull() {
		select {
		case <-p.space:
		case <-p.gone:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (e *Endpoint) markSend(ev Event) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sentClose || e.released {
		return ErrClosed
	}
	if ev.final() {
		e.sentClose = true
	}
	return nil
}

// deliver queues ev for the end's consumer and wakes it.
func (e *Endpoint) deliver(ev Event) {
	e.mu.Lock()
	if e.released || e.gotEnd {
		e.mu.Unlock()
		return
	}
	if ev.final() {
		e.gotEnd = true
	}
	e.queue = append(e.queue, ev)
	e.queued += ev.size()
	over := e.consumer == Net && e.queued > e.hub.opts.Load().OutboxBytes
	e.kickLocked()
	e.mu.Unlock()
	if over {
		// The network peer does not read: drop it rather than grow.
		e.Abort(1011, "websocket: send buffer full")
	}
}

// kickLocked wakes the consumer of a non-empty queue.
func (e *Endpoint) kickLocked() {
	if len(e.queue) == 0 {
		return
	}
	switch e.consumer {
	case Pull:
		select {
		case e.wake <- struct{}{}:
		default:
		}
	case Push, Net, Deliver:
		if !e.pushing && e.push != nil {
			e.pushing = true
			go e.pushLoop()
		}
	}
}

// Accept sets the end's consumer. push is required for Push and called on
// a goroutine of the package, one event at a time, in order; the next event
// is handed over when it returns.
func (e *Endpoint) Accept(c Consumer, push func(Event)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.consumer != None {
		return ErrAccepted
	}
	if e.released {
		return ErrClosed
	}
	e.consumer, e.push = c, push
	e.kickLocked()
	return nil
}

// OnRelease runs f (on some goroutine) once the end is released; at once
// if it already was.
func (e *Endpoint) OnRelease(f func()) {
	e.mu.Lock()
	if !e.released {
		e.onRelease = append(e.onRelease, f)
		e.mu.Unlock()
		return
	}
	e.mu.Unlock()
	f()
}

// SetPush replaces the push function of a Push end (hibernation hands a
// socket to another owner, e.g. on reload).
func (e *Endpoint) SetPush(push func(Event)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.push = push
}

func (e *Endpoint) pushLoop() {
	for {
		e.mu.Lock()
		if len(e.queue) == 0 || e.released {
			e.pushing = false
			e.mu.Unlock()
			e.maybeRelease()
			return
		}
		ev, push := e.takeLocked()
		auto := e.consumer == Push
		e.mu.Unlock()
		if push != nil {
			push(ev)
		}
		if auto {
			e.took(ev)
		}
	}
}

// takeLocked removes the first event.
func (e *Endpoint) takeLocked() (Event, func(Event)) {
	ev := e.queue[0]
	e.queue[0] = Event{}
	e.queue = e.queue[1:]
	e.queued -= ev.size()
	if ev.final() {
		e.tookEnd = true
	}
	select {
	case e.space <- struct{}{}:
	default:
	}
	return ev, e.push
}

// Recv waits for events delivered to a Pull end and returns those
// queued, up to about max bytes (at least one). It returns ErrGone once the
// end was released and nothing is left.
func (e *Endpoint) Recv(ctx context.Context, max int) ([]Event, error) {
	return e.recv(ctx, max, false)
}

// recv is Recv; auto answers a final event with a close (see took).
func (e *Endpoint) recv(ctx context.Context, max int, auto bool) ([]Event, error) {
	for {
		e.mu.Lock()
		if len(e.queue) > 0 {
			var out []Event
			n := 0
			for len(e.queue) > 0 && (len(out) == 0 || n+e.queue[0].size() <= max) {
				ev, _ := e.takeLocked()
				n += ev.size()
				out = append(out, ev)
			}
			e.mu.Unlock()
			if auto {
				for _, ev := range out {
					e.took(ev)
				}
			}
			e.maybeRelease()
			return out, nil
		}
		if e.released || e.tookEnd {
			e.mu.Unlock()
			return nil, ErrGone
		}
		e.mu.Unlock()
		select {
		case <-e.wake:
		case <-e.gone:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Abort ends both directions at once: the peer gets a Close with code
// (1006 for a vanished network peer) and reason, not clean, unless it
// already got its end; this end stops taking events.
func (e *Endpoint) Abort(code int, reason string) {
	e.mu.Lock()
	send := !e.sentClose && !e.released
	e.sentClose = true
	e.mu.Unlock()
	if send {
		e.peer.deliver(Event{Kind: Close, Code: code, Reason: reason})
	}
	e.release()
	e.maybeRelease()
}

// Fail ends the connection with an error the peer sees as an error event
// (a frame over the limit, invalid UTF-8...).
func (e *Endpoint) Fail(msg string) {
	e.mu.Lock()
	send := !e.sentClose && !e.released
	e.sentClose = true
	e.mu.Unlock()
	if send {
		e.peer.deliver(Event{Kind: Error, Reason: msg})
	}
	e.release()
	e.maybeRelease()
}

// Release drops the end now: queued events are discarded and waiters
// return. Its peer is released once it is done too.
func (e *Endpoint) Release() {
	e.release()
	e.maybeRelease()
}

func (e *Endpoint) release() {
	e.mu.Lock()
	if e.released {
		e.mu.Unlock()
		return
	}
	e.released = true
	e.gone2.Store(true)
	e.sentClose = true
	e.queue, e.queued = nil, 0
	close(e.gone)
	closer := e.closer
	fns := e.onRelease
	e.onRelease = nil
	e.mu.Unlock()
	if closer != nil {
		closer()
	}
	for _, f := range fns {
		f()
	}
	e.hub.mu.Lock()
	delete(e.hub.eps, e.id)
	e.hub.mu.Unlock()
}

// done reports whether the end has nothing left to do: its consumer took
// the final event and it sent its own close, or its peer is gone so
// nothing it sends can arrive.
func (e *Endpoint) done() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.released {
		return true
	}
	if len(e.queue) > 0 || e.pushing {
		return false
	}
	return e.tookEnd && (e.sentClose || e.peer.gone2.Load())
}

// maybeRelease releases each end of the pair that is done.
func (e *Endpoint) maybeRelease() {
	for _, x := range []*Endpoint{e, e.peer} {
		if x.done() {
			x.release()
		}
	}
}

// finish marks a network end whose close handshake completed: nothing
// more can be written to it, so it is released.
func (e *Endpoint) finish() {
	e.mu.Lock()
	e.tookEnd = true
	e.mu.Unlock()
	e.release()
	e.maybeRelease()
}

// took is called by the Push consumer (hibernation) after it handled ev:
// a final event the handler did not answer with close() is answered here
// with the same code, so a hibernatable socket always ends. (A JS end
// pulled with Recv answers only when its script calls close(), as in
// workerd; a network peer's close frame is echoed by the protocol.)
func (e *Endpoint) took(ev Event) {
	if !ev.final() {
		return
	}
	code, reason := ev.Code, ev.Reason
	if ev.Kind == Error || code == 0 || code == 1005 || code == 1006 || code == 1015 {
		code, reason = 1000, ""
	}
	_ = e.Send(Event{Kind: Close, Code: code, Reason: reason, Clean: true})
	e.maybeRelease()
}
