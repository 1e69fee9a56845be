package actor

// Cluster mode (Options.Cluster set): every object has one owner in the
// whole cluster, the node holding its lease (internal/cluster). An event
// for an object owned elsewhere is forwarded there; an object owned by no
// one is taken by the node that received the event, which first rebuilds
// its database from the replicated log. Every commit's changeset is
// appended to the log, fenced by the lease, and the output gate waits for
// that append. Each ownership epoch has its own database file,
// <ns>/<id>.e<epoch>.sqlite, so that a stale copy is never reopened.
//
// Placement: the node that receives an event for an unowned object takes
// it, unless it leads the object's shard (cluster.Node.TakePeer): then it
// asks another node to take it, so that its own death never makes the
// object's next owner wait for a JetStream election. A node that comes to
// lead a shard gives that shard's objects back (clusterLoop).
//
// Alarms: the owner keeps the object's alarm timer and writes the alarm
// into the replicated alarm index behind the commit's append; every node
// scans the index and takes (or has a peer take) an unowned object whose
// alarm is due, and rebuilding it schedules the alarm there. An alarm is
// fired at most once per scheduled time by one owner (alarmRec), however
// many stale timers ask for it.
//
// WebSockets: a socket stays on the node its client reached. A forwarded
// fetch that answers 101 exports the object's end to the forwarding node,
// which relays the client's events to the owner and the object's sends
// back (HandleForward, forward, cluster_ws.go); the object's side of the
// socket (getWebSockets, tags, attachments, hibernation) lives on the
// owner, which keeps the lease of an object holding hibernatable sockets
// while it hibernates. A lost lease closes the object's sockets with 1012;
// a dead node's relayed sockets close after the relay's heartbeat gives up
// on it (docs/deployment.md, "WebSockets across nodes").

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/isola-run/isola/internal/cluster"
	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/storage"
	"github.com/isola-run/isola/internal/websocket"
)

func init() {
	// The bridged values of event arguments and results.
	gob.Register(map[string]any{})
	gob.Register([]any{})
	gob.Register([]byte{})
	gob.Register(float64(0))
	gob.Register(int64(0))
	gob.Register("")
	gob.Register(false)
}

// clusterState is the Manager's cluster-mode state. It is goroutine-safe.
type clusterState struct {
	node *cluster.Node

	mu      sync.Mutex // guards following
	leases  map[objKey]*cluster.Lease
	pending map[objKey]chan struct{} // acquisitions in progress
	// alarmRec is the alarm firing or fired last per object under the
	// current lease: a second request for the same scheduled time (a stale
	// timer, a rebuild's timer) is skipped.
	alarmRec map[objKey]alarmRec
	waking   map[objKey]bool // objects being taken for their due alarm

	// relay joins the sockets whose client reached another node to their
	// objects here, and this node's clients to objects elsewhere
	// (cluster_ws.go); stopRelay ends its subscription. Set at start.
	relay     *websocket.Relay
	stopRelay func()
}

type alarmRec struct {
	ms   int64
	done bool
}

func (m *Manager) initCluster() {
	if m.opts.Cluster == nil {
		return
	}
	m.cl = &clusterState{
		node: m.opts.Cluster, leases: map[objKey]*cluster.Lease{}, pending: map[objKey]chan struct{}{},
		alarmRec: map[objKey]alarmRec{}, waking: map[objKey]bool{},
	}
	m.initRelay() // cluster_ws.go
	go m.clusterLoop()
}

// splitClusterKey inverts clusterKey (ids contain no '/').
func splitClusterKey(k string) (objKey, bool) {
	i := strings.LastIndexByte(k, '/')
	if i < 0 {
		return objKey{}, false
	}
	return objKey{k[:i], k[i+1:]}, true
}

// alarmGrace is how long a due alarm of an unowned object waits before a
// node's index scan wakes it: the node whose timer fires at the due time
// usually takes it first.
const alarmGrace = time.Second

