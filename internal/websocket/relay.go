package websocket

// Relayed sockets: a WebSocket whose client reached one node while the
// object that accepted it runs on another (internal/actor, cluster mode).
//
// The two halves of such a socket are two ordinary pairs, one per node,
// joined by a link:
//
//	client node                                owner node
//	network <-> a1 ~ a2  <== link (NATS) ==>  c ~ s  <-> the object
//
// On the owner, c is the end the object returned in its 101 (the one that
// would be bound to a network connection on one node) and s the end it
// accepted (acceptWebSocket or accept()); on the client's node, a1 is bound
// to the network connection and a2 stands for c. The linked ends, a2 and c,
// are consumed like network ends (Net): every event delivered to one of
// them is sent to the other node, in order, and sent there on the other
// linked end, so the ends each side's code sees behave as on one node
// (tags, attachments and hibernation stay with s on the owner).
//
// A link is exported by the owner (Export: the id goes back in the reply to
// the forwarded fetch) and imported by the client's node (Import attaches
// to it, then returns a1). Every event message carries a sequence number,
// so a message sent again after a lost reply is applied once; a message
// longer than Chunk goes in several, reassembled up to the hub's
// MaxMessage. Back-pressure: the receiver answers a message only once the
// queue it fed is under the hub's InboxBytes (or after busyWait, with
// "busy": the sender asks again), and a sender has one message in flight
// per link, so a slow reader slows the sender's queue, which drops the
// connection past OutboxBytes as for a slow network peer. Nothing here runs
// on a runtime's loop: sends happen on the ends' push goroutines.
//
// Failures: every Ping each node asks every peer it has links with which
// of them the peer still knows. A peer that has answered nothing (ping or
// event) for DeadAfter is gone: on the client's node its sockets are closed
// with 1012 and a reason naming the node; on the owner, the object sees
// them close with 1006 as if the client had vanished. A link the peer no
// longer knows is closed the same way.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// CodeRelayLost is the close code a client gets when the node running its
// socket's object is gone (1012, "service restart": reconnect).
const CodeRelayLost = 1012

// Relay timing.
const (
	relayRequestTimeout = 10 * time.Second
	relayRetryWait      = 100 * time.Millisecond
	relayBusyWait       = 5 * time.Second
	relayCloseTimeout   = 2 * time.Second
)

