package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

var (
	// ErrHeld is returned by Acquire when another node holds the lease;
	// the error is a *HeldError naming it.
	ErrHeld = errors.New("cluster: lease held by another node")
	// ErrLeaseLost is returned by Append and Snapshot once the lease could
	// not be renewed before its local deadline, was released, or an append
	// had an unknown outcome. The object must stop serving.
	ErrLeaseLost = errors.New("cluster: lease lost")
	// ErrFenced is returned by Append and Snapshot when the log refused an
	// append because another node appended since (a newer epoch). It
	// wraps ErrLeaseLost.
	ErrFenced = fmt.Errorf("%w: fenced by a newer owner", ErrLeaseLost)
)

// HeldError says which node holds a lease.
type HeldError struct {
	Key, Node string
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("cluster: lease %q held by node %s", e.Key, e.Node)
}

func (e *HeldError) Is(target error) bool { return target == ErrHeld }

// leaseValue is the JSON value of a lease entry.
type leaseValue struct {
	Node    string `json:"node"`
	Session string `json:"session"` // the holder's session id in the shard
	Addr    string `json:"addr,omitempty"`
}

// Message kinds in the log, in the Isola-Kind header.
const (
	kindChangeset = "cs"
	kindEpoch     = "epoch"
	kindSnapshot  = "snap"
	hdrKind       = "Isola-Kind"
	hdrEpoch      = "Isola-Epoch"
)

// Lease is this node's ownership of one key. Its methods are goroutine-safe;
// appends are ordered by the order of the calls that queue them.
type Lease struct {
	n     *Node
	key   string
	enc   string
	epoch uint64
	done  chan struct{}

	sess *session // valid while it is (session.go)
	rev  uint64   // KV revision of the lease key

	mu       sync.Mutex // guards following
	lastSeq  uint64     // log sequence of this holder's last append
	since    int        // changesets since the last snapshot
	sinceB   int64
	snapName string // object holding the latest snapshot, "" if none
	queue    []*op
	working  bool
	err      error // set once lost; done is closed then
}

type op struct {
	cs    []byte
	snap  io.Reader
	alarm *alarmOp // alarm.go
	res   chan error
}

// Acquire takes the lease of key for this node (under its session in key's
// shard) and appends the epoch marker to key's log. It returns an error matching ErrHeld when
// another node holds it. Call Restore next to rebuild the object.
func (n *Node) Acquire(ctx context.Context, key string) (*Lease, error) {
	enc := encodeKey(key)
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil, errors.New("cluster: node closed")
	}
	if l := n.leases[enc]; l != nil && l.Err() == nil {
		n.mu.Unlock()
		return l, nil
	}
	n.mu.Unlock()
	sh := n.shardOf(enc)
	sess, err := n.session(ctx, sh)
	if err != nil {
		return nil, fmt.Errorf("cluster: acquire %q: %w", key, err)
	}
	val, _ := json.Marshal(leaseValue{Node: n.cfg.NodeID, Addr: n.cfg.Advertise, Session: sess.id})
	kv := sh.kv
	var rev uint64
	for attempt := 0; ; attempt++ {
		// Short attempts: a request that reached a group between leaders
		// is dropped, not refused, and would hold us past the election.
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		rev, err = kv.Create(actx, enc, val)
		cancel()
		if err == nil || ctx.Err() != nil {
			break
		}
		if errors.Is(err, context.DeadlineExceeded) || unavailable(err) {
			if !retryWait(ctx, attempt) {
				break
			}
			continue
		}
		// Newer servers refuse a Create of a live key with "wrong last
		// sequence" (10164), which this client does not map to
		// ErrKeyExists.
		if !errors.Is(err, jetstream.ErrKeyExists) && !wrongLastSeq(err) {
			break
		}
		e, gerr := kv.Get(ctx, enc)
		if errors.Is(gerr, jetstream.ErrKeyNotFound) || errors.Is(gerr, jetstream.ErrKeyDeleted) {
			continue // released meanwhile
		}
		he := &HeldError{Key: key}
		if gerr != nil {
			return nil, he
		}
		var v leaseValue
		json.Unmarshal(e.Value(), &v)
		he.Node = v.Node
		// Fresher than the watch, which may lag (Owner).
		n.mu.Lock()
		n.owners[enc] = v
		n.mu.Unlock()
		// Take the lease over (compare-and-set on its revision) when the
		// session it names is gone (its holder gave it up at the
		// session's local deadline), or when it is ours: a Create of
		// ours whose answer was lost.
		if v.Session == sess.id || !n.sessionLive(ctx, sh, v.Node, v.Session, true) {
			nrev, uerr := kv.Update(ctx, enc, val, e.Revision())
			if uerr == nil {
				rev, err = nrev, nil
				break
			}
			if !errors.Is(uerr, jetstream.ErrKeyRevisionMismatch) && !wrongLastSeq(uerr) {
				err = uerr
				break
			}
		}
		return nil, he
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: acquire %q: %w", key, err)
	}
	l := &Lease{n: n, key: key, enc: enc, epoch: rev, rev: rev, sess: sess, done: make(chan struct{})}
	if err := l.appendMarker(ctx); err != nil {
		// Give the lease back so that another attempt need not wait
		// (through an election, which is likely why the marker failed).
		l.mu.Lock()
		l.abandonLocked(fmt.Errorf("%w: epoch marker: %v", ErrLeaseLost, err))
		l.mu.Unlock()
		return nil, fmt.Errorf("cluster: acquire %q: epoch marker: %w", key, err)
	}
	n.mu.Lock()
	n.leases[enc] = l
	n.owners[enc] = leaseValue{Node: n.cfg.NodeID, Session: sess.id}
	n.mu.Unlock()
	go l.watchSession()
	return l, nil
}

