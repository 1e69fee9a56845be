package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

var (
	// ErrNoOwner is returned by Owner and Forward when no node holds the
	// key's lease.
	ErrNoOwner = errors.New("cluster: no owner")
	// ErrNotOwner is returned by Forward when the node it reached does not
	// own the key (any more); a Handler returns it to say so. Look the
	// owner up again and retry.
	ErrNotOwner = errors.New("cluster: not the owner")
)

// RemoteError is a Handler's error as seen by the node that forwarded.
type RemoteError struct {
	Node, Message string
}

func (e *RemoteError) Error() string { return fmt.Sprintf("cluster: node %s: %s", e.Node, e.Message) }

// Handler serves a request forwarded to this node for key. It returns
// ErrNotOwner when this node does not own key.
type Handler func(ctx context.Context, key string, payload []byte) ([]byte, error)

const (
	hdrKey      = "Isola-Key"
	hdrStatus   = "Isola-Status"
	hdrTimeout  = "Isola-Timeout-Ms"
	statusOK    = "ok"
	statusError = "error"
	statusNotMe = "not-owner"
)

// Owner returns the node holding key's lease, from the watch cache or the
// bucket, or ErrNoOwner (no lease, or its holder's session is gone).
func (n *Node) Owner(ctx context.Context, key string) (string, error) {
	enc := encodeKey(key)
	sh := n.shardOf(enc)
	n.mu.Lock()
	v, ok := n.owners[enc]
	n.mu.Unlock()
	if !ok {
		var err error
		if v, err = n.lookup(ctx, enc); err != nil {
			return "", err
		}
	}
	// An owner that did not answer a forward is checked at the bucket.
	if n.sessionLive(ctx, sh, v.Node, v.Session, n.isDown(v.Node)) {
		return v.Node, nil
	}
	if !ok {
		return "", ErrNoOwner
	}
	// The cached holder's session is gone, but the cache may be what is
	// stale: the watch stalls for seconds when its consumer was on a
	// server that died, and misses a takeover meanwhile (then this node
	// would try to take a key that another node holds, again and again).
	// Ask the bucket.
	v, err := n.lookup(ctx, enc)
	if err != nil || !n.sessionLive(ctx, sh, v.Node, v.Session, n.isDown(v.Node)) {
		return "", ErrNoOwner
	}
	return v.Node, nil
}

// OwnerFresh is Owner checking the holder's session at its bucket, not
// in the watch cache (which can lag for seconds after a node died).
func (n *Node) OwnerFresh(ctx context.Context, key string) (string, error) {
	enc := encodeKey(key)
	v, err := n.lookup(ctx, enc)
	if err != nil {
		return "", err
	}
	if !n.sessionLive(ctx, n.shardOf(enc), v.Node, v.Session, true) {
		return "", ErrNoOwner
	}
	return v.Node, nil
}

func (n *Node) lookup(ctx context.Context, enc string) (leaseValue, error) {
	var v leaseValue
	e, err := n.shardOf(enc).kv.Get(ctx, enc)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return v, ErrNoOwner
	}
	if err != nil {
		return v, fmt.Errorf("cluster: owner lookup: %w", err)
	}
	if err := json.Unmarshal(e.Value(), &v); err != nil {
		return v, fmt.Errorf("cluster: owner lookup: %w", err)
	}
	n.mu.Lock()
	n.owners[enc] = v
	n.mu.Unlock()
	return v, nil
}

// Holder states from the watch caches (ownerLocked).
const (
	noHolder      = iota // no lease
	liveHolder           // its session is live
	goneHolder           // its session is gone or replaced
	unknownHolder        // its session was never seen (ask the bucket)
)

// ownerLocked returns enc's lease holder and its state according to the
// watch caches. n.mu must be held.
func (n *Node) ownerLocked(enc string) (leaseValue, int) {
	v, ok := n.owners[enc]
	if !ok {
		return v, noHolder
	}
	id, known := n.shardOf(enc).sessions[v.Node]
	switch {
	case !known:
		return v, unknownHolder
	case id == v.Session:
		return v, liveHolder
	}
	return v, goneHolder
}

// Forget drops key from the owner cache (after ErrNotOwner or a node that
// does not answer).
func (n *Node) Forget(key string) {
	n.mu.Lock()
	delete(n.owners, encodeKey(key))
	n.mu.Unlock()
}

// Held returns this node's valid lease of key, or nil.
func (n *Node) Held(key string) *Lease {
	n.mu.Lock()
	l := n.leases[encodeKey(key)]
	n.mu.Unlock()
	if l == nil || !l.Valid() {
		return nil
	}
	return l
}

// Forward sends payload for key to node (normally Owner's answer) over
// NATS request/reply and returns the handler's reply. It returns
// ErrNotOwner when node does not own key, ErrNoOwner when it does not
// answer (it may be gone: look the owner up again), a *RemoteError when the
// handler failed.
func (n *Node) Forward(ctx context.Context, node, key string, payload []byte) ([]byte, error) {
	return n.forward(ctx, node, key, payload, 0)
}

