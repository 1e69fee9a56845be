// Package actor runs Durable Objects: namespaces and ids, routing every
// event of an object to its one live instance on one runtime of its worker's
// pool, storage host functions over internal/storage with write coalescing
// and the output gate (a turn's writes commit before its results leave),
// alarms with retries, and eviction of idle objects. The JS half is
// js/src/actor.js. It does not own HTTP serving (internal/worker) or SQLite
// details (internal/storage).
package actor

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/isola-run/isola/internal/cluster"
	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/storage"
	"github.com/isola-run/isola/internal/worker"
)

// Class is a Durable Object class bound in some worker's config.
type Class struct {
	// UniqueKey names the namespace on disk and seeds its ids.
	UniqueKey string
	// Worker is the name of the worker whose script exports the class.
	Worker string
	// ClassName is the exported class name.
	ClassName string
}

// UniqueKey returns the namespace key of class in worker.
func UniqueKey(workerName, className string) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
				return r
			}
			return '_'
		}, s)
	}
	return clean(workerName) + "." + clean(className)
}

// Options configures a Manager. The zero value is valid except Store.
type Options struct {
	// Store holds the objects' databases. Required.
	Store *storage.Store
	// IdleTimeout evicts an object with no event for this long; default
	// 70 s (workerd evicts idle objects after 70-140 s).
	IdleTimeout time.Duration
	// MaxResident bounds the objects held in memory; default 10000. Past
	// it the least recently used idle objects are evicted early.
	MaxResident int
	// Logger; default slog.Default().
	Logger *slog.Logger
	// AlarmBackoff is the first retry delay of a failed alarm, doubled on
	// each retry; default 2 s. AlarmRetries is the retry limit; default 6.
	AlarmBackoff time.Duration
	AlarmRetries int
	// HibernationTimeout evicts an object whose only work is hibernatable
	// WebSockets after this long without an event; default 10 s (workerd's),
	// or IdleTimeout if that is shorter. See hibernation.go.
	HibernationTimeout time.Duration
	// Cluster, if set, shares objects with other nodes: one owner per
	// object in the cluster, commits replicated to its log (cluster.go).
	// Default nil: this process alone owns its objects.
	Cluster *cluster.Node
}

// Manager owns every Durable Object of a process. It is goroutine-safe.
type Manager struct {
	opts Options
	reg  *worker.Registry
	log  *slog.Logger
	ctx  context.Context
	stop context.CancelFunc

	mu      sync.Mutex // guards following
	classes map[string]*Class
	objects map[objKey]*object
	alarms  map[objKey]*time.Timer
	closed  bool

	hib *hibernation  // hibernatable WebSockets (hibernation.go)
	cl  *clusterState // cluster mode (cluster.go); nil otherwise
}

type objKey struct{ ns, id string }

// object is one Durable Object's Go-side state. Fields after the mutex
// guard are loop-owned: used only on the goroutine of ref's runtime.
type object struct {
	key   objKey
	class *Class
	ref   *worker.Ref
	name  string

	// guarded by Manager.mu
	inflight int
	lastUsed time.Time
	evicting bool

	// lease is the cluster lease the object runs under (cluster.go); nil
	// outside cluster mode. Set at creation.
	lease *cluster.Lease

	// loop-owned
	db         *storage.DB
	alarmDirty bool
	nameStored bool // the name is recorded in the object's database
}

// New returns a Manager for the workers in reg.
func New(reg *worker.Registry, opts Options) *Manager {
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 70 * time.Second
	}
	if opts.MaxResident <= 0 {
		opts.MaxResident = 10000
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.AlarmBackoff <= 0 {
		opts.AlarmBackoff = 2 * time.Second
	}
	if opts.AlarmRetries <= 0 {
		opts.AlarmRetries = 6
	}
	if opts.HibernationTimeout <= 0 {
		opts.HibernationTimeout = min(10*time.Second, opts.IdleTimeout)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{
		opts: opts, reg: reg, log: opts.Logger, ctx: ctx, stop: cancel,
		classes: map[string]*Class{}, objects: map[objKey]*object{}, alarms: map[objKey]*time.Timer{},
		hib: newHibernation(),
	}
	m.initCluster() // cluster.go
	go m.sweep()
	return m
}

// AddClass declares a class. Re-adding (on reload) replaces it.
func (m *Manager) AddClass(c Class) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cc := c
	m.classes[c.UniqueKey] = &cc
}

