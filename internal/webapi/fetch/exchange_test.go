package fetch_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/webapi/fetch"
	"golang.org/x/net/http/httpguts"
)

// serve runs one exchange: r goes through toJSRequest, handler (a JS
// function expression taking the Request) and fromJSResponse.
func serve(t testing.TB, rt *engine.Runtime, r *http.Request, handler string) (*fetch.Response, *fetch.Exchange) {
	t.Helper()
	x, err := fetch.NewExchange(r)
	if err != nil {
		t.Fatalf("NewExchange: %v", err)
	}
	if _, ok := t.(*testing.T); ok {
		t.Cleanup(x.Close)
	}
	init, err := json.Marshal(x.Init())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	v, err := rt.Eval(ctx, `(async () => {
		const req = __http.request(`+string(init)+`);
		const resp = await (`+handler+`)(req);
		return __http.response(resp);
	})()`)
	if err != nil {
		t.Fatalf("handler: %v", err)
	}
	resp, err := x.Response(v)
	if err != nil {
		t.Fatalf("Exchange.Response: %v", err)
	}
	return resp, x
}

func TestExchange(t *testing.T) {
	rt := newRuntime(t)
	tests := []struct {
		name       string
		method     string
		body       string
		handler    string
		wantStatus int
		wantBody   string
		wantHeader map[string]string
		streamed   bool
	}{
		{name: "buffered", method: "GET", handler: `async (req) => new Response("hi " + req.method + " " + new URL(req.url).pathname, {status: 201, headers: {"X-A": "b"}})`,
			wantStatus: 201, wantBody: "hi GET /p", wantHeader: map[string]string{"X-A": "b", "Content-Type": "text/plain;charset=UTF-8"}},
		{name: "echo text", method: "POST", body: "payload", handler: `async (req) => new Response(await req.text())`,
			wantStatus: 200, wantBody: "payload"},
		{name: "echo stream", method: "POST", body: strings.Repeat("z", 100000), handler: `async (req) => new Response(req.body)`,
			wantStatus: 200, wantBody: strings.Repeat("z", 100000), streamed: true},
		{name: "read body chunks", method: "POST", body: "abc", handler: `async (req) => { let n = 0; for await (const c of req.body) n += c.length; return new Response(String(n)) }`,
			wantStatus: 200, wantBody: "3"},
		{name: "request headers immutable", method: "GET", handler: `async (req) => { try { req.headers.set("a", "b"); return new Response("mutable") } catch (e) { return new Response(e.message) } }`,
			wantStatus: 200, wantBody: "Can't modify immutable headers."},
		{name: "json", method: "GET", handler: `async (req) => Response.json({q: new URL(req.url).searchParams.get("q"), h: req.headers.get("x-test")})`,
			wantStatus: 200, wantBody: `{"q":"1","h":"yes"}`},
		{name: "transformed stream", method: "POST", body: "abc", handler: `async (req) => new Response(req.body.pipeThrough(new TransformStream({transform(c, ctl) { ctl.enqueue(c.map((b) => b - 32)) }})))`,
			wantStatus: 200, wantBody: "ABC", streamed: true},
		{name: "bytes", method: "GET", handler: `async () => new Response(new Uint8Array([104, 105]))`, wantStatus: 200, wantBody: "hi"},
		{name: "null body", method: "GET", handler: `async () => new Response(null, {status: 204})`, wantStatus: 204, wantBody: ""},
		// Lazy paths: a text response's headers and a server request's
		// headers are made only when touched.
		{name: "lazy text response untouched", method: "GET", handler: `async () => new Response("t")`,
			wantStatus: 200, wantBody: "t", wantHeader: map[string]string{"Content-Type": "text/plain;charset=UTF-8"}},
		{name: "lazy text response mutated", method: "GET", handler: `async () => { const r = new Response("t"); r.headers.set("x-a", "1"); r.headers.set("content-type", "text/html"); return r }`,
			wantStatus: 200, wantBody: "t", wantHeader: map[string]string{"Content-Type": "text/html", "X-A": "1"}},
		{name: "lazy json response mutated", method: "GET", handler: `async () => { const r = Response.json([1]); r.headers.append("x-b", "2"); return r }`,
			wantStatus: 200, wantBody: "[1]", wantHeader: map[string]string{"Content-Type": "application/json", "X-B": "2"}},
		{name: "lazy request headers read twice", method: "GET", handler: `async (req) => new Response(String(req.headers === req.headers) + " " + [...req.headers].length + " " + req.headers.get("X-TEST"))`,
			wantStatus: 200, wantBody: "true 2 yes"},
		{name: "lazy request headers copied then mutated", method: "GET", handler: `async (req) => { const h = new Headers(req.headers); h.set("x-test", "no"); return new Response(h.get("x-test") + " " + req.headers.get("x-test")) }`,
			wantStatus: 200, wantBody: "no yes"},
		{name: "lazy request cloned", method: "POST", body: "abc", handler: `async (req) => { const c = req.clone(); return new Response(await c.text() + await req.text() + c.headers.get("x-test")) }`,
			wantStatus: 200, wantBody: "abcabcyes"},
		{name: "lazy request rebuilt", method: "POST", body: "abc", handler: `async (req) => { const r = new Request(req, {headers: {"x-n": "1"}}); return new Response(r.method + " " + r.headers.get("x-test") + r.headers.get("x-n") + " " + await r.text()) }`,
			wantStatus: 200, wantBody: "POST null1 abc"},
		// Small bodies of known length cross as text (Exchange.Wire).
		{name: "small text body bytes", method: "POST", body: "hé😀", handler: `async (req) => new Response(String(new Uint8Array(await req.arrayBuffer())))`,
			wantStatus: 200, wantBody: "104,195,169,240,159,152,128"},
		{name: "small text body passed through", method: "POST", body: "abc", handler: `async (req) => new Response(req.body)`,
			wantStatus: 200, wantBody: "abc", streamed: true},
		{name: "small binary body", method: "POST", body: "\xff\x00\xfe", handler: `async (req) => new Response(String(new Uint8Array(await req.arrayBuffer())))`,
			wantStatus: 200, wantBody: "255,0,254"},
		{name: "small bom body", method: "POST", body: "\xef\xbb\xbfx", handler: `async (req) => new Response(JSON.stringify(await req.text()))`,
			wantStatus: 200, wantBody: `"x"`},
		{name: "small body used twice", method: "POST", body: "abc", handler: `async (req) => { await req.text(); try { await req.text(); return new Response("no") } catch (e) { return new Response(String(req.bodyUsed) + " " + e.name) } }`,
			wantStatus: 200, wantBody: "true TypeError"},
		{name: "lazy request blob type", method: "POST", body: "abc", handler: `async (req) => new Response((await req.blob()).type + "|" + (await new Response("x").blob()).type)`,
			wantStatus: 200, wantBody: "|text/plain;charset=utf-8"},
		{name: "no content type sniffed", handler: `async () => new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("<p>x</p>")); c.close() } }))`,
			wantStatus: 200, wantBody: "<p>x</p>", wantHeader: map[string]string{"Content-Type": ""}, streamed: true},
	}
	for _, tt := range tests {
		for _, form := range []string{"document", "wire"} {
			t.Run(tt.name+"/"+form, func(t *testing.T) {
				var body io.Reader
				if tt.body != "" {
					body = strings.NewReader(tt.body)
				}
				r := httptest.NewRequest(tt.method, "http://example.com/p?q=1", body)
				r.Header.Set("X-Test", "yes")
				var resp *fetch.Response
				if form == "wire" {
					var v any
					resp, v = serveWire(t, rt, r, tt.handler)
					// The compact form answers every buffered text response.
					if _, compact := v.(string); compact != (!tt.streamed && tt.name != "bytes") {
						t.Errorf("answer %T; want the compact form only for text bodies", v)
					}
				} else {
					resp, _ = serve(t, rt, r, tt.handler)
				}
				if resp.Streamed != tt.streamed {
					t.Errorf("Streamed = %v; want %v", resp.Streamed, tt.streamed)
				}
				w := httptest.NewRecorder()
				if err := resp.Write(w, false); err != nil {
					t.Fatalf("Write: %v", err)
				}
				if w.Code != tt.wantStatus || w.Body.String() != tt.wantBody {
					t.Errorf("got %d %q; want %d %q", w.Code, trunc(w.Body.String()), tt.wantStatus, trunc(tt.wantBody))
				}
				for k, v := range tt.wantHeader {
					if got := w.Header().Get(k); got != v {
						t.Errorf("header %s = %q; want %q", k, got, v)
					}
				}
			})
		}
	}
}

