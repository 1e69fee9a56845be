package actor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/websocket"
	"github.com/isola-run/isola/internal/worker"
)

// The WebSocket hibernation API, Go side. Sockets an object accepts with
// ctx.acceptWebSocket belong to the Manager, not to the object's JS
// instance: their ends live in websocket.Default, and their tags,
// attachments and auto-response timestamps in the ends' Meta. An object
// whose only work is such sockets is evicted after
// Options.HibernationTimeout; the next message routes an event to it
// (actor.ws), which re-creates the instance (its constructor runs again)
// and wraps the ends anew. The JS half is js/src/actor_ws.js.

// Limits, as in workerd.
const (
	maxHibernatableSockets = 32768
	maxAutoResponseBytes   = 2048
	maxEventTimeout        = 604800 * 1000 * time.Millisecond
)

// hibernation holds every object's hibernatable sockets. It is
// goroutine-safe.
type hibernation struct {
	mu   sync.Mutex // guards objs
	objs map[objKey]*hibObject
}

// hibObject is one object's hibernation state; guarded by hibernation.mu.
type hibObject struct {
	name    string
	sockets []*websocket.Endpoint // in acceptance order
	autoReq string
	autoRes string
	auto    bool
	timeout time.Duration
}

func newHibernation() *hibernation { return &hibernation{objs: map[objKey]*hibObject{}} }

// objLocked returns key's state, creating it.
func (h *hibernation) objLocked(key objKey) *hibObject {
	o := h.objs[key]
	if o == nil {
		o = &hibObject{}
		h.objs[key] = o
	}
	return o
}

// sockets is how many hibernatable sockets key holds.
func (h *hibernation) sockets(key objKey) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if o := h.objs[key]; o != nil {
		return len(o.sockets)
	}
	return 0
}

func (h *hibernation) remove(key objKey, e *websocket.Endpoint) {
	h.mu.Lock()
	defer h.mu.Unlock()
	o := h.objs[key]
	if o == nil {
		return
	}
	o.sockets = slices.DeleteFunc(o.sockets, func(x *websocket.Endpoint) bool { return x == e })
	if len(o.sockets) == 0 && !o.auto && o.timeout == 0 {
		delete(h.objs, key)
	}
}

// HibernationInfo describes one object with hibernatable sockets.
type HibernationInfo struct {
	Namespace string `json:"namespace"`
	ID        string `json:"id"`
	Name      string `json:"name,omitempty"`
	Sockets   int    `json:"sockets"`
	// Hibernated is true when the object's instance is not in memory.
	Hibernated bool `json:"hibernated"`
}

// Hibernation lists the objects holding hibernatable WebSockets and whether
// each is in memory (for inspection; workerd has no equivalent).
func (m *Manager) Hibernation() []HibernationInfo {
	m.hib.mu.Lock()
	var out []HibernationInfo
	for k, o := range m.hib.objs {
		if len(o.sockets) > 0 {
			out = append(out, HibernationInfo{Namespace: k.ns, ID: k.id, Name: o.name, Sockets: len(o.sockets)})
		}
	}
	m.hib.mu.Unlock()
	m.mu.Lock()
	for i := range out {
		_, resident := m.objects[objKey{out[i].Namespace, out[i].ID}]
		out[i].Hibernated = !resident
	}
	m.mu.Unlock()
	return out
}

// idleCut is when an object last used before it may be evicted: the
// hibernation timeout for an object holding hibernatable sockets, the idle
// timeout otherwise.
func (m *Manager) idleCut(o *object, now time.Time) time.Time {
	if m.hib.sockets(o.key) > 0 {
		return now.Add(-m.opts.HibernationTimeout)
	}
	return now.Add(-m.opts.IdleTimeout)
}