// clusterLoop wakes unowned objects whose alarm is due (four times a
// second) and gives back objects of shards this node leads (every 2 s).
func (m *Manager) clusterLoop() {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-m.ctx.Done():
			return
		case <-t.C:
		}
		due, _ := m.cl.node.Due(time.Now().Add(-alarmGrace))
		for _, a := range due {
			key, ok := splitClusterKey(a.Key)
			if !ok || m.leaseOf(key) != nil {
				continue
			}
			m.cl.mu.Lock()
			busy := m.cl.waking[key]
			m.cl.waking[key] = true
			m.cl.mu.Unlock()
			if !busy {
				go m.wakeForAlarm(key)
			}
		}
		if i%8 == 0 {
			m.giveBackLed()
		}
	}
}

// wakeForAlarm takes key (or has a peer take it) so that its rebuild
// schedules its due alarm.
func (m *Manager) wakeForAlarm(key objKey) {
	defer func() {
		m.cl.mu.Lock()
		delete(m.cl.waking, key)
		m.cl.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(m.ctx, 15*time.Second)
	defer cancel()
	ck := clusterKey(key)
	if _, err := m.cl.node.OwnerFresh(ctx, ck); !errors.Is(err, cluster.ErrNoOwner) {
		return // owned: its owner's timer fires it
	}
	if peer := m.cl.node.TakePeer(ck); peer != "" {
		if _, err := m.forward(ctx, peer, key, forwardMsg{NS: key.ns, ID: key.id, Take: true}); err == nil {
			return
		}
	}
	if err := m.own(ctx, key); err != nil && !errors.Is(err, cluster.ErrHeld) {
		m.log.Warn("waking object for its alarm failed", "object", key.id, "error", err)
	}
}

// giveBackLed releases the objects of shards this node now leads, so that
// they move to a node whose death would not stall them (cluster/shard.go).
func (m *Manager) giveBackLed() {
	m.cl.mu.Lock()
	var keys []objKey
	for k := range m.cl.leases {
		// An object with sockets accepted here stays: its sockets cannot
		// follow it (docs/deployment.md).
		if m.cl.node.ShouldMove(clusterKey(k)) && m.hib.sockets(k) == 0 {
			keys = append(keys, k)
		}
	}
	m.cl.mu.Unlock()
	for _, k := range keys {
		m.log.Info("giving object back: this node leads its shard", "object", k.id)
		ctx, cancel := context.WithTimeout(m.ctx, 10*time.Second)
		m.evictKey(ctx, k)
		m.cl.mu.Lock()
		l := m.cl.leases[k]
		if l != nil {
			delete(m.cl.leases, k)
		}
		m.cl.mu.Unlock()
		if l != nil {
			l.Release(ctx)
		}
		cancel()
	}
}

func clusterKey(k objKey) string { return k.ns + "/" + k.id }

// leaseOf returns the current lease of key on this node, or nil (always
// nil outside cluster mode).
func (m *Manager) leaseOf(key objKey) *cluster.Lease {
	if m.cl == nil {
		return nil
	}
	m.cl.mu.Lock()
	defer m.cl.mu.Unlock()
	return m.cl.leases[key]
}

// dbID is the Store id of the object's database: the object id, plus the
// epoch in cluster mode.
func dbID(o *object) string {
	if o.lease == nil {
		return o.key.id
	}
	return o.key.id + ".e" + strconv.FormatUint(o.lease.Epoch(), 10)
}

// forwardMsg is an event sent to the owner, and its answer.
type forwardMsg struct {
	NS, ID, Name, Hook string
	Args               []any
	// Take asks the receiver to take the object if no node owns it (the
	// sender leads its shard). An empty Hook then only takes it.
	Take bool
	// From is the sending node: a WebSocket in the answer is exported to
	// it (cluster_ws.go). Empty from a node that predates relayed sockets.
	From string
}

type forwardReply struct {
	Value          any
	ErrName, Error string
	// WS is the link the owner exported for the WebSocket of a 101 answer
	// (Value's webSocket, an end in the owner's hub): the sender imports
	// it and puts its own end in Value.
	WS uint64
}

// ForwardTimeout bounds how long an event waits for its object to have a
// reachable owner (a failover takes the lease TTL plus an election).
const ForwardTimeout = 30 * time.Second

// clusterEvent runs an event on the object's owner: here if this node
// holds (or can take) the lease, else on the owner by forwarding.
func (m *Manager) clusterEvent(ctx context.Context, ns, id, name, hook string, args []any) (any, error) {
	key := objKey{ns, id}
	ck := clusterKey(key)
	node := m.cl.node
	msg := forwardMsg{NS: ns, ID: id, Name: name, Hook: hook, Args: args}
	deadline := time.Now().Add(ForwardTimeout)
	backoff := 10 * time.Millisecond
	triedPeer := false
	var last error
	var warned time.Time
	var owner string
	for {
		if l := m.leaseOf(key); l != nil && l.Valid() {
			return m.ownerEvent(ctx, key, name, hook, args)
		}
		var err error
		owner, err = node.Owner(ctx, ck)
		switch {
		case errors.Is(err, cluster.ErrNoOwner) || err == nil && owner == node.ID():
			// This node leads the object's shard: a peer takes it, once;
			// if that fails, this node does. Not for a socket's event: the
			// socket lives here, so the object must too.
			if peer := node.TakePeer(ck); peer != "" && !triedPeer && hook != "actor.ws" {
				triedPeer = true
				take := msg
				take.Take = true
				v, err := m.forward(ctx, peer, key, take)
				if err == nil || !errors.Is(err, cluster.ErrNotOwner) && !errors.Is(err, cluster.ErrNoOwner) {
					return v, err
				}
				last = err
				continue
			}
			// Bounded per attempt: a JetStream leader election must not
			// hold the event past ForwardTimeout.
			octx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err = m.own(octx, key)
			cancel()
			if err == nil {
				continue
			}
			if !errors.Is(err, cluster.ErrHeld) && ctx.Err() != nil {
				return nil, err
			}
			if !errors.Is(err, cluster.ErrHeld) {
				m.log.Warn("taking object failed; retrying", "object", id, "error", err)
			}
		case err != nil:
			return nil, err
		case hook == "actor.ws":
			// The event names a socket of this process's hub: another
			// node cannot deliver it (routing sockets between nodes is not
			// supported yet).
			return nil, fmt.Errorf("actor[%s]: WebSocket event for an object owned by node %s; its sockets are on node %s", id, owner, node.ID())
		default:
			t0 := time.Now()
			var v any
			v, err = m.forward(ctx, owner, key, msg)
			if err == nil || !errors.Is(err, cluster.ErrNotOwner) && !errors.Is(err, cluster.ErrNoOwner) {
				return v, err
			}
			if d := time.Since(t0); d > 3*time.Second {
				m.log.Warn("forward to the owner gave up late", "object", id, "owner", owner, "after", d.Round(time.Millisecond), "error", err)
			}
		}
		last = err
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("actor[%s]: no owner reachable after %v: %w", id, ForwardTimeout, last)
		}
		if waited := time.Since(deadline.Add(-ForwardTimeout)); waited > 5*time.Second && time.Since(warned) > 5*time.Second {
			warned = time.Now()
			m.log.Warn("event still looking for the object's owner", "object", id, "waited", waited.Round(time.Millisecond), "owner", owner, "error", last)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(backoff):
		}
		// Short steps: after a failover the new owner is reachable as soon
		// as the lease expired; a long sleep only adds to the outage.
		backoff = min(2*backoff, 100*time.Millisecond)
	}
}