// serveWire runs one exchange as the worker server does: the compact
// request of Exchange.Wire through the runtime's worker.fetch hook, whose
// answer may be the compact response form.
func serveWire(t testing.TB, rt *engine.Runtime, r *http.Request, handler string) (*fetch.Response, any) {
	t.Helper()
	x, err := fetch.NewExchange(r)
	if err != nil {
		t.Fatalf("NewExchange: %v", err)
	}
	t.Cleanup(x.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := rt.Eval(ctx, `globalThis.__isola_entry = { default: { fetch: `+handler+` } }`); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Call(ctx, "worker.init", map[string]any{}); err != nil {
		t.Fatalf("worker.init: %v", err)
	}
	v, err := rt.Call(ctx, "worker.fetch", nil, x.Wire(), nil)
	if err != nil {
		t.Fatalf("worker.fetch: %v", err)
	}
	resp, err := x.Response(v)
	if err != nil {
		t.Fatalf("Exchange.Response(%#v): %v", v, err)
	}
	return resp, v
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func TestExchangeStreamed(t *testing.T) {
	rt := newRuntime(t)
	r := httptest.NewRequest("GET", "http://example.com/", nil)
	resp, _ := serve(t, rt, r, `async () => {
		let i = 0;
		return new Response(new ReadableStream({
			async pull(c) {
				await new Promise((r) => setTimeout(r, 1));
				if (i < 3) c.enqueue(new TextEncoder().encode("chunk" + i++ + ";"));
				else c.close();
			},
		}));
	}`)
	if !resp.Streamed || resp.ContentLength != -1 {
		t.Fatalf("Streamed, ContentLength = %v, %d; want true, -1", resp.Streamed, resp.ContentLength)
	}
	br := bufio.NewReader(resp.Body)
	for i, want := range []string{"chunk0;", "chunk1;", "chunk2;"} {
		got, err := br.ReadString(';')
		if err != nil || got != want {
			t.Fatalf("chunk %d = %q, %v; want %q", i, got, err, want)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after last chunk: %v; want EOF", err)
	}
	resp.Body.Close()
}

func TestExchangeErrorMidStream(t *testing.T) {
	rt := newRuntime(t)
	r := httptest.NewRequest("GET", "http://example.com/", nil)
	resp, _ := serve(t, rt, r, `async () => {
		let sent = false;
		return new Response(new ReadableStream({
			pull(c) {
				if (!sent) { sent = true; c.enqueue(new TextEncoder().encode("partial")); return }
				c.error(new RangeError("boom"));
			},
		}));
	}`)
	w := httptest.NewRecorder()
	err := resp.Write(w, false)
	var se *fetch.StreamError
	if !errors.As(err, &se) || se.Message != "RangeError: boom" {
		t.Fatalf("Write = %v; want a StreamError with RangeError: boom", err)
	}
	if w.Body.String() != "partial" {
		t.Errorf("body = %q; want %q", w.Body.String(), "partial")
	}
}

func TestExchangeClientGone(t *testing.T) {
	// The server stops reading: the JS pump sees its write fail and cancels.
	rt := newRuntime(t)
	r := httptest.NewRequest("GET", "http://example.com/", nil)
	resp, _ := serve(t, rt, r, `async () => {
		globalThis.__cancelled = new Promise((resolve) => {
			globalThis.__stream = new ReadableStream({
				pull(c) { c.enqueue(new Uint8Array(1024)) },
				cancel(reason) { resolve(String(reason)) },
			});
		});
		return new Response(globalThis.__stream);
	}`)
	buf := make([]byte, 10)
	if _, err := resp.Body.Read(buf); err != nil {
		t.Fatalf("Read: %v", err)
	}
	resp.Body.Close()
	got := eval(t, rt, `globalThis.__cancelled`)
	if !strings.Contains(got, "Network connection lost") {
		t.Errorf("cancel reason = %s; want the write error", got)
	}
}

func TestNewExchangeRejects(t *testing.T) {
	tests := []struct {
		name string
		mod  func(r *http.Request)
	}{
		{"method", func(r *http.Request) { r.Method = "GE T" }},
		{"header name", func(r *http.Request) { r.Header["Bad Name"] = []string{"v"} }},
		{"header value", func(r *http.Request) { r.Header.Set("X", "a\r\nb") }},
		{"host", func(r *http.Request) { r.Host = "a/b" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://example.com/", nil)
			tt.mod(r)
			if _, err := fetch.NewExchange(r); !errors.Is(err, fetch.ErrBadRequest) {
				t.Errorf("NewExchange = %v; want ErrBadRequest", err)
			}
		})
	}
}

// FuzzHTTPToRequest checks that turning any request the HTTP server can
// parse, or any hand-built one, into the init of a JS Request never panics
// and yields only valid names, values and URLs.
func FuzzHTTPToRequest(f *testing.F) {
	f.Add("GET", "/p?q=1", "X-Test: yes\r\nHost: example.com")
	f.Add("POST", "http://h/x", "Content-Length: 3\r\n")
	f.Add("M-SEARCH", "*", "Transfer-Encoding: chunked")
	f.Add("get", "//a/../b", "Host: a:b:c")
	f.Add("PUT", "/%zz", "Bad Name: v")
	f.Fuzz(func(t *testing.T, method, target, headers string) {
		raw := method + " " + target + " HTTP/1.1\r\nHost: example.com\r\n" + headers + "\r\n\r\n"
		if r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw))); err == nil {
			check(t, r)
		}
		u := &url.URL{Path: target, RawQuery: headers}
		r := &http.Request{Method: method, URL: u, Host: headers, Header: http.Header{method: {target}, "X": {headers}}, Body: http.NoBody}
		check(t, r)
	})
}