// watchSession loses the lease with its session.
func (l *Lease) watchSession() {
	select {
	case <-l.done:
	case <-l.sess.done:
		l.Err()
	}
}

// appendMarker appends the epoch marker after whatever the subject holds;
// a stale holder whose append lands first only makes us retry.
func (l *Lease) appendMarker(ctx context.Context) error {
	subj := l.n.logSubject(l.enc)
	for attempt := 0; ; attempt++ {
		// A marker appended under a lost session would fence a newer
		// owner, which took the key once it saw the session gone.
		if err := l.sess.Err(); err != nil {
			return err
		}
		var last uint64
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		m, err := l.n.shardOf(l.enc).log.GetLastMsgForSubject(actx, subj)
		cancel()
		switch {
		case err == nil:
			last = m.Sequence
		case errors.Is(err, jetstream.ErrMsgNotFound):
		case (unavailable(err) || errors.Is(err, context.DeadlineExceeded)) && retryWait(ctx, attempt):
			continue
		default:
			return err
		}
		msg := nats.NewMsg(subj)
		msg.Header.Set(hdrKind, kindEpoch)
		msg.Header.Set(hdrEpoch, strconv.FormatUint(l.epoch, 10))
		actx, cancel = context.WithTimeout(ctx, attemptTimeout)
		// The message id makes a resend of a marker whose ack was lost a
		// duplicate, answered with the first one's sequence.
		ack, err := l.n.js.PublishMsg(actx, msg, jetstream.WithExpectLastSequencePerSubject(last),
			jetstream.WithMsgID(fmt.Sprintf("%s.e%d.%d", l.enc, l.epoch, last)))
		cancel()
		if err == nil {
			l.lastSeq = ack.Sequence
			return nil
		}
		if (unavailable(err) || errors.Is(err, context.DeadlineExceeded)) && retryWait(ctx, attempt) {
			continue
		}
		if !wrongLastSeq(err) || attempt > 50 {
			return err
		}
	}
}

// unavailable reports whether err says the stream refused a request for
// want of a leader (an election, a leadership move): nothing was stored,
// so the request may be retried.
func unavailable(err error) bool {
	var ae *jetstream.APIError
	return errors.As(err, &ae) && ae.Code == 503 ||
		errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders)
}

// retryWait sleeps before retrying an unavailable stream, or returns
// false once ctx is done.
func retryWait(ctx context.Context, attempt int) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(min(time.Duration(attempt+1)*25*time.Millisecond, 250*time.Millisecond)):
		return true
	}
}