// RelayOptions configures a Relay. Send is required; the other fields
// default as documented.
type RelayOptions struct {
	// Send delivers msg to the relay of node (its Handle) and returns the
	// reply. Required.
	Send func(ctx context.Context, node string, msg []byte) ([]byte, error)
	// Chunk caps the message data per Send; default 256 KiB.
	Chunk int
	// Ping is how often the peers are asked about their links; default 1 s.
	Ping time.Duration
	// DeadAfter: a peer that answered nothing for this long is gone, its
	// links are closed; default 5 s.
	DeadAfter time.Duration
	// AttachTimeout closes an exported end no peer attached to; default
	// 30 s.
	AttachTimeout time.Duration
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Relay is this node's side of the links between its ends and ends on
// other nodes. It is goroutine-safe.
type Relay struct {
	hub  *Hub
	opts RelayOptions
	log  *slog.Logger
	ctx  context.Context
	stop context.CancelFunc

	mu      sync.Mutex // guards following
	links   map[uint64]*link
	peers   map[string]*relayPeer
	closing int // last closes (released) in flight
	closed  bool
}

// relayPeer is the liveness of one peer node; guarded by Relay.mu.
type relayPeer struct {
	lastOK  time.Time
	links   int
	pinging bool
}

// link is one relayed socket's end on this node.
type link struct {
	r        *Relay
	id       uint64 // this node's id of the link (random)
	peer     string
	end      *Endpoint // a2 (imported) or c (exported)
	exported bool
	tag      string
	ctx      context.Context // ends with the link: cancels its sends
	cancel   context.CancelFunc

	in      sync.Mutex // guards inbound state; never held while taking mu
	inSeq   uint64     // last applied message
	partial []byte     // chunks of a message so far
	tooBig  bool       // a message over the limit came: nothing more is applied

	mu        sync.Mutex // guards following
	remote    uint64     // the peer's id of the link; 0 until attached
	outSeq    uint64
	sentFinal bool // a Close or Error went to the peer (or need not)
	lastCode  int  // what the peer is told if the end goes first
	lastWhy   string
	timer     *time.Timer // attach timeout (exported)
}

// NewRelay returns a relay for the hub's ends. The caller routes the
// messages other nodes send to it into Handle and calls Close when done.
func (h *Hub) NewRelay(opts RelayOptions) *Relay {
	if opts.Chunk <= 0 {
		opts.Chunk = 256 << 10
	}
	if opts.Ping <= 0 {
		opts.Ping = time.Second
	}
	if opts.DeadAfter <= 0 {
		opts.DeadAfter = 5 * time.Second
	}
	if opts.AttachTimeout <= 0 {
		opts.AttachTimeout = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	r := &Relay{hub: h, opts: opts, log: opts.Logger, links: map[uint64]*link{}, peers: map[string]*relayPeer{}}
	r.ctx, r.stop = context.WithCancel(context.Background())
	go r.heartbeat()
	return r
}

// ErrRelayClosed is returned by Export and Import after Close.
var ErrRelayClosed = errors.New("websocket: relay closed")

// newLink registers a link of end e with peer; remote is the peer's id
// of it (0 for an export, until attached).
func (r *Relay) newLink(e *Endpoint, peer string, remote uint64, tag string) (*link, error) {
	l := &link{r: r, peer: peer, end: e, exported: remote == 0, tag: tag, remote: remote, lastCode: 1006, lastWhy: DisconnectReason}
	l.ctx, l.cancel = context.WithCancel(r.ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrRelayClosed
	}
	for l.id == 0 || r.links[l.id] != nil {
		l.id = rand.Uint64()
	}
	r.links[l.id] = l
	p := r.peers[peer]
	if p == nil {
		p = &relayPeer{lastOK: time.Now()}
		r.peers[peer] = p
	}
	p.links++
	return l, nil
}

func (r *Relay) remove(l *link) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.links[l.id] != l {
		return
	}
	delete(r.links, l.id)
	if p := r.peers[l.peer]; p != nil {
		if p.links--; p.links <= 0 {
			delete(r.peers, l.peer)
		}
	}
}

func (r *Relay) get(id uint64, from string) *link {
	r.mu.Lock()
	defer r.mu.Unlock()
	if l := r.links[id]; l != nil && l.peer == from {
		return l
	}
	return nil
}

// heard notes that peer answered.
func (r *Relay) heard(peer string) {
	r.mu.Lock()
	if p := r.peers[peer]; p != nil {
		p.lastOK = time.Now()
	}
	r.mu.Unlock()
}

// Links is the number of live links (for inspection and tests).
func (r *Relay) Links() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.links)
}

// Export offers e, an end no one consumes yet, to node peer, and returns
// the id peer attaches to with Import. tag groups links for AbortTag. An
// end nobody attaches to within AttachTimeout is aborted.
func (r *Relay) Export(e *Endpoint, peer, tag string) (uint64, error) {
	if e.Consumer() != None {
		return 0, fmt.Errorf("websocket[%d]: export: %w", e.id, ErrAccepted)
	}
	l, err := r.newLink(e, peer, 0, tag)
	if err != nil {
		return 0, err
	}
	e.OnRelease(l.released)
	l.mu.Lock()
	l.timer = time.AfterFunc(r.opts.AttachTimeout, func() {
		l.mu.Lock()
		attached := l.remote != 0
		l.mu.Unlock()
		if !attached {
			r.log.Warn("websocket relay: no node attached to an exported socket; closing it", "node", peer)
			e.Abort(1006, DisconnectReason)
		}
	})
	l.mu.Unlock()
	return l.id, nil
}