func check(t *testing.T, r *http.Request) {
	x, err := fetch.NewExchange(r)
	if err != nil {
		if !errors.Is(err, fetch.ErrBadRequest) {
			t.Fatalf("NewExchange error %v is not ErrBadRequest", err)
		}
		return
	}
	defer x.Close()
	init := x.Init()
	if m := init["method"].(string); !httpguts.ValidHeaderFieldName(m) {
		t.Fatalf("method %q", m)
	}
	if _, err := url.Parse(init["url"].(string)); err != nil {
		t.Fatalf("url %q: %v", init["url"], err)
	}
	for _, kv := range init["headers"].([]any) {
		p := kv.([]any)
		if !httpguts.ValidHeaderFieldName(p[0].(string)) || !httpguts.ValidHeaderFieldValue(p[1].(string)) {
			t.Fatalf("header %q", p)
		}
	}
}

func BenchmarkExchange(b *testing.B) {
	rt := newRuntime(b)
	for _, bc := range []struct{ name, handler string }{
		{"buffered", `async () => new Response("hello world")`},
		{"streamed", `async () => new Response(new Blob(["hello ", "world"]).stream())`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("GET", "http://example.com/", nil)
				resp, x := serve(b, rt, r, bc.handler)
				w := httptest.NewRecorder()
				if err := resp.Write(w, false); err != nil || w.Body.String() != "hello world" {
					b.Fatalf("Write = %v, %q", err, w.Body.String())
				}
				x.Close()
			}
		})
	}
}

