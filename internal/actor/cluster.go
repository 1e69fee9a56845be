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
// Not covered yet: hibernatable WebSockets across nodes (a socket stays
// with the node that accepted it and only works while that node owns the
// object) and alarms of objects that are resident nowhere after their
// owner died (they fire when the object is next touched).

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
}

func (m *Manager) initCluster() {
	if m.opts.Cluster == nil {
		return
	}
	m.cl = &clusterState{node: m.opts.Cluster, leases: map[objKey]*cluster.Lease{}, pending: map[objKey]chan struct{}{}}
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
}

type forwardReply struct {
	Value          any
	ErrName, Error string
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
	var payload []byte
	deadline := time.Now().Add(ForwardTimeout)
	backoff := 20 * time.Millisecond
	var last error
	for {
		if l := m.leaseOf(key); l != nil && l.Valid() {
			return m.event(ctx, ns, id, name, hook, args...)
		}
		owner, err := node.Owner(ctx, ck)
		switch {
		case errors.Is(err, cluster.ErrNoOwner) || err == nil && owner == node.ID():
			// Bounded per attempt: a JetStream leader election must not
			// hold the event past ForwardTimeout.
			octx, cancel := context.WithTimeout(ctx, 10*time.Second)
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
		default:
			if payload == nil {
				var b bytes.Buffer
				if err := gob.NewEncoder(&b).Encode(forwardMsg{ns, id, name, hook, args}); err != nil {
					return nil, fmt.Errorf("actor[%s] forward: %w", id, err)
				}
				payload = b.Bytes()
			}
			out, err := node.Forward(ctx, owner, ck, payload)
			if err == nil {
				var r forwardReply
				if err := gob.NewDecoder(bytes.NewReader(out)).Decode(&r); err != nil {
					return nil, fmt.Errorf("actor[%s] forward reply: %w", id, err)
				}
				if r.ErrName != "" {
					return nil, &engine.JSError{Name: r.ErrName, Message: r.Error}
				}
				return r.Value, nil
			}
			if !errors.Is(err, cluster.ErrNotOwner) && !errors.Is(err, cluster.ErrNoOwner) {
				return nil, err
			}
		}
		last = err
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("actor[%s]: no owner reachable after %v: %w", id, ForwardTimeout, last)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
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
	if l := m.leaseOf(objKey{f.NS, f.ID}); l == nil || !l.Valid() {
		return nil, cluster.ErrNotOwner
	}
	v, err := m.event(ctx, f.NS, f.ID, f.Name, f.Hook, f.Args...)
	var r forwardReply
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
	c.mu.Unlock()
	go m.watchLease(key, l)
	return nil
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
	if ms, ok, err := db.GetAlarm(); err == nil && ok {
		m.scheduleAlarm(key, ms)
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
	if m.cl.leases[key] == l {
		delete(m.cl.leases, key)
	}
	m.cl.mu.Unlock()
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
		return nil
	}
}

// releaseLease gives o's lease up when o leaves memory, so that another
// node may take the object at once.
func (m *Manager) releaseLease(o *object) {
	l := o.lease
	if l == nil {
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
