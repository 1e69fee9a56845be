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
)

// Response is a worker's response as the runtime hands it to Go.
type Response struct {
	Status     int
	StatusText string
	Header     http.Header
	Body       []byte
}

// requestInit converts an HTTP request into the document toJSRequest takes.
func requestInit(r *http.Request, maxBody int64) (map[string]any, error) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	url := scheme + "://" + host + r.URL.RequestURI()
	headers := make([]any, 0, len(r.Header))
	for k, vs := range r.Header {
		for _, v := range vs {
			headers = append(headers, []any{strings.ToLower(k), v})
		}
	}
	if r.Host != "" {
		headers = append(headers, []any{"host", r.Host})
	}
	init := map[string]any{"method": r.Method, "url": url, "headers": headers}
	if r.Body != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			return nil, fmt.Errorf("worker: read request body: %w", err)
		}
		if int64(len(b)) > maxBody {
			return nil, errBodyTooLarge
		}
		if len(b) > 0 || r.ContentLength == 0 && len(r.TransferEncoding) == 0 && r.Header.Get("Content-Length") != "" {
			init["body"] = b
		}
	}
	return init, nil
}

var errBodyTooLarge = errors.New("worker: request body too large")

func responseFrom(v any) (*Response, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("worker: bad response document %T", v)
	}
	resp := &Response{Header: http.Header{}}
	if s, ok := m["status"].(float64); ok {
		resp.Status = int(s)
	}
	resp.StatusText, _ = m["statusText"].(string)
	if hs, ok := m["headers"].([]any); ok {
		for _, h := range hs {
			if kv, ok := h.([]any); ok && len(kv) == 2 {
				k, _ := kv[0].(string)
				v, _ := kv[1].(string)
				resp.Header.Add(k, v)
			}
		}
	}
	switch b := m["body"].(type) {
	case []byte:
		resp.Body = b
	case string:
		resp.Body = []byte(b)
	}
	return resp, nil
}

// Fetch delivers r to the worker's fetch handler (entrypoint "" = default).
func (w *Worker) Fetch(ctx context.Context, entrypoint string, r *http.Request) (*Response, error) {
	init, err := requestInit(r, w.spec.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	return w.FetchInit(ctx, entrypoint, init)
}

// FetchInit is Fetch with a request already in its bridged form.
func (w *Worker) FetchInit(ctx context.Context, entrypoint string, init map[string]any) (*Response, error) {
	var ep any
	if entrypoint != "" {
		ep = entrypoint
	}
	v, err := w.call(ctx, "worker.fetch", ep, init, nil)
	if err != nil {
		return nil, err
	}
	return responseFrom(v)
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
	resp, err := w.Fetch(r.Context(), "", r)
	if err != nil {
		status = w.writeError(rw, r, err)
		return
	}
	h := rw.Header()
	for k, vs := range resp.Header {
		h[k] = vs
	}
	status = resp.Status
	if status == 0 {
		status = 200
	}
	if status == http.StatusSwitchingProtocols {
		status = 500 // WebSockets are not wired into workers yet
		http.Error(rw, "WebSocket upgrade is not supported yet", status)
		return
	}
	rw.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = rw.Write(resp.Body)
	}
}

// writeError answers a failed request as workerd does: 500 for an
// exception, 503 for a worker over its limits, 413 for a body over the cap.
func (w *Worker) writeError(rw http.ResponseWriter, r *http.Request, err error) int {
	var e *engine.Error
	switch {
	case errors.Is(err, errBodyTooLarge):
		http.Error(rw, "Payload Too Large", http.StatusRequestEntityTooLarge)
		return http.StatusRequestEntityTooLarge
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