// forward sends f to node and decodes its answer.
func (m *Manager) forward(ctx context.Context, node string, key objKey, f forwardMsg) (any, error) {
	f.From = m.cl.node.ID()
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(f); err != nil {
		return nil, fmt.Errorf("actor[%s] forward: %w", key.id, err)
	}
	fwd := m.cl.node.Forward
	if f.Take {
		fwd = m.cl.node.ForwardTake
	}
	out, err := fwd(ctx, node, clusterKey(key), b.Bytes())
	if err != nil {
		return nil, err
	}
	var r forwardReply
	if err := gob.NewDecoder(bytes.NewReader(out)).Decode(&r); err != nil {
		return nil, fmt.Errorf("actor[%s] forward reply: %w", key.id, err)
	}
	if r.ErrName != "" {
		return nil, &engine.JSError{Name: r.ErrName, Message: r.Error}
	}
	if r.WS != 0 {
		// A 101 with a WebSocket of the owner's: stand for it here.
		if err := m.importSocket(ctx, node, key, r.WS, r.Value); err != nil {
			return nil, err
		}
	}
	return r.Value, nil
}

// ownerEvent runs an event on this node, the object's owner. An alarm
// already firing or fired for the same scheduled time under this lease is
// skipped (reported as handled).
func (m *Manager) ownerEvent(ctx context.Context, key objKey, name, hook string, args []any) (any, error) {
	if hook != "actor.alarm" || len(args) == 0 {
		return m.event(ctx, key.ns, key.id, name, hook, args...)
	}
	info, _ := args[0].(map[string]any)
	ms, ok := info["scheduledTime"].(int64)
	if !ok {
		return m.event(ctx, key.ns, key.id, name, hook, args...)
	}
	c := m.cl
	c.mu.Lock()
	if r, seen := c.alarmRec[key]; seen && r.ms == ms {
		c.mu.Unlock()
		return map[string]any{}, nil
	}
	c.alarmRec[key] = alarmRec{ms: ms}
	c.mu.Unlock()
	v, err := m.event(ctx, key.ns, key.id, name, hook, args...)
	c.mu.Lock()
	if err != nil {
		delete(c.alarmRec, key) // a retry may run it again
	} else {
		c.alarmRec[key] = alarmRec{ms: ms, done: true}
	}
	c.mu.Unlock()
	return v, err
}

