package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/webapi/fetch"
	"github.com/isola-run/isola/internal/websocket"
)

// Fetch delivers r to the worker's fetch handler (entrypoint "" = default)
// and returns the response with its body still streaming; the caller must
// close resp.Body. x must come from fetch.NewExchange(r) and be closed by
// the caller after the body was consumed.
func (w *Worker) Fetch(ctx context.Context, entrypoint string, x *fetch.Exchange) (*fetch.Response, error) {
	v, err := w.FetchInit(ctx, entrypoint, x.Wire()) // compact form: no JSON across the bridge
	if err != nil {
		return nil, err
	}
	return x.Response(v)
}

// FetchInit delivers a request in its bridged form (see fetch.Exchange.Init;
// "body" may also be bytes; or the string of fetch.Exchange.Wire, which may
// be answered in the compact string form fetch.Exchange.Response reads) and
// returns the runtime's response document.
func (w *Worker) FetchInit(ctx context.Context, entrypoint string, init any) (any, error) {
	var ep any
	if entrypoint != "" {
		ep = entrypoint
	}
	return w.call(ctx, "worker.fetch", ep, init, nil)
}

// BufferResponse turns a response document into one with the whole body as
// bytes, reading a streamed body to its end (at most max bytes). Documents
// cross runtimes in this form (service bindings, Durable Object stubs).
func BufferResponse(v any, max int64) (map[string]any, error) {
	resp, err := (&fetch.Exchange{}).Response(v)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("worker: response body over %d bytes", max)
	}
	hdrs := make([]any, 0, len(resp.Header))
	for k, vs := range resp.Header {
		for _, v := range vs {
			hdrs = append(hdrs, []any{k, v})
		}
	}
	out := map[string]any{"status": resp.Status, "statusText": resp.StatusText, "headers": hdrs, "body": body}
	if m, ok := v.(map[string]any); ok && m["body"] == nil && m["stream"] == nil {
		out["body"] = nil
	}
	return out, nil
}

// ServeHTTP implements http.Handler: every request goes to the default
// export's fetch handler.
func (w *Worker) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	status := 0
	defer func() {
		w.log.Info(fmt.Sprintf("%s %s %d (%dms)", r.Method, r.URL.RequestURI(), status, time.Since(start).Milliseconds()),
			"method", r.Method, "path", r.URL.RequestURI(), "status", status, "ms", time.Since(start).Milliseconds(), "source", "request")
	}()
	if r.ContentLength > w.spec.MaxBodyBytes {
		status = http.StatusRequestEntityTooLarge
		http.Error(rw, "Payload Too Large", status)
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(rw, r.Body, w.spec.MaxBodyBytes)
	}
	x, err := fetch.NewExchange(r)
	if err != nil {
		status = http.StatusBadRequest
		http.Error(rw, "Bad Request", status)
		return
	}
	defer x.Close()
	doc, err := w.FetchInit(r.Context(), "", x.Wire()) // compact form: no JSON across the bridge
	var resp *fetch.Response
	if err == nil {
		resp, err = x.Response(doc)
	}
	if err != nil {
		status = w.writeError(rw, r, err)
		return
	}
	status = resp.Status
	if status == 0 {
		status = 200
	}
	if status == http.StatusSwitchingProtocols {
		resp.Body.Close()
		status = w.serveWebSocket(rw, r, doc, resp)
		return
	}
	if err := resp.Write(rw, r.Method == http.MethodHead); err != nil {
		var se *fetch.StreamError
		if errors.As(err, &se) {
			w.log.Error("response body stream failed", "error", se.Error(), "path", r.URL.Path)
			panic(http.ErrAbortHandler)
		}
	}
}

// serveWebSocket completes a 101 response: the request is upgraded and the
// end the worker returned (webSocket in the response document) is bound to
// the connection until it closes. It returns the status to log.
func (w *Worker) serveWebSocket(rw http.ResponseWriter, r *http.Request, doc any, resp *fetch.Response) int {
	m, _ := doc.(map[string]any)
	id, _ := m["webSocket"].(float64)
	e := websocket.Default.Get(uint64(id))
	if e == nil {
		w.log.Error("101 response without a WebSocket", "path", r.URL.Path)
		http.Error(rw, "Internal Server Error", http.StatusInternalServerError)
		return http.StatusInternalServerError
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		// workerd answers a plain request that got a WebSocket with 426.
		e.Abort(1006, websocket.DisconnectReason)
		http.Error(rw, "Upgrade Required", http.StatusUpgradeRequired)
		return http.StatusUpgradeRequired
	}
	if err := websocket.Default.Serve(rw, r, e, resp.Header); err != nil {
		w.log.Warn("websocket upgrade failed", "error", err.Error(), "path", r.URL.Path)
		return http.StatusBadRequest
	}
	return http.StatusSwitchingProtocols
}

// writeError answers a failed request as workerd does: 500 for an
// exception, 503 for a worker over its limits.
func (w *Worker) writeError(rw http.ResponseWriter, r *http.Request, err error) int {
	var e *engine.Error
	switch {
	case errors.Is(err, context.Canceled):
		return 499
	case errors.As(err, &e) && (e.Kind == engine.CPULimit || e.Kind == engine.MemoryLimit):
		w.log.Error("worker exceeded its limits", "error", w.describe(err), "path", r.URL.Path)
		http.Error(rw, "Worker exceeded resource limits", http.StatusServiceUnavailable)
		return http.StatusServiceUnavailable
	case errors.Is(err, engine.ErrNeverResolves):
		w.log.Error("The script will never generate a response.", "path", r.URL.Path)
		http.Error(rw, "Internal Server Error", http.StatusInternalServerError)
		return http.StatusInternalServerError
	default:
		w.log.Error("uncaught exception", "error", w.describe(err), "path", r.URL.Path)
		http.Error(rw, "Internal Server Error", http.StatusInternalServerError)
		return http.StatusInternalServerError
	}
}
