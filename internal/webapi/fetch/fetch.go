package fetch

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/isola-run/isola/internal/engine"
)

// Options configures the Go half of fetch() for one runtime. The zero value
// is valid.
type Options struct {
	// Transport makes the outbound requests of fetch(); default a
	// process-wide *http.Transport cloned from http.DefaultTransport (never
	// DefaultTransport itself). A sandbox passes one that refuses or
	// allow-lists.
	Transport http.RoundTripper
	// MaxBufferedBody caps what text()/arrayBuffer() of a Go-held body read
	// in one call; default 128 MiB.
	MaxBufferedBody int64
}

var defaultTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	return t
}()

// maxRedirects is workerd's (and the Fetch spec's) limit.
const maxRedirects = 20

// host is the per-runtime state of one HostSet.
type host struct {
	opts   Options
	client *http.Client

	mu      sync.Mutex                     // guards following
	fetches map[float64]context.CancelFunc // in-flight fetch() by JS id
	aborted map[float64]bool               // aborts that came before their start
}

// Register adds the fetch host functions to hs with default Options.
func Register(hs *engine.HostSet) { RegisterWith(hs, Options{}) }

// RegisterWith adds the fetch host functions to hs:
//
//	fetch.start({id, method, url, headers, redirect, body, stream, length})
//	    async; -> {status, statusText, headers, url, redirected, body: id|null}
//	fetch.abort(id)                  cancel fetch id (its body too)
//	fetch.pipe() -> id               a new JS -> Go pipe
//	fetch.bodyWrite(id, bytes)       async; settles when Go consumed it
//	fetch.bodyClose(id, err|null)    end a pipe, with an error message or not
//	fetch.bodyRead(id, max)          async; -> bytes, or null at the end
//	fetch.bodyReadAll(id, asText)    async; -> the whole rest (string or bytes)
//	fetch.bodyCancel(id)             drop a source
//	fetch.parseMultipart(bytes, contentType) -> [[name, string | {filename, type, data}]...]
func RegisterWith(hs *engine.HostSet, opts Options) {
	if opts.Transport == nil {
		opts.Transport = defaultTransport
	}
	if opts.MaxBufferedBody <= 0 {
		opts.MaxBufferedBody = 128 << 20
	}
	h := &host{
		opts:    opts,
		fetches: map[float64]context.CancelFunc{},
		aborted: map[float64]bool{},
	}
	h.client = &http.Client{Transport: opts.Transport}
	hs.Async("fetch.start", h.start)
	hs.Sync("fetch.abort", func(args []any) (any, error) {
		id := num(args, 0)
		h.mu.Lock()
		cancel := h.fetches[id]
		if cancel == nil {
			h.aborted[id] = true
		}
		h.mu.Unlock()
		if cancel != nil {
			cancel()
		}
		return nil, nil
	})
	hs.Sync("fetch.pipe", func(args []any) (any, error) {
		return newPipe(h).id, nil
	})
	hs.Async("fetch.bodyWrite", func(ctx context.Context, args []any) (any, error) {
		s, err := lookup(h, uint64(num(args, 0)))
		if err != nil {
			return nil, err
		}
		if s.pw == nil {
			return nil, engine.Errorf("TypeError", "fetch: stream %d is not writable", s.id)
		}
		b, _ := arg(args, 1).([]byte)
		done := make(chan error, 1)
		go func() {
			_, err := s.pw.Write(b)
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				return nil, engine.Errorf("TypeError", "Network connection lost.")
			}
			return nil, nil
		case <-ctx.Done():
			s.pr.CloseWithError(ctx.Err())
			return nil, ctx.Err()
		}
	})
	hs.Sync("fetch.bodyClose", func(args []any) (any, error) {
		s, err := lookup(h, uint64(num(args, 0)))
		if err != nil {
			return nil, nil // already gone: nothing to close
		}
		if s.pw == nil {
			return nil, nil
		}
		unregister(s.id)
		if msg, ok := arg(args, 1).(string); ok {
			s.pw.CloseWithError(&StreamError{Message: msg})
		} else {
			s.pw.Close()
		}
		return nil, nil
	})
	hs.Async("fetch.bodyRead", func(ctx context.Context, args []any) (any, error) {
		s, err := lookup(h, uint64(num(args, 0)))
		if err != nil {
			return nil, err
		}
		b, err := s.read(int(num(args, 1)))
		if err != nil {
			return nil, readError(err)
		}
		if b == nil {
			return nil, nil
		}
		return b, nil
	})
	hs.Async("fetch.bodyReadAll", func(ctx context.Context, args []any) (any, error) {
		s, err := lookup(h, uint64(num(args, 0)))
		if err != nil {
			return nil, err
		}
		b, err := s.readAll()
		if err != nil {
			return nil, readError(err)
		}
		if int64(len(b)) > h.opts.MaxBufferedBody {
			return nil, engine.Errorf("RangeError", "fetch: body larger than %d bytes", h.opts.MaxBufferedBody)
		}
		if asText, _ := arg(args, 1).(bool); asText {
			return decodeText(b), nil
		}
		return b, nil
	})
	hs.Sync("fetch.bodyCancel", func(args []any) (any, error) {
		if s, err := lookup(h, uint64(num(args, 0))); err == nil {
			s.end()
		}
		return nil, nil
	})
	hs.Sync("fetch.parseMultipart", func(args []any) (any, error) {
		b, _ := arg(args, 0).([]byte)
		ct, _ := arg(args, 1).(string)
		return parseMultipart(b, ct)
	})
}