// HandleForward serves an event forwarded by another node (the handler of
// cluster.Node.Serve).
func (m *Manager) HandleForward(ctx context.Context, key string, payload []byte) ([]byte, error) {
	var f forwardMsg
	if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&f); err != nil {
		return nil, fmt.Errorf("actor: forwarded event: %w", err)
	}
	if m.cl == nil || clusterKey(objKey{f.NS, f.ID}) != key {
		return nil, cluster.ErrNotOwner
	}
	k := objKey{f.NS, f.ID}
	if l := m.leaseOf(k); l == nil || !l.Valid() {
		if !f.Take {
			return nil, cluster.ErrNotOwner
		}
		// Asked to take the object (the sender leads its shard); bounded
		// like a local attempt (the sender retries).
		octx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := m.own(octx, k)
		cancel()
		if err != nil {
			return nil, cluster.ErrNotOwner
		}
		if l := m.leaseOf(k); l == nil || !l.Valid() {
			return nil, cluster.ErrNotOwner
		}
	}
	var v any
	var err error
	if f.Hook != "" {
		v, err = m.ownerEvent(ctx, k, f.Name, f.Hook, f.Args)
	}
	var r forwardReply
	if doc, _ := v.(map[string]any); err == nil && f.Hook == "actor.fetch" && doc != nil && doc["webSocket"] != nil {
		// A WebSocket crosses to Go as the id of an end in this process's
		// hub: export that end to the sender, which serves its client
		// with an end of its own joined to it (cluster_ws.go).
		r.WS, err = m.exportSocket(k, doc, f.From)
		if err != nil {
			v = nil
		}
	}
	if err != nil {
		// The caller sees what a local caller's JS would see.
		var je *engine.JSError
		if errors.As(publicError(err), &je) {
			r.ErrName, r.Error = je.Name, je.Message
		} else {
			r.ErrName, r.Error = "Error", err.Error()
		}
	} else {
		r.Value = v
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(r); err != nil {
		return nil, fmt.Errorf("actor[%s] forward reply: %w", f.ID, err)
	}
	return b.Bytes(), nil
}