// Import attaches to link id exported by node peer and returns a new end
// standing for the peer's end: events sent on it reach the peer's, and
// those sent there come out of it.
func (r *Relay) Import(ctx context.Context, peer string, id uint64) (*Endpoint, error) {
	if id == 0 {
		return nil, fmt.Errorf("websocket: attach to a socket of node %s: no link id", peer)
	}
	a1, a2 := r.hub.Pair()
	l, err := r.newLink(a2, peer, id, "")
	if err != nil {
		a1.Release()
		a2.Release()
		return nil, err
	}
	a2.OnRelease(l.released)
	ctx, cancel := context.WithTimeout(ctx, relayRequestTimeout)
	defer cancel()
	resp, err := r.opts.Send(ctx, peer, appendAttach(nil, id, l.id))
	if err == nil && (len(resp) == 0 || resp[0] != relayOK) {
		err = errors.New("the node does not know the socket")
	}
	if err != nil {
		l.mu.Lock()
		l.sentFinal = true // nothing to tell the peer
		l.mu.Unlock()
		a1.Release()
		a2.Release()
		return nil, fmt.Errorf("websocket: attach to a socket of node %s: %w", peer, err)
	}
	r.heard(peer)
	if err := a2.Accept(Net, l.push); err != nil {
		a1.Release()
		a2.Release()
		return nil, err
	}
	return a1, nil
}

// AbortTag ends, as Abort(code, reason) on the object's side would, the
// sockets exported with tag: the peer's client gets a close with code and
// reason after whatever was sent before.
func (r *Relay) AbortTag(tag string, code int, reason string) {
	r.mu.Lock()
	var ls []*link
	for _, l := range r.links {
		if l.exported && l.tag == tag {
			ls = append(ls, l)
		}
	}
	r.mu.Unlock()
	for _, l := range ls {
		l.end.peer.Abort(code, reason)
	}
}

// Close ends every link (this node is going away): exported sockets get a
// close with code and reason through their peer, imported ones close their
// client here with it and tell the peer. It waits (a bounded time) for
// those closes to go out.
func (r *Relay) Close(code int, reason string) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	var ls []*link
	for _, l := range r.links {
		ls = append(ls, l)
	}
	r.mu.Unlock()
	for _, l := range ls {
		if l.exported {
			l.end.peer.Abort(code, reason)
			continue
		}
		l.mu.Lock()
		l.lastCode, l.lastWhy = code, reason
		l.mu.Unlock()
		l.end.Abort(code, reason)
	}
	r.waitIdle()
	r.mu.Lock()
	ls = ls[:0]
	for _, l := range r.links {
		ls = append(ls, l)
	}
	r.mu.Unlock()
	for _, l := range ls {
		l.mu.Lock()
		l.sentFinal = true
		l.mu.Unlock()
		l.end.Release()
	}
	r.waitIdle()
	r.stop()
}

// waitIdle waits, up to relayCloseTimeout, until no link is left and no
// last close is in flight.
func (r *Relay) waitIdle() {
	for end := time.Now().Add(relayCloseTimeout); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		r.mu.Lock()
		idle := len(r.links) == 0 && r.closing == 0
		r.mu.Unlock()
		if idle {
			return
		}
	}
}

// released runs when the link's end is released: the link goes, and the
// peer is told if no close crossed yet.
func (l *link) released() {
	l.r.remove(l)
	l.mu.Lock()
	send := !l.sentFinal && l.remote != 0
	l.sentFinal = true
	remote, code, why := l.remote, l.lastCode, l.lastWhy
	l.outSeq++
	seq := l.outSeq
	if l.timer != nil {
		l.timer.Stop()
	}
	l.mu.Unlock()
	l.cancel()
	if !send {
		return
	}
	r := l.r
	r.mu.Lock()
	r.closing++
	r.mu.Unlock()
	go func() {
		defer func() {
			r.mu.Lock()
			r.closing--
			r.mu.Unlock()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), relayCloseTimeout)
		defer cancel()
		_, _ = r.opts.Send(ctx, l.peer, appendEvent(nil, remote, seq, Event{Kind: Close, Code: code, Reason: why}, false, nil))
	}()
}

// lost closes the link because its peer is gone or dropped it: no close
// is sent there. The client's node closes its client with 1012; the owner
// gives its object a 1006 as for a vanished client.
func (l *link) lost(reason string) {
	l.mu.Lock()
	l.sentFinal = true
	l.mu.Unlock()
	l.cancel()
	if l.exported {
		l.end.Abort(1006, DisconnectReason)
	} else {
		l.end.Abort(CodeRelayLost, reason)
	}
}

