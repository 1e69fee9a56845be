package fetch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/net/http/httpguts"
)

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// Exchange carries one inbound HTTP request into a runtime and the
// runtime's response back out. It is made by the server's goroutine and is
// goroutine-safe; the runtime reaches its streams through the host
// functions, by id.
type Exchange struct {
	// URL is the absolute URL the worker sees as request.url; NewExchange
	// derives it from the request (scheme from TLS, host from Host) and the
	// server may replace it before calling Init.
	URL string

	req  *http.Request
	body *stream // request body source; nil for a null body or a text one
	// text is a small request body read at once (see smallBody), valid
	// UTF-8 without a BOM, that crosses as a string; hasText tells it apart
	// from no body.
	text    string
	hasText bool
}

// smallBody is the largest request body of known length that NewExchange
// reads at once: as valid UTF-8 it crosses to JS inside the request's
// string (see Wire), and request.text() or json() then need no host call
// and no turn of the event loop. A larger body, or one whose length is not
// known, stays a stream the runtime pulls.
const smallBody = 16 << 10

// ErrBadRequest is returned by NewExchange for a request that cannot become
// a JS Request (bad method, URL or header); the server answers 400.
var ErrBadRequest = errors.New("fetch: bad request")

// NewExchange prepares r for the runtime. Its body, if any, becomes a
// source stream the runtime pulls from (it is not read here). Call Close
// when the exchange is over (after the response body was written).
func NewExchange(r *http.Request) (*Exchange, error) {
	if !httpguts.ValidHeaderFieldName(r.Method) {
		return nil, fmt.Errorf("%w: method %q", ErrBadRequest, r.Method)
	}
	if r.URL == nil {
		return nil, fmt.Errorf("%w: no URL", ErrBadRequest)
	}
	for k, vs := range r.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return nil, fmt.Errorf("%w: header name %q", ErrBadRequest, k)
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				return nil, fmt.Errorf("%w: header %q value", ErrBadRequest, k)
			}
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if host == "" {
		host = "localhost"
	}
	if !httpguts.ValidHostHeader(host) || strings.ContainsAny(host, "/?#@\\") {
		return nil, fmt.Errorf("%w: host %q", ErrBadRequest, host)
	}
	u := scheme + "://" + host + r.URL.RequestURI()
	if _, err := url.Parse(u); err != nil {
		return nil, fmt.Errorf("%w: url: %v", ErrBadRequest, err)
	}
	x := &Exchange{URL: u, req: r}
	if hasBody(r) {
		if r.ContentLength > 0 && r.ContentLength <= smallBody && r.Body != nil {
			b := make([]byte, r.ContentLength)
			if _, err := io.ReadFull(r.Body, b); err != nil {
				return nil, fmt.Errorf("%w: body: %v", ErrBadRequest, err)
			}
			if utf8.Valid(b) && !bytes.HasPrefix(b, utf8BOM) {
				x.text, x.hasText = string(b), true
				return x, nil
			}
			// Not text: the bytes read are replayed as the stream.
			x.body = newSource(io.NopCloser(bytes.NewReader(b)), nil, nil)
			return x, nil
		}
		x.body = newSource(r.Body, nil, nil)
	}
	return x, nil
}

// hasBody reports whether r has a non-null body: a length, chunked, or an
// explicit "Content-Length: 0" (an empty but present body, as in workerd).
func hasBody(r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return r.ContentLength == 0 && len(r.Header.Values("Content-Length")) > 0 && r.Body != nil
	}
	if r.ContentLength != 0 {
		return true
	}
	return len(r.Header.Values("Content-Length")) > 0
}

// Init returns the argument of the runtime's request hook (http.js
// toJSRequest): {method, url, headers: [[name, value]...], body: id | nil}.
func (x *Exchange) Init() map[string]any {
	headers := make([]any, 0, len(x.req.Header)+1)
	for k, vs := range x.req.Header {
		lk := strings.ToLower(k)
		for _, v := range vs {
			headers = append(headers, []any{lk, v})
		}
	}
	if x.req.Host != "" && x.req.Header.Get("Host") == "" {
		headers = append(headers, []any{"host", x.req.Host})
	}
	m := map[string]any{"method": x.req.Method, "url": x.URL, "headers": headers, "body": nil}
	if x.body != nil {
		m["body"] = x.body.id
	} else if x.hasText {
		m["body"] = x.text
	}
	return m
}