// logHibernate notes an eviction that keeps sockets open (the object
// hibernates) and logHibernate(false) its wake-up.
func (m *Manager) logHibernate(key objKey, asleep bool) {
	n := m.hib.sockets(key)
	if n == 0 {
		return
	}
	if asleep {
		m.log.Info("durable object hibernated", "namespace", key.ns, "object", key.id, "sockets", n)
	} else {
		m.log.Info("durable object woke from hibernation", "namespace", key.ns, "object", key.id, "sockets", n)
	}
}

// closeHibernatable closes every hibernatable socket with 1001 (Manager
// Close: a code update disconnects them, as in workerd), then every socket
// relayed between this node and others.
func (m *Manager) closeHibernatable() {
	m.hib.mu.Lock()
	var all []*websocket.Endpoint
	for _, o := range m.hib.objs {
		all = append(all, o.sockets...)
	}
	m.hib.objs = map[objKey]*hibObject{}
	m.hib.mu.Unlock()
	for _, e := range all {
		e.Abort(1001, "Durable Object is shutting down")
	}
	m.closeRelay() // cluster_ws.go: and the sockets relayed to or from other nodes
}

// deliver hands one event of a hibernatable socket to its object, waking
// it if needed; an auto-response is answered here without the object.
func (m *Manager) deliverWS(key objKey, e *websocket.Endpoint, ev websocket.Event) {
	m.hib.mu.Lock()
	o := m.hib.objs[key]
	var name string
	var timeout time.Duration
	if o != nil {
		if ev.Kind == websocket.Text && o.auto && string(ev.Data) == o.autoReq {
			res := o.autoRes
			m.hib.mu.Unlock()
			_ = e.Send(websocket.Event{Kind: websocket.Text, Data: []byte(res)})
			e.UpdateMeta(func(mm *websocket.Meta) { mm.AutoResponseAt = time.Now() })
			return
		}
		name, timeout = o.name, o.timeout
	}
	m.hib.mu.Unlock()
	if ev.Kind == websocket.Close || ev.Kind == websocket.Error {
		defer func() {
			m.hib.remove(key, e)
			m.releaseUnused(key) // cluster_ws.go: its last socket closed
		}()
	}
	ctx := m.ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	doc := websocket.EventDoc(ev)
	doc["ws"] = float64(e.ID())
	if _, err := m.Event(ctx, key.ns, key.id, name, "actor.ws", doc); err != nil && m.ctx.Err() == nil {
		m.log.Error("websocket event handler failed", "namespace", key.ns, "object", key.id, "error", describe(m, key, err))
	}
}

func describe(m *Manager, key objKey, err error) string {
	m.mu.Lock()
	c := m.classes[key.ns]
	m.mu.Unlock()
	if c != nil {
		if w := m.reg.Get(c.Worker); w != nil {
			return w.Describe(err)
		}
	}
	return err.Error()
}

// pinWhileOpen keeps the object in memory while the server end of a
// socket it returned in a 101 is accepted by its script (server.accept(),
// not hibernatable): that socket's events need the instance, as in workerd,
// where such a connection keeps the object alive.
func (m *Manager) pinWhileOpen(key objKey, clientID any) {
	f, _ := clientID.(float64)
	e := websocket.Default.Get(uint64(f))
	if e == nil || (e.Peer().Consumer() != websocket.Pull && e.Peer().Consumer() != websocket.Deliver) {
		return
	}
	m.mu.Lock()
	o := m.objects[key]
	if o == nil || o.evicting {
		m.mu.Unlock()
		return
	}
	o.inflight++
	m.mu.Unlock()
	go func() {
		select {
		case <-e.Peer().Done():
		case <-m.ctx.Done():
		}
		m.mu.Lock()
		o.inflight--
		o.lastUsed = time.Now()
		m.mu.Unlock()
	}()
}