// Start schedules the alarms persisted in the store, including those that
// fell due while the server was down.
func (m *Manager) Start() error {
	if m.cl != nil {
		// Cluster mode: an object's alarm is scheduled by the node that
		// rebuilds it (cluster.go); the local index names stale epochs.
		return nil
	}
	due, err := m.opts.Store.DueAlarms(1<<62 - 1)
	if err != nil {
		return fmt.Errorf("actor: start: %w", err)
	}
	for _, a := range due {
		m.scheduleAlarm(objKey{a.Namespace, a.ID}, a.Time)
	}
	return nil
}

// Close stops timers and evicts every object, committing its writes.
func (m *Manager) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	for _, t := range m.alarms {
		t.Stop()
	}
	objs := make([]*object, 0, len(m.objects))
	for _, o := range m.objects {
		objs = append(objs, o)
	}
	m.mu.Unlock()
	m.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, o := range objs {
		m.evict(ctx, o)
	}
	m.closeHibernatable() // hibernation.go: a code update disconnects them
}

// ErrUnknownClass is returned for an event to a namespace no worker declares.
var ErrUnknownClass = errors.New("actor: unknown Durable Object class")

// route returns the live object for key, creating its Go state if needed,
// and counts an event in flight on it. The caller must call done.
func (m *Manager) route(key objKey, name string) (*object, func(), error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, nil, engine.ErrClosed
	}
	c := m.classes[key.ns]
	if c == nil {
		return nil, nil, fmt.Errorf("%w %q", ErrUnknownClass, key.ns)
	}
	o := m.objects[key]
	if o != nil && !o.evicting {
		// A runtime replaced after a limit kill loses its instances.
		if w := m.reg.Get(c.Worker); w != nil {
			if ref, err := w.Ref(o.ref.Index); err == nil && ref != o.ref {
				delete(m.objects, key)
				o = nil
			}
		}
	} else {
		o = nil
	}
	if o == nil {
		w := m.reg.Get(c.Worker)
		if w == nil {
			return nil, nil, fmt.Errorf("actor: worker %q of class %s is not running", c.Worker, c.ClassName)
		}
		h := fnv.New32a()
		h.Write([]byte(key.id))
		ref, err := w.Ref(int(h.Sum32() % uint32(w.Size())))
		if err != nil {
			return nil, nil, err
		}
		o = &object{key: key, class: c, ref: ref, name: name, lease: m.leaseOf(key)}
		m.objects[key] = o
		go m.logHibernate(key, false) // hibernation.go: woke up?
		if len(m.objects) > m.opts.MaxResident {
			go m.trim()
		}
	}
	if o.name == "" && name != "" {
		o.name = name
	}
	o.inflight++
	o.lastUsed = time.Now()
	return o, func() {
		m.mu.Lock()
		o.inflight--
		o.lastUsed = time.Now()
		m.mu.Unlock()
	}, nil
}

// Event delivers one event (hook "actor.fetch", "actor.rpc", "actor.alarm")
// to the object's instance and returns the hook's result.
func (m *Manager) Event(ctx context.Context, ns, id, name, hook string, args ...any) (any, error) {
	if m.cl != nil {
		return m.clusterEvent(ctx, ns, id, name, hook, args) // cluster.go: here or forwarded
	}
	return m.event(ctx, ns, id, name, hook, args...)
}

// event delivers an event to the instance in this process.
func (m *Manager) event(ctx context.Context, ns, id, name, hook string, args ...any) (any, error) {
	o, done, err := m.route(objKey{ns, id}, name)
	if err != nil {
		return nil, err
	}
	defer done()
	all := append([]any{ns, o.class.ClassName, id, o.name}, args...)
	return o.ref.Runtime().Call(ctx, hook, all...)
}

// sweep evicts idle objects periodically.
func (m *Manager) sweep() {
	tick := min(m.opts.IdleTimeout, m.opts.HibernationTimeout) / 4
	if tick > 5*time.Second {
		tick = 5 * time.Second
	}
	if tick < 10*time.Millisecond {
		tick = 10 * time.Millisecond
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		var idle []*object
		m.mu.Lock()
		for _, o := range m.objects {
			if o.inflight == 0 && !o.evicting && o.lastUsed.Before(m.idleCut(o, now)) {
				o.evicting = true
				idle = append(idle, o)
			}
		}
		m.mu.Unlock()
		for _, o := range idle {
			ctx, cancel := context.WithTimeout(m.ctx, 30*time.Second)
			m.evict(ctx, o)
			cancel()
		}
	}
}

