package fetch_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// newServer starts the test origin on 127.0.0.1.
func newServer(t testing.TB) (*httptest.Server, chan struct{}) {
	t.Helper()
	next := make(chan struct{}, 1)
	var bodyLen atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Method", r.Method)
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		fmt.Fprintf(w, "hello %s", r.Header.Get("X-Name"))
	})
	mux.HandleFunc("/chunks", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("one"))
		w.(http.Flusher).Flush()
		select {
		case <-next: // the client read "one" before "two" existed
		case <-r.Context().Done():
			return
		}
		w.Write([]byte("two"))
	})
	mux.HandleFunc("/next", func(w http.ResponseWriter, r *http.Request) {
		next <- struct{}{}
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodyLen.Store(r.ContentLength)
		w.Header().Set("X-Content-Length", fmt.Sprint(r.ContentLength))
		w.Header().Set("X-Content-Type", r.Header.Get("Content-Type"))
		w.Header().Set("X-Method", r.Method)
		w.Write(b)
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		code := 302
		if r.URL.Query().Get("code") != "" {
			fmt.Sscan(r.URL.Query().Get("code"), &code)
		}
		http.Redirect(w, r, "/echo", code)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", 302)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("x"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("/nocontent", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(204)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, next
}

func TestFetch(t *testing.T) {
	srv, _ := newServer(t)
	base := srv.URL
	refused := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr + "/"
	}()
	cases := []jsCase{
		{"get", `const r = await fetch("` + base + `/hello", {headers: {"X-Name": "js"}}); return [r.status, r.statusText, r.ok, await r.text(), r.headers.get("x-method"), r.headers.getSetCookie(), r.url === "` + base + `/hello", r.redirected]`,
			`[200,"OK",true,"hello js","GET",["a=1","b=2"],true,false]`},
		{"immutable headers", `const r = await fetch("` + base + `/hello"); r.headers.set("x", "1")`, `TypeError: Can't modify immutable headers.`},
		{"head", `const r = await fetch("` + base + `/hello", {method: "HEAD"}); return [r.status, r.body]`, `[200,null]`},
		{"no content", `const r = await fetch("` + base + `/nocontent"); return [r.status, r.body]`, `[204,null]`},
		{"post string", `const r = await fetch("` + base + `/echo", {method: "POST", body: "data"}); return [await r.text(), r.headers.get("x-content-length"), r.headers.get("x-content-type")]`, `["data","4","text/plain;charset=UTF-8"]`},
		{"post bytes", `const r = await fetch("` + base + `/echo", {method: "PUT", body: new Uint8Array([1, 2, 3])}); return [...new Uint8Array(await r.arrayBuffer())]`, `[1,2,3]`},
		{"post stream", `
			let n = 0;
			const body = new ReadableStream({async pull(c) { await new Promise((r) => setTimeout(r, 1)); if (n++ < 3) c.enqueue(new TextEncoder().encode("c" + n)); else c.close() }});
			const r = await fetch("` + base + `/echo", {method: "POST", body});
			return [await r.text(), r.headers.get("x-content-length")]`, `["c1c2c3","-1"]`},
		{"post fixed length", `
			const t = new FixedLengthStream(4);
			const w = t.writable.getWriter(); w.write(new Uint8Array([1, 2])); w.write(new Uint8Array([3, 4])); w.close();
			const r = await fetch("` + base + `/echo", {method: "POST", body: t.readable});
			return [(await r.bytes()).length, r.headers.get("x-content-length")]`, `[4,"4"]`},
		{"post formdata", `const f = new FormData(); f.append("k", "v"); const r = await fetch("` + base + `/echo", {method: "POST", body: f}); return (await new Response(await r.text(), {headers: {"content-type": r.headers.get("x-content-type")}}).formData()).get("k")`, `"v"`},
		{"redirect follow", `const r = await fetch("` + base + `/redirect"); return [r.status, r.redirected, r.url === "` + base + `/echo", r.headers.get("x-method")]`, `[200,true,true,"GET"]`},
		{"redirect 303 post", `const r = await fetch("` + base + `/redirect?code=303", {method: "POST", body: "x"}); return [r.headers.get("x-method"), await r.text()]`, `["GET",""]`},
		{"redirect 307 buffered", `const r = await fetch("` + base + `/redirect?code=307", {method: "POST", body: "again"}); return [r.headers.get("x-method"), await r.text()]`, `["POST","again"]`},
		{"redirect 307 stream", `await fetch("` + base + `/redirect?code=307", {method: "POST", body: new Blob(["s"]).stream()})`, `TypeError: A request with a one-time-use body (it was initialized from a stream, not a buffer) encountered a redirect requiring the body to be retransmitted. To avoid this error in the future, construct this request from a buffer-like body initializer.`},
		{"redirect manual", `const r = await fetch("` + base + `/redirect", {redirect: "manual"}); return [r.status, r.headers.get("location"), r.redirected]`, `[302,"/echo",false]`},
		{"too many redirects", `await fetch("` + base + `/loop")`, `TypeError: Too many redirects.`},
		{"refused", `await fetch("` + refused + `")`, `Error: Network connection lost.`},
		{"bad scheme", `await fetch("ftp://example.com/")`, `TypeError: Fetch API cannot load: ftp://example.com/`},
		{"aborted before", `const c = new AbortController(); c.abort(); try { await fetch("` + base + `/hello", {signal: c.signal}) } catch (e) { return e.name }`, `"AbortError"`},
		{"abort mid-body", `
			const c = new AbortController();
			const r = await fetch("` + base + `/slow", {signal: c.signal});
			const rd = r.body.getReader();
			const first = await rd.read();
			const pending = rd.read();
			c.abort();
			try { await pending; return "not aborted" } catch (e) { return [first.value.length, e.name] }`, `[1,"AbortError"]`},
		{"abort reason", `
			const c = new AbortController();
			const r = await fetch("` + base + `/slow", {signal: c.signal});
			const t = r.text();
			c.abort(new Error("why"));
			try { await t; return "not aborted" } catch (e) { return e.message }`, `"why"`},
		{"byob body", `const r = await fetch("` + base + `/hello"); const rd = r.body.getReader({mode: "byob"}); const {value} = await rd.read(new Uint8Array(3)); return String.fromCharCode(...value)`, `"hel"`},
		{"cancel body", `const r = await fetch("` + base + `/slow"); await r.body.cancel(); return r.bodyUsed`, `true`},
		{"request object", `const q = new Request("` + base + `/echo", {method: "POST", body: "rq"}); const r = await fetch(q); return [await r.text(), q.bodyUsed]`, `["rq",true]`},
		{"proxy body", `const a = await fetch("` + base + `/hello"); const r = await fetch("` + base + `/echo", {method: "POST", body: a.body}); return await r.text()`, `"hello "`},
	}
	runCases(t, cases)
}

func TestFetchChunks(t *testing.T) {
	srv, _ := newServer(t)
	rt := newRuntime(t)
	got := eval(t, rt, `(async () => {
		const r = await fetch("`+srv.URL+`/chunks");
		const rd = r.body.getReader();
		const dec = new TextDecoder();
		const a = await rd.read();
		await fetch("`+srv.URL+`/next");
		const b = await rd.read();
		const c = await rd.read();
		return [dec.decode(a.value), dec.decode(b.value), c.done];
	})()`)
	if want := `["one","two",true]`; got != want {
		t.Errorf("chunks = %s; want %s", got, want)
	}
	if !strings.Contains(got, "one") {
		t.Fatal("no first chunk")
	}
}