// registerHibernation adds the do.ws.* host functions, and makes ws.send and
// ws.close wait for the output gate: a message leaves only after the writes
// of the turn that sent it are durable.
func (l *loop) registerHibernation(hs *engine.HostSet, ref *worker.Ref) {
	m := l.m
	hub := websocket.Default
	gated := func(prepare func([]any) (func(), error)) engine.HostFunc {
		return func(args []any) (any, error) {
			deliver, err := prepare(args)
			if err != nil {
				return nil, err
			}
			if rt := ref.Runtime(); rt != nil {
				rt.AfterDurable(deliver)
			} else {
				deliver()
			}
			return nil, nil
		}
	}
	// do.ws.hold(ns, id) / do.ws.unhold(ns, id): a webSocketMessage handler
	// still awaiting I/O when actor.ws returned (so that the socket's next
	// message is delivered meanwhile, as in workerd; see actor_ws.js
	// overlap) keeps its object resident until it settles.
	hs.Sync("do.ws.hold", func(args []any) (any, error) {
		m.mu.Lock()
		defer m.mu.Unlock()
		o := m.objects[objKey{str(args, 0), str(args, 1)}]
		if o == nil {
			return false, nil
		}
		o.inflight++
		return true, nil
	})
	hs.Sync("do.ws.unhold", func(args []any) (any, error) {
		m.mu.Lock()
		defer m.mu.Unlock()
		if o := m.objects[objKey{str(args, 0), str(args, 1)}]; o != nil && o.inflight > 0 {
			o.inflight--
			o.lastUsed = time.Now()
		}
		return nil, nil
	})
	// Outgoing WebSockets for the server's workers (not for sandboxed
	// dynamic workers, which are built without this extension).
	hub.RegisterDial(hs)
	hs.Sync("ws.send", gated(hub.PrepareSend))
	hs.Sync("ws.close", gated(hub.PrepareClose))
	// ws.accept(id) -> "push": events of an end a script accepted are
	// delivered by Call (hook ws.deliver), each with a CPU budget of its own
	// as a workerd event has, rather than pulled under the budget of the
	// request that accepted it. The end holds the runtime's loop open.
	hs.Sync("ws.accept", func(args []any) (any, error) {
		f, _ := args[0].(float64)
		e := hub.Get(uint64(f))
		rt := ref.Runtime()
		if e == nil || rt == nil {
			return nil, engine.Errorf("TypeError", "Can't accept() WebSocket that was already used in a response.")
		}
		id := float64(e.ID())
		err := e.Accept(websocket.Deliver, func(ev websocket.Event) {
			if _, err := rt.Call(m.ctx, "ws.deliver", id, websocket.EventDoc(ev)); err != nil && m.ctx.Err() == nil {
				if errors.Is(err, engine.ErrClosed) {
					e.Abort(1001, "")
					return
				}
				m.log.Error("websocket event failed", "error", err.Error())
			}
		})
		if err != nil {
			return nil, engine.Errorf("TypeError", "Can't accept() WebSocket that was already used in a response.")
		}
		e.OnRelease(rt.Hold())
		return "push", nil
	})

	end := func(args []any, i int) *websocket.Endpoint {
		f, _ := args[i].(float64)
		return hub.Get(uint64(f))
	}
	// do.ws.accept(ns, id, ws, tags)
	hs.Sync("do.ws.accept", func(args []any) (any, error) {
		o := l.object(str(args, 0), str(args, 1))
		if o == nil {
			return nil, engine.Errorf("Error", "acceptWebSocket() called outside of its Durable Object's event")
		}
		e := end(args, 2)
		if e == nil {
			return nil, engine.Errorf("Error", "Cannot call `acceptWebSocket()` on a closed WebSocket.")
		}
		tags := stringList(args[3])
		m.hib.mu.Lock()
		h := m.hib.objLocked(o.key)
		if len(h.sockets) >= maxHibernatableSockets {
			m.hib.mu.Unlock()
			return nil, engine.Errorf("Error", "Too many hibernatable WebSockets: a Durable Object may accept at most %d.", maxHibernatableSockets)
		}
		h.name = o.name
		key := o.key
		e.UpdateMeta(func(mm *websocket.Meta) { mm.Owner = key.ns + ":" + key.id; mm.Tags = tags })
		if err := e.Accept(websocket.Push, func(ev websocket.Event) { m.deliverWS(key, e, ev) }); err != nil {
			m.hib.mu.Unlock()
			return nil, engine.Errorf("Error", "Cannot call `acceptWebSocket()` on this WebSocket because its pair has already been accepted or used in a Response.")
		}
		h.sockets = append(h.sockets, e)
		m.hib.mu.Unlock()
		return nil, nil
	})
	// do.ws.list(ns, id, tag | null) -> [ws...]
	hs.Sync("do.ws.list", func(args []any) (any, error) {
		tag, hasTag := args[2].(string)
		m.hib.mu.Lock()
		defer m.hib.mu.Unlock()
		h := m.hib.objs[objKey{str(args, 0), str(args, 1)}]
		out := []any{}
		if h == nil {
			return out, nil
		}
		for _, e := range h.sockets {
			if hasTag && !slices.Contains(e.Meta().Tags, tag) {
				continue
			}
			out = append(out, float64(e.ID()))
		}
		return out, nil
	})
	hs.Sync("do.ws.tags", func(args []any) (any, error) {
		e := end(args, 0)
		if e == nil {
			return []any{}, nil
		}
		tags := e.Meta().Tags
		out := make([]any, len(tags))
		for i, t := range tags {
			out[i] = t
		}
		return out, nil
	})
	// do.ws.auto(ns, id, req, res) sets the auto-response; req null clears.
	hs.Sync("do.ws.auto", func(args []any) (any, error) {
		req, ok := args[2].(string)
		res := str(args, 3)
		if ok && (len(req) > maxAutoResponseBytes || len(res) > maxAutoResponseBytes) {
			return nil, fmt.Errorf("actor: auto-response over %d bytes", maxAutoResponseBytes)
		}
		m.hib.mu.Lock()
		defer m.hib.mu.Unlock()
		h := m.hib.objLocked(objKey{str(args, 0), str(args, 1)})
		h.auto, h.autoReq, h.autoRes = ok, req, res
		return nil, nil
	})
	hs.Sync("do.ws.autoGet", func(args []any) (any, error) {
		m.hib.mu.Lock()
		defer m.hib.mu.Unlock()
		if h := m.hib.objs[objKey{str(args, 0), str(args, 1)}]; h != nil && h.auto {
			return []any{h.autoReq, h.autoRes}, nil
		}
		return nil, nil
	})
	hs.Sync("do.ws.autoTime", func(args []any) (any, error) {
		if e := end(args, 0); e != nil {
			if t := e.Meta().AutoResponseAt; !t.IsZero() {
				return float64(t.UnixMilli()), nil
			}
		}
		return nil, nil
	})
	// do.ws.timeout(ns, id, ms | null) and do.ws.timeoutGet(ns, id).
	hs.Sync("do.ws.timeout", func(args []any) (any, error) {
		ms, _ := args[2].(float64)
		d := time.Duration(ms) * time.Millisecond
		if d > maxEventTimeout {
			return nil, engine.Errorf("Error", "Event timeout should not exceed 604800000 ms.")
		}
		m.hib.mu.Lock()
		defer m.hib.mu.Unlock()
		m.hib.objLocked(objKey{str(args, 0), str(args, 1)}).timeout = d
		return nil, nil
	})
	hs.Sync("do.ws.timeoutGet", func(args []any) (any, error) {
		m.hib.mu.Lock()
		defer m.hib.mu.Unlock()
		if h := m.hib.objs[objKey{str(args, 0), str(args, 1)}]; h != nil && h.timeout > 0 {
			return float64(h.timeout.Milliseconds()), nil
		}
		return nil, nil
	})
}