// trim evicts the least recently used idle objects over MaxResident.
func (m *Manager) trim() {
	m.mu.Lock()
	over := len(m.objects) - m.opts.MaxResident
	var idle []*object
	for _, o := range m.objects {
		if o.inflight == 0 && !o.evicting {
			idle = append(idle, o)
		}
	}
	sort.Slice(idle, func(i, j int) bool { return idle[i].lastUsed.Before(idle[j].lastUsed) })
	if over < len(idle) {
		idle = idle[:max(over, 0)]
	}
	for _, o := range idle {
		o.evicting = true
	}
	m.mu.Unlock()
	for _, o := range idle {
		ctx, cancel := context.WithTimeout(m.ctx, 30*time.Second)
		m.evict(ctx, o)
		cancel()
	}
}

// evict drops the object's instance and closes its database, on its loop.
func (m *Manager) evict(ctx context.Context, o *object) {
	rt := o.ref.Runtime()
	_, err := rt.Call(ctx, "actor.evict", o.key.ns, o.key.id)
	m.logHibernate(o.key, true) // hibernation.go: sockets stay open
	if err != nil {
		// The runtime is gone or broken: release directly, nothing runs there.
		m.release(o)
	}
}

// release closes the object's database and forgets it (on its loop, or
// when its runtime no longer runs).
func (m *Manager) release(o *object) {
	if o.db != nil {
		if o.db.InTransaction() {
			cs, err := o.db.Commit()
			if err != nil {
				m.log.Error("commit on eviction failed", "object", o.key.id, "error", err)
			} else if wait := m.replicate(o, cs); wait != nil {
				wait() // cluster.go; a failure is logged by the lease
			}
		}
		m.opts.Store.Release(o.db)
		o.db = nil
	}
	m.mu.Lock()
	if m.objects[o.key] == o {
		delete(m.objects, o.key)
	}
	m.mu.Unlock()
	m.releaseLease(o) // cluster.go: let another node take it
}

// Resident reports how many objects are in memory.
func (m *Manager) Resident() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.objects)
}

// scheduleAlarm arms (or re-arms) the timer of key's alarm at ms.
func (m *Manager) scheduleAlarm(key objKey, ms int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	if t := m.alarms[key]; t != nil {
		t.Stop()
	}
	d := time.Until(time.UnixMilli(ms))
	m.alarms[key] = time.AfterFunc(max(d, 0), func() { m.fireAlarm(key, ms, 0) })
}

func (m *Manager) cancelAlarm(key objKey) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t := m.alarms[key]; t != nil {
		t.Stop()
		delete(m.alarms, key)
	}
}

// storedName returns the name recorded in the database of an object that is
// not in memory (an alarm woke it, e.g. after a restart), so ctx.id.name is
// right; "" when resident (the instance knows its name) or unknown.
func (m *Manager) storedName(key objKey) string {
	m.mu.Lock()
	_, resident := m.objects[key]
	m.mu.Unlock()
	if resident || m.cl != nil {
		return ""
	}
	db, err := m.opts.Store.Acquire(key.ns, key.id)
	if err != nil {
		return ""
	}
	defer m.opts.Store.Release(db)
	name, _, _ := db.Name()
	return name
}

// fireAlarm runs the alarm handler; on failure it retries with exponential
// backoff, up to AlarmRetries times (at-least-once delivery).
func (m *Manager) fireAlarm(key objKey, ms int64, retry int) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	delete(m.alarms, key)
	m.mu.Unlock()
	ctx, cancel := context.WithTimeout(m.ctx, 15*time.Minute)
	defer cancel()
	info := map[string]any{"retryCount": retry, "isRetry": retry > 0, "scheduledTime": ms}
	v, err := m.Event(ctx, key.ns, key.id, m.storedName(key), "actor.alarm", info)
	if err == nil {
		if r, _ := v.(map[string]any); r != nil {
			if next, ok := r["next"].(float64); ok {
				m.scheduleAlarm(key, int64(next))
			}
		}
		return
	}
	if errors.Is(err, engine.ErrClosed) || m.ctx.Err() != nil {
		return
	}
	m.log.Error("alarm handler failed", "namespace", key.ns, "object", key.id, "retry", retry, "error", err)
	if retry >= m.opts.AlarmRetries {
		m.log.Error("alarm dropped after retries", "namespace", key.ns, "object", key.id)
		return
	}
	delay := m.opts.AlarmBackoff << retry
	m.mu.Lock()
	if !m.closed {
		m.alarms[key] = time.AfterFunc(delay, func() { m.fireAlarm(key, ms, retry+1) })
	}
	m.mu.Unlock()
}
