package websocket

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/isola-run/isola/internal/engine"
)

// recvBatch is about how many bytes one ws.recv hands to JS.
const recvBatch = 1 << 20

// Register adds the ws.* host functions (js/src/websocket.js) of the
// Default hub to hs.
func Register(hs *engine.HostSet) { Default.Register(hs) }

// Register adds the ws.* host functions over h to hs.
//
//	ws.pair() -> [id, id]
//	ws.accept(id)                  JS pulls the events with ws.recv (server.accept());
//	                               the actor extension replaces it with push delivery
//	ws.send(id, data, isText)      data: string or bytes
//	ws.close(id, code, reason)
//	ws.recv(id) -> [event...]      async; {k, d, c, r, w}
//	ws.connect(...)                fails: see RegisterDial
//	ws.state(id) -> {closed, consumer, url, protocol}
//	ws.attachment(id) / ws.setAttachment(id, bytes | null)
//	ws.unpair(id) -> [event...]    both ends live in one runtime now
//	ws.release(id)                 the JS object was collected unused
func (h *Hub) Register(hs *engine.HostSet) {
	hs.Sync("ws.pair", func(args []any) (any, error) {
		a, b := h.Pair()
		return []any{float64(a.id), float64(b.id)}, nil
	})
	hs.Sync("ws.accept", func(args []any) (any, error) {
		e, err := h.arg(args)
		if err != nil {
			return nil, err
		}
		if err := e.Accept(Pull, nil); err != nil {
			return nil, engine.Errorf("TypeError", "Can't accept() WebSocket that was already used in a response.")
		}
		return nil, nil
	})
	// ws.unpair(id) -> [event...]: both ends of id's pair were accepted in
	// one runtime, which delivers between them itself from now on; it takes
	// what was queued for id, and both ends are released here.
	hs.Sync("ws.unpair", func(args []any) (any, error) {
		e, err := h.arg(args)
		if err != nil {
			return []any{}, nil
		}
		e.mu.Lock()
		evs := e.queue
		e.queue, e.queued = nil, 0
		e.mu.Unlock()
		e.Release()
		e.peer.Release()
		out := make([]any, len(evs))
		for i, ev := range evs {
			out[i] = EventDoc(ev)
		}
		return out, nil
	})
	hs.Sync("ws.send", func(args []any) (any, error) {
		deliver, err := h.PrepareSend(args)
		if err != nil {
			return nil, err
		}
		deliver()
		return nil, nil
	})
	hs.Sync("ws.close", func(args []any) (any, error) {
		deliver, err := h.PrepareClose(args)
		if err != nil {
			return nil, err
		}
		deliver()
		return nil, nil
	})
	hs.Async("ws.recv", func(ctx context.Context, args []any) (any, error) {
		e, err := h.arg(args)
		if err != nil {
			return nil, err
		}
		evs, err := e.Recv(ctx, recvBatch)
		if err != nil {
			if ctx.Err() != nil {
				// The runtime closed: its sockets go away with it.
				e.Abort(1001, "")
			}
			return []any{}, nil
		}
		out := make([]any, len(evs))
		for i, ev := range evs {
			out[i] = EventDoc(ev)
		}
		return out, nil
	})
	// Outgoing connections are a capability: granted by RegisterDial.
	hs.Async("ws.connect", func(ctx context.Context, args []any) (any, error) {
		return nil, engine.Errorf("Error", "Outgoing WebSocket connections are not available to this worker.")
	})
	hs.Sync("ws.state", func(args []any) (any, error) {
		e, err := h.arg(args)
		if err != nil {
			return map[string]any{"gone": true, "closed": true}, nil
		}
		m := e.Meta()
		return map[string]any{"closed": e.Closed(), "consumer": float64(e.Consumer()), "url": m.URL, "protocol": m.Protocol}, nil
	})
	hs.Sync("ws.attachment", func(args []any) (any, error) {
		e, err := h.arg(args)
		if err != nil {
			return nil, nil
		}
		if a := e.Meta().Attachment; a != nil {
			return a, nil
		}
		return nil, nil
	})
	hs.Sync("ws.setAttachment", func(args []any) (any, error) {
		e, err := h.arg(args)
		if err != nil {
			return nil, err
		}
		b, _ := arg[[]byte](args, 1)
		e.UpdateMeta(func(m *Meta) { m.Attachment = b })
		return nil, nil
	})
	hs.Sync("ws.release", func(args []any) (any, error) {
		if e, err := h.arg(args); err == nil && (e.Consumer() == None || e.Consumer() == Pull) {
			e.Abort(1006, DisconnectReason)
		}
		return nil, nil
	})
}