// push sends one event delivered to the link's end to the peer (on the
// end's push goroutine).
func (l *link) push(ev Event) {
	if max := l.r.hub.Options().MaxMessage; int64(len(ev.Data)) > max {
		// Over the limit: the peer closes with 1009, this side fails as a
		// network end does on a frame over the limit.
		why := fmt.Sprintf("WebSocket message is too large (limit %d bytes).", max)
		l.send(Event{Kind: Close, Code: 1009, Reason: why})
		l.end.Fail(why)
		return
	}
	switch l.send(ev) {
	case relayUnknown:
		l.lost(fmt.Sprintf("isola: node %s, which runs the Durable Object, dropped this WebSocket", l.peer))
	case relayTooBig:
		l.mu.Lock()
		l.sentFinal = true
		l.mu.Unlock()
		l.end.Abort(1009, "WebSocket message is too large.")
	}
}

// send sends ev in chunks and returns the status of the last answer
// (relayGone if the link ended first).
func (l *link) send(ev Event) byte {
	l.mu.Lock()
	if l.sentFinal {
		l.mu.Unlock()
		return relayGone
	}
	if ev.final() {
		l.sentFinal = true
	}
	remote := l.remote
	l.mu.Unlock()
	data := ev.Data
	for {
		n := min(len(data), l.r.opts.Chunk)
		more := n < len(data)
		l.mu.Lock()
		l.outSeq++
		seq := l.outSeq
		l.mu.Unlock()
		msg := make([]byte, 0, 40+len(ev.Reason)+n)
		st := l.deliver(appendEvent(msg, remote, seq, ev, more, data[:n]))
		if st != relayOK || !more {
			return st
		}
		data = data[n:]
	}
}

// deliver sends one message until the peer answers it (other than busy)
// or the link ends.
func (l *link) deliver(msg []byte) byte {
	for {
		ctx, cancel := context.WithTimeout(l.ctx, relayRequestTimeout)
		resp, err := l.r.opts.Send(ctx, l.peer, msg)
		cancel()
		if err == nil && len(resp) > 0 {
			l.r.heard(l.peer)
			if resp[0] != relayBusy {
				return resp[0]
			}
			continue
		}
		// No answer: the message may or may not have arrived; sending it
		// again is safe (sequence numbers). The heartbeat ends the link if
		// the peer is gone.
		select {
		case <-l.ctx.Done():
			return relayGone
		case <-time.After(relayRetryWait):
		}
	}
}

// heartbeat pings the peers and closes the links of those gone silent.
func (r *Relay) heartbeat() {
	t := time.NewTicker(r.opts.Ping)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		ids := map[string][]uint64{}
		r.mu.Lock()
		for _, l := range r.links {
			l.mu.Lock()
			if l.remote != 0 && !l.sentFinal {
				ids[l.peer] = append(ids[l.peer], l.remote)
			}
			l.mu.Unlock()
		}
		var dead []string
		for name, p := range r.peers {
			switch {
			case len(ids[name]) == 0:
				// Nothing to ask about yet (an export not attached): its
				// attach answers or its timeout ends it.
			case now.Sub(p.lastOK) > r.opts.DeadAfter:
				dead = append(dead, name)
				p.lastOK = now // its links go now; a new one starts afresh
			case !p.pinging:
				p.pinging = true
				go r.ping(name, ids[name])
			}
		}
		r.mu.Unlock()
		for _, name := range dead {
			r.peerGone(name)
		}
	}
}