func wrongLastSeq(err error) bool {
	var ae *jetstream.APIError
	return errors.As(err, &ae) &&
		(ae.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || ae.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// Key returns the leased key.
func (l *Lease) Key() string { return l.key }

// Epoch returns the lease's epoch: the KV revision at its creation. Epochs
// of one key only grow.
func (l *Lease) Epoch() uint64 { return l.epoch }

// Done is closed when the lease is lost or released.
func (l *Lease) Done() <-chan struct{} { return l.done }

// Err returns nil while the lease is held, else why it is not.
func (l *Lease) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.errLocked()
}

func (l *Lease) errLocked() error {
	if l.err == nil {
		if err := l.sess.Err(); err != nil {
			l.abandonLocked(err)
		}
	}
	return l.err
}

// Valid reports whether the lease is held and its local deadline has not
// passed: the object may serve reads.
func (l *Lease) Valid() bool { return l.Err() == nil }

// abandonLocked loses the lease (loseLocked) and gives its entry back in
// the background (giveBack, for up to the lease TTL). Every loss but a
// release (which gives the entry back itself) abandons: the entry may
// still name a live session of this node (an append or alarm write with
// an unknown outcome, a marker that failed; a fence by a stale holder's
// late marker), and until it goes, other nodes see a live holder and send
// the key's events here, where no lease serves them; this node's own next
// event for the key would take it again, a forwarded one does not.
func (l *Lease) abandonLocked(err error) {
	if l.err != nil {
		return
	}
	l.loseLocked(err)
	go func() {
		ctx, cancel := context.WithTimeout(l.n.ctx, l.n.cfg.LeaseTTL)
		defer cancel()
		select {
		case l.n.abandonSem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-l.n.abandonSem }()
		if deleted, _ := l.giveBack(ctx); deleted {
			l.n.log.Info("lost lease given back", "key", l.key, "epoch", l.epoch)
		}
	}()
}

// giveBack deletes the lease's entry if it is still this lease's (the
// revision it was taken at), retrying while the bucket has no leader.
// Safe once this node stopped serving the key: a newer owner's entry has
// another revision, and the log refuses an append of this epoch once a
// new owner appended its marker. It reports whether it deleted the
// entry; the error is nil also when the entry was no longer this lease's.
func (l *Lease) giveBack(ctx context.Context) (deleted bool, err error) {
	kv := l.n.shardOf(l.enc).kv
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		err := kv.Delete(actx, l.enc, jetstream.LastRevision(l.rev))
		cancel()
		switch {
		case err == nil:
			return true, nil
		case wrongLastSeq(err) || errors.Is(err, jetstream.ErrKeyRevisionMismatch):
			return false, nil
		case !(unavailable(err) || errors.Is(err, context.DeadlineExceeded)) || !retryWait(ctx, attempt):
			return false, err
		}
	}
}

func (l *Lease) loseLocked(err error) {
	if l.err != nil {
		return
	}
	l.err = err
	close(l.done)
	n := l.n
	go func() {
		n.mu.Lock()
		if n.leases[l.enc] == l {
			delete(n.leases, l.enc)
			if n.owners[l.enc].Node == n.cfg.NodeID {
				delete(n.owners, l.enc)
			}
		}
		n.mu.Unlock()
		n.log.Warn("lease lost", "key", l.key, "epoch", l.epoch, "error", err)
	}()
}

// Release gives the lease up after the queued appends finish, so that
// another node can take the key at once.
func (l *Lease) Release(ctx context.Context) error {
	l.flush(ctx)
	l.mu.Lock()
	if l.err != nil {
		l.mu.Unlock()
		return nil
	}
	l.loseLocked(fmt.Errorf("%w: released", ErrLeaseLost))
	l.mu.Unlock()
	if _, err := l.giveBack(ctx); err != nil {
		return fmt.Errorf("cluster: release %q: %w", l.key, err)
	}
	return nil
}

// flush waits until the queue is empty.
func (l *Lease) flush(ctx context.Context) {
	_ = l.enqueue(&op{})(ctx)
}

// Append appends a changeset to the key's log and returns once the log
// acknowledged it (replicated and fsynced). It fails with ErrFenced if
// another node appended since, and ErrLeaseLost once the lease is gone;
// after any failure the lease is lost and every later append fails.
func (l *Lease) Append(ctx context.Context, cs []byte) error {
	return l.AppendAsync(cs)(ctx)
}

// AppendAsync queues an append and returns a func that waits for its
// outcome. Appends are made in the order of AppendAsync calls. An empty cs
// appends nothing but still waits for the appends queued before it and
// fails if the lease is lost (a barrier for read-only turns).
func (l *Lease) AppendAsync(cs []byte) func(context.Context) error {
	if len(cs) == 0 {
		cs = nil
	}
	return l.enqueue(&op{cs: cs})
}