// own takes the lease of key, rebuilds the object's database for the new
// epoch and makes the lease current. Concurrent callers for one key wait
// for the first.
func (m *Manager) own(ctx context.Context, key objKey) error {
	c := m.cl
	c.mu.Lock()
	if ch := c.pending[key]; ch != nil {
		c.mu.Unlock()
		select {
		case <-ch:
			return nil // the caller re-checks the lease
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	ch := make(chan struct{})
	c.pending[key] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, key)
		c.mu.Unlock()
		close(ch)
	}()

	// An instance left from an earlier lease of this node must go first:
	// its memory and database may hold writes the log refused.
	m.evictKey(ctx, key)
	t0 := time.Now()
	l, err := c.node.Acquire(ctx, clusterKey(key))
	if err != nil {
		return err
	}
	t1 := time.Now()
	path := m.opts.Store.Path(key.ns, key.id+".e"+strconv.FormatUint(l.Epoch(), 10))
	if err := l.Restore(ctx, func(snap io.Reader, css [][]byte) error {
		return m.rebuild(key, l, path, snap, css)
	}); err != nil {
		l.Release(context.Background())
		return fmt.Errorf("actor[%s] rebuild: %w", key.id, err)
	}
	m.log.Info("took object", "object", key.id, "epoch", l.Epoch(), "acquire", t1.Sub(t0), "rebuild", time.Since(t1))
	c.mu.Lock()
	c.leases[key] = l
	delete(c.alarmRec, key)
	c.mu.Unlock()
	go m.watchLease(key, l)
	m.syncAlarm(key, l, path)
	return nil
}

// syncAlarm schedules the rebuilt object's alarm and brings the alarm
// index in line with it.
func (m *Manager) syncAlarm(key objKey, l *cluster.Lease, path string) {
	db, err := m.opts.Store.Acquire(key.ns, key.id+".e"+strconv.FormatUint(l.Epoch(), 10))
	if err != nil {
		return
	}
	ms, set, err := db.GetAlarm()
	m.opts.Store.Release(db)
	if err != nil {
		return
	}
	if set {
		m.scheduleAlarm(key, ms)
	}
	idx, indexed := m.cl.node.IndexedAlarm(clusterKey(key))
	if indexed == set && idx == ms {
		return
	}
	wait := l.SetAlarmAsync(ms, set)
	go func() {
		if err := wait(m.ctx); err != nil {
			m.log.Warn("alarm index update failed", "object", key.id, "error", err)
		}
	}()
}

// rebuild writes the snapshot to path and applies the changesets, then
// schedules the object's alarm.
func (m *Manager) rebuild(key objKey, l *cluster.Lease, path string, snap io.Reader, css [][]byte) error {
	removeDBFiles(path)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if snap != nil {
		if err := writeSnapshot(snap, path); err != nil {
			return err
		}
	}
	id := key.id + ".e" + strconv.FormatUint(l.Epoch(), 10)
	db, err := m.opts.Store.Acquire(key.ns, id)
	if err != nil {
		return err
	}
	defer m.opts.Store.Release(db)
	for _, cs := range css {
		if err := storage.ApplyChangeset(db, cs); err != nil {
			return err
		}
	}
	// Files of earlier epochs are stale now.
	if old, _ := filepath.Glob(filepath.Join(filepath.Dir(path), key.id+".e*.sqlite*")); len(old) > 0 {
		for _, f := range old {
			if !strings.HasPrefix(f, path) {
				os.Remove(f)
			}
		}
	}
	return nil
}