func (r *Relay) ping(peer string, ids []uint64) {
	defer func() {
		r.mu.Lock()
		if p := r.peers[peer]; p != nil {
			p.pinging = false
		}
		r.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(r.ctx, r.opts.DeadAfter)
	defer cancel()
	msg := []byte{opPing}
	msg = binary.AppendUvarint(msg, uint64(len(ids)))
	for _, id := range ids {
		msg = binary.AppendUvarint(msg, id)
	}
	resp, err := r.opts.Send(ctx, peer, msg)
	if err != nil || len(resp) == 0 || resp[0] != relayOK {
		return
	}
	r.heard(peer)
	unknown, ok := decodeIDs(resp[1:])
	if !ok || len(unknown) == 0 {
		return
	}
	gone := map[uint64]bool{}
	for _, id := range unknown {
		gone[id] = true
	}
	r.mu.Lock()
	var ls []*link
	for _, l := range r.links {
		l.mu.Lock()
		if l.peer == peer && l.remote != 0 && gone[l.remote] {
			ls = append(ls, l)
		}
		l.mu.Unlock()
	}
	r.mu.Unlock()
	for _, l := range ls {
		l.lost(fmt.Sprintf("isola: node %s, which runs the Durable Object, dropped this WebSocket", peer))
	}
}

// peerGone closes every link with peer.
func (r *Relay) peerGone(peer string) {
	r.mu.Lock()
	var ls []*link
	for _, l := range r.links {
		if l.peer == peer {
			ls = append(ls, l)
		}
	}
	r.mu.Unlock()
	if len(ls) == 0 {
		return
	}
	r.log.Warn("websocket relay: node unreachable; closing its sockets", "node", peer, "sockets", len(ls), "silent", r.opts.DeadAfter)
	for _, l := range ls {
		l.lost(fmt.Sprintf("isola: node %s, which runs the Durable Object, is unreachable", peer))
	}
}

// Handle serves one message from node from (the receiving side of Send):
// it calls reply once, at once or, while the receiving end's reader is
// behind, later (up to busyWait) from another goroutine.
func (r *Relay) Handle(from string, msg []byte, reply func([]byte)) {
	m, ok := decodeRelay(msg)
	if !ok {
		reply([]byte{relayBad})
		return
	}
	switch m.op {
	case opPing:
		out := []byte{relayOK}
		var unknown []uint64
		for _, id := range m.ids {
			if r.get(id, from) == nil {
				unknown = append(unknown, id)
			}
		}
		out = binary.AppendUvarint(out, uint64(len(unknown)))
		for _, id := range unknown {
			out = binary.AppendUvarint(out, id)
		}
		reply(out)
	case opAttach:
		reply([]byte{r.attach(from, m.link, m.from)})
	case opEvent:
		l := r.get(m.link, from)
		if l == nil {
			reply([]byte{relayUnknown})
			return
		}
		st, wait := l.receive(m, false)
		if !wait {
			reply([]byte{st})
			return
		}
		go func() {
			ctx, cancel := context.WithTimeout(l.ctx, relayBusyWait)
			defer cancel()
			_ = l.end.waitPeerSpace(ctx)
			st, _ := l.receive(m, true)
			reply([]byte{st})
		}()
	}
}

func (r *Relay) attach(from string, id, remote uint64) byte {
	l := r.get(id, from)
	if l == nil || !l.exported || remote == 0 {
		return relayUnknown
	}
	l.mu.Lock()
	first := l.remote == 0
	if first {
		l.remote = remote
		if l.timer != nil {
			l.timer.Stop()
		}
	}
	same := l.remote == remote
	l.mu.Unlock()
	if !same {
		return relayUnknown
	}
	if first {
		r.heard(from)
		if err := l.end.Accept(Net, l.push); err != nil {
			l.end.Abort(1006, DisconnectReason)
			return relayUnknown
		}
	}
	return relayOK
}

// receive applies an event message to the link's end. Unless waited, a
// complete message for an end whose reader is behind is not applied:
// wait says to try again once there is room (or busyWait passed, then
// the answer is busy and the sender asks again).
func (l *link) receive(m relayMsg, waited bool) (status byte, wait bool) {
	l.in.Lock()
	defer l.in.Unlock()
	if m.seq <= l.inSeq {
		return relayOK, false // sent again after a lost answer
	}
	if l.tooBig {
		return relayTooBig, false
	}
	max := l.r.hub.Options().MaxMessage
	if int64(len(l.partial))+int64(len(m.data)) > max {
		l.tooBig = true
		l.partial = nil
		l.mu.Lock()
		l.sentFinal = true // the sender learns it from the answer
		l.mu.Unlock()
		l.end.Fail(fmt.Sprintf("WebSocket message is too large (limit %d bytes).", max))
		return relayTooBig, false
	}
	if m.more {
		l.partial = append(l.partial, m.data...)
		l.inSeq = m.seq
		return relayOK, false
	}
	ev := m.ev
	if ev.final() {
		l.partial = nil
	} else {
		if l.end.peerFull() {
			if !waited {
				return 0, true
			}
			return relayBusy, false
		}
		if len(l.partial) > 0 {
			ev.Data = append(l.partial, m.data...)
			l.partial = nil
		} else {
			ev.Data = m.data
		}
	}
	l.inSeq = m.seq
	_ = l.end.Send(ev) // ErrClosed: the end already closed, the event is dropped as on one node
	return relayOK, false
}

// The wire format: one op byte, then unsigned varints.
//
//	ping:   n, n link ids (the receiver's)       reply: status, n, n unknown ids
//	attach: link (the receiver's), sender's id   reply: status
//	event:  link, seq, kind, flags, code, len(reason), reason, data...
//	                                             reply: status
const (
	opPing   = 1
	opAttach = 2
	opEvent  = 3

	flagMore  = 1 // more chunks of this message follow
	flagClean = 2 // Close.Clean
)

// Reply statuses.
const (
	relayOK      = 0
	relayUnknown = 1 // no such link (from that node)
	relayBusy    = 2 // the receiving end's reader is behind: send again
	relayTooBig  = 3 // a message over the receiver's limit: the link is over
	relayBad     = 4 // not a relay message
	relayGone    = 5 // (local) the link ended before an answer
)

func appendAttach(b []byte, id, from uint64) []byte {
	b = append(b, opAttach)
	b = binary.AppendUvarint(b, id)
	return binary.AppendUvarint(b, from)
}

func appendEvent(b []byte, id, seq uint64, ev Event, more bool, data []byte) []byte {
	b = append(b, opEvent)
	b = binary.AppendUvarint(b, id)
	b = binary.AppendUvarint(b, seq)
	var flags byte
	if more {
		flags |= flagMore
	}
	if ev.Clean {
		flags |= flagClean
	}
	b = append(b, byte(ev.Kind), flags)
	b = binary.AppendUvarint(b, uint64(ev.Code))
	b = binary.AppendUvarint(b, uint64(len(ev.Reason)))
	b = append(b, ev.Reason...)
	return append(b, data...)
}

// relayMsg is a decoded message.
type relayMsg struct {
	op         byte
	link, from uint64
	seq        uint64
	more       bool
	ev         Event // Data unset
	data       []byte
	ids        []uint64
}

func decodeIDs(b []byte) ([]uint64, bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, false
	}
	b = b[k:]
	ids := make([]uint64, 0, n)
	for range n {
		id, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, false
		}
		ids = append(ids, id)
		b = b[k:]
	}
	return ids, len(b) == 0
}