// enqueue queues o and returns a func that waits for its outcome (or for
// ctx).
func (l *Lease) enqueue(o *op) func(context.Context) error {
	o.res = make(chan error, 1)
	l.mu.Lock()
	l.queue = append(l.queue, o)
	if !l.working {
		l.working = true
		go l.work()
	}
	l.mu.Unlock()
	return func(ctx context.Context) error {
		select {
		case err := <-o.res:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// work runs the queued operations in order.
func (l *Lease) work() {
	for {
		l.mu.Lock()
		if len(l.queue) == 0 {
			l.working = false
			l.mu.Unlock()
			return
		}
		o := l.queue[0]
		l.queue = l.queue[1:]
		err := l.errLocked()
		l.mu.Unlock()
		if err == nil {
			switch {
			case o.snap != nil:
				err = l.snapshot(o.snap)
			case o.cs != nil:
				err = l.append(o.cs)
			case o.alarm != nil:
				err = l.setAlarm(o.alarm)
			}
		}
		o.res <- err
	}
}

// attemptTimeout bounds one request to a stream inside a retried
// operation: a request that reaches a group between two leaders gets no
// answer at all.
const attemptTimeout = time.Second

// opTimeout bounds one log operation; its outcome is unknown after it.
func (l *Lease) opTimeout() time.Duration { return max(l.n.cfg.LeaseTTL/2, time.Second) }

func (l *Lease) publish(kind string, data []byte, hdr map[string]string) (uint64, error) {
	l.mu.Lock()
	last := l.lastSeq
	l.mu.Unlock()
	msg := nats.NewMsg(l.n.logSubject(l.enc))
	msg.Header.Set(hdrKind, kind)
	msg.Header.Set(hdrEpoch, strconv.FormatUint(l.epoch, 10))
	for k, v := range hdr {
		msg.Header.Set(k, v)
	}
	msg.Data = data
	ctx, cancel := context.WithTimeout(l.n.ctx, l.opTimeout())
	defer cancel()
	// Resending is safe: a refusal for want of a leader stored nothing, and
	// the message id (unique per holder and position) makes a resend of a
	// message whose ack was lost a duplicate answered with its sequence.
	id := fmt.Sprintf("%s.e%d.%d", l.enc, l.epoch, last)
	var ack *jetstream.PubAck
	var err error
	for attempt := 0; ; attempt++ {
		actx, acancel := context.WithTimeout(ctx, attemptTimeout)
		ack, err = l.n.js.PublishMsg(actx, msg, jetstream.WithExpectLastSequencePerSubject(last), jetstream.WithMsgID(id))
		acancel()
		if err == nil || !(unavailable(err) || errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil) || !retryWait(ctx, attempt) {
			break
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		if wrongLastSeq(err) {
			l.abandonLocked(ErrFenced)
			return 0, fmt.Errorf("cluster: append %q epoch %d: %w", l.key, l.epoch, ErrFenced)
		}
		// Unknown outcome: the message may or may not be in the log, so
		// this holder's state can no longer be trusted.
		l.abandonLocked(fmt.Errorf("%w: append failed: %v", ErrLeaseLost, err))
		return 0, fmt.Errorf("cluster: append %q epoch %d: %w: %w", l.key, l.epoch, ErrLeaseLost, err)
	}
	if l.err != nil {
		// Appended, but the lease was lost meanwhile (deadline): the
		// append is durable and a new owner will see it; report success.
		l.lastSeq = ack.Sequence
		return ack.Sequence, nil
	}
	l.lastSeq = ack.Sequence
	return ack.Sequence, nil
}

func (l *Lease) append(cs []byte) error {
	if _, err := l.publish(kindChangeset, cs, nil); err != nil {
		return err
	}
	l.mu.Lock()
	l.since++
	l.sinceB += int64(len(cs))
	l.mu.Unlock()
	return nil
}

// NeedSnapshot reports whether enough changesets were appended since the
// last snapshot that the caller should take one.
func (l *Lease) NeedSnapshot() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.since >= l.n.cfg.SnapshotEvery || l.sinceB >= l.n.cfg.SnapshotBytes
}

// Snapshot stores r, the object's full state after every changeset appended
// so far, in the object store, references it from the log with a fenced
// snapshot marker and trims the log behind the marker. It is queued behind
// earlier appends; r is read then, so it must not change meanwhile.
func (l *Lease) Snapshot(ctx context.Context, r io.Reader) error {
	return l.SnapshotAsync(r)(ctx)
}

// SnapshotAsync queues a snapshot (see Snapshot) in order with appends and
// returns a func that waits for its outcome.
func (l *Lease) SnapshotAsync(r io.Reader) func(context.Context) error {
	return l.enqueue(&op{snap: r})
}

func (l *Lease) snapshot(r io.Reader) error {
	l.mu.Lock()
	last, old := l.lastSeq, l.snapName
	l.mu.Unlock()
	name := l.enc + "." + strconv.FormatUint(last, 10)
	ctx, cancel := context.WithTimeout(l.n.ctx, 4*l.opTimeout())
	defer cancel()
	if _, err := l.n.obs.Put(ctx, jetstream.ObjectMeta{Name: name}, r); err != nil {
		return fmt.Errorf("cluster: snapshot %q: %w", l.key, err)
	}
	seq, err := l.publish(kindSnapshot, []byte(name), nil)
	if err != nil {
		// A stale holder's snapshot is never referenced; drop it.
		l.n.obs.Delete(context.Background(), name)
		return err
	}
	l.mu.Lock()
	l.since, l.sinceB, l.snapName = 0, 0, name
	l.mu.Unlock()
	// Trim behind the marker: it stays the subject's first message. Both
	// steps are best effort; restore ignores what precedes the marker.
	if err := l.n.shardOf(l.enc).log.Purge(ctx, jetstream.WithPurgeSubject(l.n.logSubject(l.enc)), jetstream.WithPurgeSequence(seq)); err != nil {
		l.n.log.Warn("log trim failed", "key", l.key, "error", err)
	}
	if old != "" && old != name {
		l.n.obs.Delete(ctx, old)
	}
	return nil
}

// Restore rebuilds the object as of this lease's epoch marker: apply gets
// the latest snapshot (nil if none) and the changesets after it, in order.
func (l *Lease) Restore(ctx context.Context, apply func(snapshot io.Reader, changesets [][]byte) error) error {
	l.mu.Lock()
	end := l.lastSeq
	l.mu.Unlock()
	st, err := l.n.restore(ctx, l.enc, end, apply)
	if err != nil {
		return fmt.Errorf("cluster: restore %q: %w", l.key, err)
	}
	l.mu.Lock()
	l.since, l.sinceB, l.snapName = st.n, st.bytes, st.snap
	l.mu.Unlock()
	return nil
}

// Restore reads the latest state of key from the log without taking its
// lease (backups, tools): apply gets the latest snapshot and the changesets
// after it.
func (n *Node) Restore(ctx context.Context, key string, apply func(snapshot io.Reader, changesets [][]byte) error) error {
	enc := encodeKey(key)
	var end uint64
	m, err := n.shardOf(enc).log.GetLastMsgForSubject(ctx, n.logSubject(enc))
	switch {
	case err == nil:
		end = m.Sequence
	case errors.Is(err, jetstream.ErrMsgNotFound):
	default:
		return fmt.Errorf("cluster: restore %q: %w", key, err)
	}
	if _, err := n.restore(ctx, enc, end, apply); err != nil {
		return fmt.Errorf("cluster: restore %q: %w", key, err)
	}
	return nil
}

type restored struct {
	n     int
	bytes int64
	snap  string
}

// restore reads the subject up to sequence end (inclusive).
func (n *Node) restore(ctx context.Context, enc string, end uint64, apply func(io.Reader, [][]byte) error) (restored, error) {
	var st restored
	var css [][]byte
	// Messages are read one by one from the stream leader (not by direct
	// get, which a lagging follower may answer).
	subj := n.logSubject(enc)
	for seq := uint64(1); end > 0 && seq <= end; {
		m, err := n.shardOf(enc).log.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subj))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return st, fmt.Errorf("log ends before sequence %d", end)
		}
		if err != nil {
			return st, err
		}
		if m.Sequence > end {
			break
		}
		switch m.Header.Get(hdrKind) {
		case kindChangeset:
			css = append(css, m.Data)
			st.bytes += int64(len(m.Data))
		case kindSnapshot:
			css, st.bytes, st.snap = nil, 0, string(m.Data)
		}
		seq = m.Sequence + 1
	}
	st.n = len(css)
	var snap io.Reader
	if st.snap != "" {
		res, err := n.obs.Get(ctx, st.snap)
		if err != nil {
			return st, fmt.Errorf("snapshot %s: %w", st.snap, err)
		}
		defer res.Close()
		snap = res
	}
	return st, apply(snap, css)
}