// watchLease evicts the object when its lease is lost.
func (m *Manager) watchLease(key objKey, l *cluster.Lease) {
	select {
	case <-l.Done():
	case <-m.ctx.Done():
		return
	}
	m.cl.mu.Lock()
	lost := m.cl.leases[key] == l // not given back by this node
	if lost {
		delete(m.cl.leases, key)
		delete(m.cl.alarmRec, key)
	}
	m.cl.mu.Unlock()
	if lost {
		// cluster_ws.go: the next owner cannot serve them; closed before
		// the eviction, so that none of their events re-takes the lease.
		m.closeSockets(key)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m.evictKey(ctx, key)
}

// evictKey evicts key's resident instance, if any, and waits for it.
func (m *Manager) evictKey(ctx context.Context, key objKey) {
	m.mu.Lock()
	o := m.objects[key]
	if o != nil {
		o.evicting = true
	}
	m.mu.Unlock()
	if o != nil {
		m.evict(ctx, o)
	}
}

// replicate appends a commit's changeset under o's lease and returns the
// wait of the output gate; it queues a snapshot when one is due. It is nil
// outside cluster mode. Called on o's loop right after Commit.
func (m *Manager) replicate(o *object, cs storage.Changeset) func() error {
	if o.lease == nil {
		return nil
	}
	wait := o.lease.AppendAsync(cs)
	var alarmWait func(context.Context) error
	if o.alarmDirty {
		// The alarm index follows the commit that changed the alarm, and
		// the output gate waits for it too (alarm.go in internal/cluster).
		if ms, set, err := o.db.GetAlarm(); err == nil {
			alarmWait = o.lease.SetAlarmAsync(ms, set)
		}
	}
	if len(cs) > 0 && o.lease.NeedSnapshot() {
		if data, err := readSnapshot(o.db.Path()); err == nil {
			done := o.lease.SnapshotAsync(bytes.NewReader(data))
			go func() {
				if err := done(m.ctx); err != nil {
					m.log.Warn("snapshot failed", "object", o.key.id, "error", err)
				}
			}()
		}
	}
	return func() error {
		ctx, cancel := context.WithTimeout(m.ctx, time.Minute)
		defer cancel()
		if err := wait(ctx); err != nil {
			return fmt.Errorf("actor[%s] replicate: %w", o.key.id, err)
		}
		if alarmWait != nil {
			if err := alarmWait(ctx); err != nil {
				return fmt.Errorf("actor[%s] alarm index: %w", o.key.id, err)
			}
		}
		return nil
	}
}

// releaseLease gives o's lease up when o leaves memory, so that another
// node may take the object at once; not while it holds hibernatable
// sockets (it hibernates: the sockets' next event wakes it here, where
// they are; releaseUnused gives the lease up once they closed).
func (m *Manager) releaseLease(o *object) {
	l := o.lease
	if l == nil || m.hib.sockets(o.key) > 0 {
		return
	}
	m.cl.mu.Lock()
	if m.cl.leases[o.key] == l {
		delete(m.cl.leases, o.key)
	}
	m.cl.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		l.Release(ctx)
	}()
}

// A snapshot is the database at rest (no transaction open, read on the
// loop that owns it): uvarint length of the main file, the main file, then
// the WAL.
func readSnapshot(path string) ([]byte, error) {
	main, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	wal, err := os.ReadFile(path + "-wal")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	b := binary.AppendUvarint(make([]byte, 0, len(main)+len(wal)+10), uint64(len(main)))
	return append(append(b, main...), wal...), nil
}

func writeSnapshot(r io.Reader, path string) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	n, k := binary.Uvarint(data)
	if k <= 0 || n > uint64(len(data)-k) {
		return errors.New("actor: bad snapshot")
	}
	if err := os.WriteFile(path, data[k:k+int(n)], 0o644); err != nil {
		return err
	}
	if wal := data[k+int(n):]; len(wal) > 0 {
		return os.WriteFile(path+"-wal", wal, 0o644)
	}
	return nil
}

func removeDBFiles(path string) {
	for _, s := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + s)
	}
}