// decodeRelay parses a message; ok is false for anything malformed.
func decodeRelay(b []byte) (m relayMsg, ok bool) {
	if len(b) == 0 {
		return m, false
	}
	m.op, b = b[0], b[1:]
	uv := func() uint64 {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			ok = false
			return 0
		}
		b = b[k:]
		return v
	}
	ok = true
	switch m.op {
	case opPing:
		m.ids, ok = decodeIDs(b)
		return m, ok
	case opAttach:
		m.link, m.from = uv(), uv()
		return m, ok && len(b) == 0
	case opEvent:
		m.link, m.seq = uv(), uv()
		if !ok || len(b) < 2 {
			return m, false
		}
		kind, flags := Kind(b[0]), b[1]
		b = b[2:]
		if kind < Text || kind > Error || flags&^(flagMore|flagClean) != 0 {
			return m, false
		}
		code, n := uv(), uv()
		if !ok || code > 0xffff || n > uint64(len(b)) {
			return m, false
		}
		m.ev = Event{Kind: kind, Code: int(code), Reason: string(b[:n]), Clean: flags&flagClean != 0}
		m.more = flags&flagMore != 0
		m.data = b[n:]
		if m.more && m.ev.final() || m.seq == 0 {
			return m, false
		}
		return m, true
	}
	return m, false
}