// Wire returns the request in its compact form, a string the bridge passes
// without JSON (http.js toJSRequest takes it):
//
//	method "\n" url "\n" body stream id or "" "\n" (name "\n" value "\n")...
//
// with lower-case names, preceded for a text body (see smallBody) by
//
//	"\n" length in UTF-16 code units "\n" body
//
// (no method is empty). NewExchange has checked that no other part holds a
// newline. A runtime hook that gets this form may answer with the compact
// response form (see Response).
func (x *Exchange) Wire() string {
	var b strings.Builder
	n := len(x.req.Method) + len(x.URL) + len(x.text) + 48
	for k, vs := range x.req.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 2
		}
	}
	b.Grow(n)
	if x.hasText {
		units := 0
		for _, r := range x.text {
			units += utf16.RuneLen(r)
		}
		b.WriteByte('\n')
		b.WriteString(strconv.Itoa(units))
		b.WriteByte('\n')
		b.WriteString(x.text)
	}
	b.WriteString(x.req.Method)
	b.WriteByte('\n')
	u := x.URL
	if strings.Contains(u, "\n") { // a URL set by the server; parsers drop newlines
		u = strings.ReplaceAll(u, "\n", "")
	}
	b.WriteString(u)
	b.WriteByte('\n')
	if x.body != nil {
		b.WriteString(strconv.FormatUint(x.body.id, 10))
	}
	b.WriteByte('\n')
	for k, vs := range x.req.Header {
		lk := strings.ToLower(k)
		for _, v := range vs {
			b.WriteString(lk)
			b.WriteByte('\n')
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	if x.req.Host != "" && x.req.Header.Get("Host") == "" {
		b.WriteString("host\n")
		b.WriteString(x.req.Host)
		b.WriteByte('\n')
	}
	return b.String()
}

// Close releases the request body stream if the runtime did not finish it.
func (x *Exchange) Close() {
	if x.body != nil {
		x.body.end()
	}
}

// Response is the runtime's answer to an Exchange.
type Response struct {
	Status     int
	StatusText string
	Header     http.Header
	// Body is never nil (http.NoBody for a null body). A streamed body
	// returns a *StreamError from Read when the JS stream errored mid-way;
	// the server should then abort the connection rather than end the
	// response normally. Close it when done (it cancels the JS side).
	Body io.ReadCloser
	// ContentLength is the body's length, or -1 when unknown (streamed).
	ContentLength int64
	// Streamed tells a body produced while being sent from a buffered one.
	Streamed bool
}

// Response decodes the value the runtime's response hook (http.js
// fromJSResponse) returned: {status, statusText, headers, body: string |
// bytes | nil, stream: id | nil, length: number | nil}.
//
// It also takes the compact form a hook may answer a Wire request with, a
// string:
//
//	status "\n" statusText "\n" kind "\n" count "\n" (name "\n" value "\n")... body
//
// where kind is "s" (the rest of the string is the body) or "n" (a null
// body) and count is the number of headers.
func (x *Exchange) Response(v any) (*Response, error) {
	if s, ok := v.(string); ok {
		return responseWire(s)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("fetch: bad response document %T", v)
	}
	resp := &Response{Header: http.Header{}, Body: http.NoBody, ContentLength: 0}
	if s, ok := m["status"].(float64); ok {
		resp.Status = int(s)
	}
	resp.StatusText, _ = m["statusText"].(string)
	if hs, ok := m["headers"].([]any); ok {
		for _, h := range hs {
			kv, ok := h.([]any)
			if !ok || len(kv) != 2 {
				continue
			}
			k, _ := kv[0].(string)
			val, _ := kv[1].(string)
			resp.Header.Add(k, val)
		}
	}
	switch b := m["body"].(type) {
	case string:
		resp.Body = io.NopCloser(strings.NewReader(b))
		resp.ContentLength = int64(len(b))
	case []byte:
		resp.Body = io.NopCloser(strings.NewReader(string(b)))
		resp.ContentLength = int64(len(b))
	}
	if id, ok := m["stream"].(float64); ok {
		s, err := lookup(nil, uint64(id))
		if err != nil {
			return nil, err
		}
		resp.Body = s.take()
		resp.ContentLength = -1
		resp.Streamed = true
		if n, ok := m["length"].(float64); ok && n >= 0 {
			resp.ContentLength = int64(n)
		}
	}
	return resp, nil
}

// responseWire decodes the compact response form (see Response).
func responseWire(s string) (*Response, error) {
	bad := func(what string) (*Response, error) {
		return nil, fmt.Errorf("fetch: bad compact response document: %s", what)
	}
	line := func() (string, bool) {
		l, rest, ok := strings.Cut(s, "\n")
		s = rest
		return l, ok
	}
	st, ok1 := line()
	text, ok2 := line()
	kind, ok3 := line()
	cnt, ok4 := line()
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return bad("truncated")
	}
	status, err := strconv.Atoi(st)
	if err != nil {
		return bad("status")
	}
	n, err := strconv.Atoi(cnt)
	if err != nil || n < 0 || n > len(s) {
		return bad("header count")
	}
	resp := &Response{Status: status, StatusText: text, Header: make(http.Header, n), Body: http.NoBody}
	for range n {
		k, ok1 := line()
		val, ok2 := line()
		if !ok1 || !ok2 {
			return bad("truncated headers")
		}
		resp.Header.Add(k, val)
	}
	switch kind {
	case "n":
	case "s":
		resp.Body = io.NopCloser(strings.NewReader(s))
		resp.ContentLength = int64(len(s))
	default:
		return bad("body kind")
	}
	return resp, nil
}

// Write sends resp on w: status, headers, then the body, flushing after
// each chunk of a streamed body. It returns the first error reading the body
// (a *StreamError when the JS stream failed) or writing to w; on a body
// error the caller should abort the connection (panic(http.ErrAbortHandler)).
// It closes resp.Body.
func (resp *Response) Write(w http.ResponseWriter, head bool) error {
	defer resp.Body.Close()
	h := w.Header()
	for k, vs := range resp.Header {
		h[k] = vs
	}
	if _, ok := h["Content-Type"]; !ok {
		// As workerd: no content type rather than one net/http sniffs.
		h["Content-Type"] = nil
	}
	if resp.ContentLength >= 0 && h.Get("Content-Length") == "" && !nullBody(resp.Status) {
		h.Set("Content-Length", fmt.Sprint(resp.ContentLength))
	}
	status := resp.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if head || nullBody(status) {
		return nil
	}
	if !resp.Streamed {
		_, err := io.Copy(w, resp.Body)
		return err
	}
	rc := http.NewResponseController(w)
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
			_ = rc.Flush()
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func nullBody(status int) bool {
	return status == 204 || status == 304 || (status >= 100 && status < 200)
}