func TestResponseCompact(t *testing.T) {
	tests := []struct {
		name, in   string
		wantStatus int
		wantText   string
		wantHeader http.Header
		wantBody   string
		wantLength int64
		wantErr    bool
	}{
		{name: "text", in: "200\nOK\ns\n1\ncontent-type\ntext/plain\nhello\nworld", wantStatus: 200, wantText: "OK",
			wantHeader: http.Header{"Content-Type": {"text/plain"}}, wantBody: "hello\nworld", wantLength: 11},
		{name: "null", in: "204\nNo Content\nn\n0\n", wantStatus: 204, wantText: "No Content", wantHeader: http.Header{}},
		{name: "repeated header", in: "200\n\ns\n2\nset-cookie\na=1\nset-cookie\nb=2\n", wantStatus: 200,
			wantHeader: http.Header{"Set-Cookie": {"a=1", "b=2"}}, wantLength: 0},
		{name: "empty", in: "", wantErr: true},
		{name: "bad status", in: "x\nOK\ns\n0\n", wantErr: true},
		{name: "bad kind", in: "200\nOK\nq\n0\n", wantErr: true},
		{name: "bad count", in: "200\nOK\ns\n-1\n", wantErr: true},
		{name: "count past end", in: "200\nOK\ns\n5\na\nb\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := (&fetch.Exchange{}).Response(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Response(%q) = %+v; want an error", tt.in, resp)
				}
				return
			}
			if err != nil {
				t.Fatalf("Response(%q): %v", tt.in, err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.Status != tt.wantStatus || resp.StatusText != tt.wantText || string(body) != tt.wantBody || resp.ContentLength != tt.wantLength {
				t.Errorf("Response(%q) = %d %q %q len %d; want %d %q %q len %d", tt.in, resp.Status, resp.StatusText, body, resp.ContentLength,
					tt.wantStatus, tt.wantText, tt.wantBody, tt.wantLength)
			}
			if fmt.Sprint(resp.Header) != fmt.Sprint(tt.wantHeader) {
				t.Errorf("Response(%q).Header = %v; want %v", tt.in, resp.Header, tt.wantHeader)
			}
		})
	}
}

