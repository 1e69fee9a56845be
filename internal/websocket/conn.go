package websocket

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// DisconnectReason is the close reason of a peer that went away without a
// close frame, as workerd words it.
const DisconnectReason = "WebSocket disconnected without sending Close frame."

// Serve upgrades the request on w and binds e (the end a worker returned in
// a 101 response) to the connection. header holds the response's headers
// (a Sec-WebSocket-Protocol there selects the subprotocol). It returns once
// the connection is upgraded; an error only if the upgrade failed, after an
// error response was written.
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, e *Endpoint, header http.Header) error {
	opts := &websocket.AcceptOptions{InsecureSkipVerify: true, CompressionMode: websocket.CompressionDisabled}
	if p := header.Get("Sec-WebSocket-Protocol"); p != "" {
		opts.Subprotocols = []string{strings.TrimSpace(strings.Split(p, ",")[0])}
	}
	for k, vs := range header {
		switch http.CanonicalHeaderKey(k) {
		case "Upgrade", "Connection", "Sec-Websocket-Accept", "Sec-Websocket-Protocol", "Sec-Websocket-Extensions", "Content-Length", "Transfer-Encoding":
			continue
		}
		w.Header()[http.CanonicalHeaderKey(k)] = vs
	}
	if err := e.Accept(Net, nil); err != nil {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return fmt.Errorf("websocket[%d]: serve: %w", e.id, err)
	}
	c, err := websocket.Accept(w, r, opts)
	if err != nil {
		e.Abort(1006, DisconnectReason)
		return fmt.Errorf("websocket[%d]: upgrade: %w", e.id, err)
	}
	e.UpdateMeta(func(m *Meta) { m.Protocol = c.Subprotocol() })
	// The connection is served on a goroutine of its own, so the HTTP
	// server's goroutine (and the stack it grew running the worker) ends.
	go h.bind(c, e)
	return nil
}

// Dial connects to url (ws: or wss:) and returns the local end whose peer
// is bound to the connection, with the handshake response.
func (h *Hub) Dial(ctx context.Context, url string, protocols []string, header http.Header) (*Endpoint, *http.Response, error) {
	c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		Subprotocols:    protocols,
		HTTPHeader:      header,
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		return nil, resp, fmt.Errorf("websocket: dial %s: %w", url, err)
	}
	local, remote := h.Pair()
	meta := func(m *Meta) { m.URL, m.Protocol = url, c.Subprotocol() }
	local.UpdateMeta(meta)
	remote.UpdateMeta(meta)
	if err := remote.Accept(Net, nil); err != nil {
		c.CloseNow()
		return nil, resp, err
	}
	go h.bind(c, remote)
	return local, resp, nil
}

// bind connects end e (consumer Net) to the connection c: frames read from
// c are sent on e (to its peer), events delivered to e are written to c.
// It returns when the connection is over.
func (h *Hub) bind(c *websocket.Conn, e *Endpoint) {
	limit := h.Options().MaxMessage
	c.SetReadLimit(limit)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.mu.Lock()
	e.push = func(ev Event) { write(ctx, c, ev) }
	e.closer = func() { c.CloseNow() }
	e.kickLocked()
	released := e.released
	e.mu.Unlock()
	if released {
		c.CloseNow()
		return
	}
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			switch {
			case errors.As(err, &ce):
				_ = e.Send(Event{Kind: Close, Code: int(ce.Code), Reason: ce.Reason, Clean: true})
				e.finish() // the protocol answered the close: the connection is over
			case errors.Is(err, websocket.ErrMessageTooBig) || strings.Contains(err.Error(), "read limited at"):
				e.Fail(fmt.Sprintf("WebSocket message is too large (limit %d bytes).", limit))
			case isProtocolError(err):
				e.Fail("WebSocket protocol error: " + err.Error())
			default:
				e.Abort(1006, DisconnectReason)
			}
			return
		}
		ev := Event{Kind: Binary, Data: data}
		if typ == websocket.MessageText {
			if !utf8.Valid(data) {
				_ = c.Close(websocket.StatusInvalidFramePayloadData, "invalid UTF-8 in text frame")
				e.Fail("WebSocket received a text frame with invalid UTF-8.")
				return
			}
			ev.Kind = Text
		}
		if err := e.SendWait(ctx, ev); err != nil {
			return
		}
	}
}

// isProtocolError tells a malformed frame from a dropped connection.
func isProtocolError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "protocol") || strings.Contains(s, "invalid") || strings.Contains(s, "status code")
}

// write sends one event delivered to a network end.
func write(ctx context.Context, c *websocket.Conn, ev Event) {
	var err error
	switch ev.Kind {
	case Text:
		err = c.Write(ctx, websocket.MessageText, ev.Data)
	case Binary:
		err = c.Write(ctx, websocket.MessageBinary, ev.Data)
	case Close:
		if ev.Code == 0 || ev.Code == 1005 || ev.Code == 1006 || ev.Code == 1015 {
			if ev.Code == 1005 {
				err = c.Close(websocket.StatusNormalClosure, "")
			} else {
				err = c.CloseNow()
			}
		} else {
			err = c.Close(websocket.StatusCode(ev.Code), ev.Reason)
		}
	case Error:
		err = c.CloseNow()
	}
	if err != nil {
		c.CloseNow()
	}
}