// RegisterDial grants the runtime outgoing connections (new WebSocket(url)
// and fetch with Upgrade: websocket): ws.connect(url, protocols, headers)
// -> {id, protocol, status, url}. Sandboxed dynamic workers do not get it.
func (h *Hub) RegisterDial(hs *engine.HostSet) {
	hs.Async("ws.connect", func(ctx context.Context, args []any) (any, error) {
		u, _ := arg[string](args, 0)
		var protos []string
		if l, ok := arg[[]any](args, 1); ok {
			for _, p := range l {
				s, _ := p.(string)
				protos = append(protos, s)
			}
		}
		hdr := http.Header{}
		if l, ok := arg[[]any](args, 2); ok {
			for _, kv := range l {
				p, _ := kv.([]any)
				if len(p) == 2 {
					k, _ := p[0].(string)
					v, _ := p[1].(string)
					hdr.Add(k, v)
				}
			}
		}
		pu, err := url.Parse(u)
		if err != nil {
			return nil, engine.Errorf("SyntaxError", "Failed to construct 'WebSocket': The URL '%s' is invalid.", u)
		}
		switch pu.Scheme {
		case "https":
			pu.Scheme = "wss"
		case "http":
			pu.Scheme = "ws"
		}
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		e, resp, err := h.Dial(dctx, pu.String(), protos, hdr)
		if err != nil {
			if resp != nil {
				return map[string]any{"status": float64(resp.StatusCode)}, nil
			}
			return nil, engine.Errorf("Error", "WebSocket connection failed: %v", errors.Unwrap(err))
		}
		m := e.Meta()
		return map[string]any{"id": float64(e.id), "protocol": m.Protocol, "status": float64(101), "url": m.URL}, nil
	})
}

// PrepareSend checks a ws.send call (id, data, isText) and returns the
// delivery to run now or, behind a Durable Object's output gate, once the
// turn's writes are durable.
func (h *Hub) PrepareSend(args []any) (func(), error) {
	e, err := h.arg(args)
	if err != nil {
		return func() {}, nil // the peer is gone: as in workerd, the message is dropped
	}
	ev := Event{Kind: Binary}
	switch d := args[1].(type) {
	case string:
		ev.Kind, ev.Data = Text, []byte(d)
	case []byte:
		ev.Data = d
	default:
		return nil, engine.Errorf("TypeError", "WebSocket message must be a string or binary data.")
	}
	if err := e.markSend(ev); err != nil {
		return nil, engine.Errorf("InvalidStateError", "Can't call WebSocket send() after close().")
	}
	return func() { e.peer.deliver(ev) }, nil
}

// PrepareClose checks a ws.close call (id, code, reason) like PrepareSend.
// Closing an end twice is not an error.
func (h *Hub) PrepareClose(args []any) (func(), error) {
	e, err := h.arg(args)
	if err != nil {
		return func() {}, nil
	}
	code := 1005
	if f, ok := arg[float64](args, 1); ok {
		code = int(f)
	}
	reason, _ := arg[string](args, 2)
	ev := Event{Kind: Close, Code: code, Reason: reason, Clean: true}
	if err := e.markSend(ev); err != nil {
		return func() {}, nil
	}
	return func() { e.peer.deliver(ev); e.maybeRelease() }, nil
}

// EventDoc is the form of an event JS receives: {k: "text" | "binary" |
// "close" | "error", d: data, c: code, r: reason, w: wasClean}.
func EventDoc(ev Event) map[string]any {
	switch ev.Kind {
	case Text:
		return map[string]any{"k": "text", "d": string(ev.Data)}
	case Binary:
		return map[string]any{"k": "binary", "d": ev.Data}
	case Close:
		return map[string]any{"k": "close", "c": float64(ev.Code), "r": ev.Reason, "w": ev.Clean}
	default:
		return map[string]any{"k": "error", "r": ev.Reason}
	}
}

func (h *Hub) arg(args []any) (*Endpoint, error) {
	f, _ := arg[float64](args, 0)
	e := h.Get(uint64(f))
	if e == nil {
		return nil, engine.Errorf("InvalidStateError", "WebSocket is closed.")
	}
	return e, nil
}

func arg[T any](args []any, i int) (T, bool) {
	var zero T
	if i >= len(args) {
		return zero, false
	}
	v, ok := args[i].(T)
	return v, ok
}