func FuzzResponseCompact(f *testing.F) {
	f.Add("200\nOK\ns\n1\ncontent-type\ntext/plain\nhello")
	f.Add("204\n\nn\n0\n")
	f.Add("200\nOK\ns\n99999999999999999999\n")
	f.Fuzz(func(t *testing.T, in string) {
		resp, err := (&fetch.Exchange{}).Response(in)
		if err == nil {
			_, _ = io.ReadAll(resp.Body)
		}
	})
}

func TestWire(t *testing.T) {
	big := strings.Repeat("y", 16<<10+1)
	tests := []struct {
		name, body string
		wantText   string // the text body that precedes the request, if any
		wantStream bool
	}{
		{name: "no body"},
		{name: "text", body: "x\ny", wantText: "\n3\nx\ny"},
		{name: "astral text", body: "a😀", wantText: "\n3\na😀"},
		{name: "binary", body: "\xff\xfe", wantStream: true},
		{name: "bom", body: "\xef\xbb\xbfx", wantStream: true},
		{name: "large", body: big, wantStream: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			r := httptest.NewRequest("POST", "http://example.com/a?b=1", body)
			r.Header.Set("X-A", "1")
			x, err := fetch.NewExchange(r)
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			w := x.Wire()
			if !strings.HasPrefix(w, tt.wantText) {
				t.Fatalf("Wire() = %q; want the prefix %q", trunc(w), tt.wantText)
			}
			f := strings.Split(w[len(tt.wantText):], "\n")
			if len(f) != 8 || f[0] != "POST" || f[1] != "http://example.com/a?b=1" || (f[2] != "") != tt.wantStream || f[7] != "" {
				t.Fatalf("Wire() = %q; want method, url, body id (%v), two headers", f, tt.wantStream)
			}
			got := map[string]string{f[3]: f[4], f[5]: f[6]}
			if got["x-a"] != "1" || got["host"] != "example.com" {
				t.Errorf("Wire() headers = %v; want x-a: 1 and host: example.com", got)
			}
		})
	}
}