// decodeText decodes UTF-8 as TextDecoder does: the BOM is dropped and each
// invalid sequence becomes U+FFFD.
func decodeText(b []byte) string {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func readError(err error) error {
	var se *StreamError
	if errors.As(err, &se) {
		return engine.Errorf("TypeError", "%s", se.Message)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, errBodyCanceled) {
		return engine.Errorf("AbortError", "The operation was aborted.")
	}
	return engine.Errorf("Error", "Network connection lost.")
}

func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

func num(args []any, i int) float64 {
	f, _ := arg(args, i).(float64)
	return f
}

// nullBodyStatus reports the statuses whose responses have no body.
func nullBodyStatus(code int) bool {
	return code == 101 || code == 204 || code == 205 || code == 304
}

func isRedirect(code int) bool {
	switch code {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// start runs one fetch(): it sends the request and returns when the
// response head has arrived; the body stays in Go as a source stream.
func (h *host) start(ctx context.Context, args []any) (any, error) {
	in, _ := arg(args, 0).(map[string]any)
	if in == nil {
		return nil, engine.Errorf("TypeError", "fetch: bad arguments")
	}
	id := num([]any{in["id"]}, 0)
	method, _ := in["method"].(string)
	rawURL, _ := in["url"].(string)
	redirect, _ := in["redirect"].(string)

	fctx, cancel := context.WithCancel(ctx)
	h.mu.Lock()
	if h.aborted[id] {
		delete(h.aborted, id)
		h.mu.Unlock()
		cancel()
		return nil, engine.Errorf("AbortError", "The operation was aborted.")
	}
	h.fetches[id] = cancel
	h.mu.Unlock()
	finish := func() {
		h.mu.Lock()
		delete(h.fetches, id)
		h.mu.Unlock()
		cancel()
	}

	var body io.Reader
	var reqBody io.Closer
	streamed := false
	switch b := in["body"].(type) {
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	}
	if sid, ok := in["stream"].(float64); ok {
		s, err := lookup(h, uint64(sid))
		if err != nil {
			finish()
			return nil, err
		}
		rc := s.take()
		body, reqBody, streamed = rc, rc, true
	}
	fail := func(err error) (any, error) {
		if reqBody != nil {
			reqBody.Close()
		}
		finish()
		return nil, err
	}
	req, err := http.NewRequestWithContext(fctx, method, rawURL, body)
	if err != nil {
		return fail(engine.Errorf("TypeError", "Fetch API cannot load: %s", rawURL))
	}
	if streamed {
		req.ContentLength = -1
		if n, ok := in["length"].(float64); ok && n >= 0 {
			req.ContentLength = int64(n)
		}
		if req.ContentLength == 0 {
			req.Body = http.NoBody
		}
	}
	if hs, ok := in["headers"].([]any); ok {
		for _, kv := range hs {
			p, ok := kv.([]any)
			if !ok || len(p) != 2 {
				continue
			}
			k, _ := p[0].(string)
			v, _ := p[1].(string)
			switch strings.ToLower(k) {
			case "host":
				req.Host = v
				continue
			case "content-length":
				if n, err := strconv.ParseInt(v, 10, 64); err == nil && streamed && req.ContentLength < 0 {
					req.ContentLength = n
				}
				continue
			case "transfer-encoding", "connection", "keep-alive":
				continue
			}
			req.Header.Add(k, v)
		}
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header["User-Agent"] = nil // no Go default user agent; workerd sends none
	}

	redirected := false
	client := *h.client
	client.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if redirect == "manual" {
			return http.ErrUseLastResponse
		}
		if len(via) > maxRedirects {
			return errTooManyRedirects
		}
		redirected = true
		return nil
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, errTooManyRedirects) {
			return fail(engine.Errorf("TypeError", "Too many redirects."))
		}
		if fctx.Err() != nil && ctx.Err() == nil {
			return fail(engine.Errorf("AbortError", "The operation was aborted."))
		}
		var ue *url.Error
		if errors.As(err, &ue) && strings.Contains(ue.Err.Error(), "unsupported protocol scheme") {
			return fail(engine.Errorf("TypeError", "Fetch API cannot load: %s", rawURL))
		}
		return fail(engine.Errorf("Error", "Network connection lost."))
	}
	if redirect != "manual" && streamed && (resp.StatusCode == 307 || resp.StatusCode == 308) && resp.Header.Get("Location") != "" {
		resp.Body.Close()
		return fail(engine.Errorf("TypeError", "A request with a one-time-use body (it was initialized from a stream, not a buffer) encountered a redirect requiring the body to be retransmitted. To avoid this error in the future, construct this request from a buffer-like body initializer."))
	}

	out := map[string]any{
		"status":     resp.StatusCode,
		"statusText": statusText(resp),
		"headers":    headerPairs(resp.Header),
		"url":        responseURL(resp.Request.URL),
		"redirected": redirected,
		"body":       nil,
	}
	if method == http.MethodHead || nullBodyStatus(resp.StatusCode) {
		resp.Body.Close()
		if reqBody != nil {
			reqBody.Close()
		}
		finish()
		return out, nil
	}
	s := newSource(resp.Body, h, func() {
		if reqBody != nil {
			reqBody.Close()
		}
		finish()
	})
	out["body"] = s.id
	return out, nil
}

var errTooManyRedirects = errors.New("fetch: too many redirects")

func statusText(resp *http.Response) string {
	if i := strings.IndexByte(resp.Status, ' '); i >= 0 {
		return resp.Status[i+1:]
	}
	return ""
}

func responseURL(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// headerPairs flattens a header into [[lower-case name, value]...].
func headerPairs(hdr http.Header) []any {
	out := make([]any, 0, len(hdr))
	for k, vs := range hdr {
		lk := strings.ToLower(k)
		for _, v := range vs {
			out = append(out, []any{lk, v})
		}
	}
	return out
}