// ForwardTake is Forward to a node that does not own key yet and is asked
// to take it (TakePeer's answer): it waits up to the lease TTL for node to
// appear as the owner before it gives up on a silent node.
func (n *Node) ForwardTake(ctx context.Context, node, key string, payload []byte) ([]byte, error) {
	return n.forward(ctx, node, key, payload, n.cfg.LeaseTTL)
}

func (n *Node) forward(ctx context.Context, node, key string, payload []byte, grace time.Duration) ([]byte, error) {
	msg := nats.NewMsg(n.nodeSubject(node))
	msg.Header.Set(hdrKey, key)
	if dl, ok := ctx.Deadline(); ok {
		msg.Header.Set(hdrTimeout, strconv.FormatInt(time.Until(dl).Milliseconds(), 10))
	} else {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
	}
	msg.Data = payload
	// A node that dies mid-request never answers: give up when its lease
	// is gone (expired or taken over), as the watch reports.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go n.watchOwner(ctx, encodeKey(key), node, time.Now().Add(grace), cancel)
	resp, err := n.nc.RequestMsgWithContext(ctx, msg)
	if cause := context.Cause(ctx); errors.Is(cause, ErrNoOwner) {
		// Its lease went while it did not answer. If its session in the
		// key's shard went too, it may be cut off: check it at the bucket
		// for a while (Owner), and hand it nothing (TakePeer). A live
		// node also gives a lease up (Lease.abandonLocked): not that.
		if !n.sessionPresent(n.shardOf(encodeKey(key)), node) {
			n.markDown(node)
		}
		return nil, fmt.Errorf("cluster: forward %q to %s: %w", key, node, cause)
	}
	if errors.Is(err, nats.ErrNoResponders) {
		n.markDown(node)
		n.Forget(key)
		return nil, fmt.Errorf("cluster: forward %q to %s: %w", key, node, ErrNoOwner)
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: forward %q to %s: %w", key, node, err)
	}
	switch resp.Header.Get(hdrStatus) {
	case statusOK:
		return resp.Data, nil
	case statusNotMe:
		n.Forget(key)
		return nil, fmt.Errorf("cluster: forward %q to %s: %w", key, node, ErrNotOwner)
	default:
		return nil, &RemoteError{Node: node, Message: string(resp.Data)}
	}
}

// watchOwner cancels ctx with ErrNoOwner once node no longer holds enc's
// lease according to the watch; before grace, only once another node
// holds it.
func (n *Node) watchOwner(ctx context.Context, enc, node string, grace time.Time, cancel context.CancelCauseFunc) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for i := 1; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n.mu.Lock()
		v, st := n.ownerLocked(enc)
		n.mu.Unlock()
		cur, ok := v.Node, st == liveHolder || st == unknownHolder
		if i%10 == 0 && ok && cur == node {
			// Every second, ask the buckets too: the watch lags while
			// JetStream elects a new leader for them.
			gctx, gcancel := context.WithTimeout(ctx, time.Second)
			e, err := n.shardOf(enc).kv.Get(gctx, enc)
			switch {
			case errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted):
				ok = false
			case err == nil:
				if json.Unmarshal(e.Value(), &v) == nil {
					cur = v.Node
					ok = n.sessionLive(gctx, n.shardOf(enc), v.Node, v.Session, true)
				}
			}
			gcancel()
		}
		if !ok && time.Now().Before(grace) {
			continue
		}
		if !ok || cur != node {
			cancel(fmt.Errorf("%w: %s lost the lease", ErrNoOwner, node))
			return
		}
	}
}

func (n *Node) nodeSubject(node string) string { return n.cfg.Prefix + ".node." + node + ".fwd" }

// Serve starts answering forwarded requests with h, each on its own
// goroutine. It may be called once.
func (n *Node) Serve(h Handler) error {
	sub, err := n.nc.Subscribe(n.nodeSubject(n.cfg.NodeID), func(m *nats.Msg) {
		go n.serve(h, m)
	})
	if err != nil {
		return fmt.Errorf("cluster: serve: %w", err)
	}
	n.mu.Lock()
	n.handler, n.sub = h, sub
	n.mu.Unlock()
	return n.nc.Flush()
}

func (n *Node) serve(h Handler, m *nats.Msg) {
	ctx := n.ctx
	if ms, err := strconv.ParseInt(m.Header.Get(hdrTimeout), 10, 64); err == nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(ms)*time.Millisecond)
		defer cancel()
	}
	out, err := h(ctx, m.Header.Get(hdrKey), m.Data)
	resp := nats.NewMsg(m.Reply)
	switch {
	case err == nil:
		resp.Header.Set(hdrStatus, statusOK)
		resp.Data = out
	case errors.Is(err, ErrNotOwner):
		resp.Header.Set(hdrStatus, statusNotMe)
	default:
		resp.Header.Set(hdrStatus, statusError)
		resp.Data = []byte(err.Error())
	}
	if err := m.RespondMsg(resp); err != nil {
		n.log.Warn("forward reply failed", "error", err)
	}
}
