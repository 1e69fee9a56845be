package worker

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/isola-run/isola/internal/bundle"
	"github.com/isola-run/isola/js"
)

// newWorker bundles src (an entry module) and starts it.
func newWorker(t testing.TB, src string, mod func(*Spec)) *Worker {
	t.Helper()
	dir := t.TempDir()
	if err := writeFile(dir+"/index.js", src); err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Build(bundle.Options{Dir: dir, Entry: "index.js", Virtual: js.Modules})
	if err != nil {
		t.Fatal(err)
	}
	spec := Spec{Name: "test", Script: b.Code, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if mod != nil {
		mod(&spec)
	}
	w, err := New(spec, NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}

func TestServeHTTP(t *testing.T) {
	w := newWorker(t, `export default { async fetch(req, env) { return new Response(req.method + " " + new URL(req.url).pathname + " " + env.X, { headers: { "x-a": "1" } }); } };`,
		func(s *Spec) { s.Vars = map[string]any{"X": "y"} })
	rec := httptest.NewRecorder()
	w.ServeHTTP(rec, httptest.NewRequest("GET", "http://example.com/p", nil))
	if rec.Code != 200 || rec.Body.String() != "GET /p y" || rec.Header().Get("x-a") != "1" {
		t.Errorf("ServeHTTP = %d %q %v", rec.Code, rec.Body.String(), rec.Header())
	}
}

func TestScriptLoadError(t *testing.T) {
	b := `throw new Error("top-level boom");`
	_, err := New(Spec{Name: "boom", Script: b, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, NewRegistry())
	if err == nil || !strings.Contains(err.Error(), "top-level boom") {
		t.Fatalf("New with a throwing script = %v; want ErrScriptLoad naming the error", err)
	}
}

func BenchmarkServeHTTP(b *testing.B) {
	for _, tc := range []struct{ name, src, method, body string }{
		{"hello", `export default { fetch() { return new Response("hello"); } };`, "GET", ""},
		{"json-echo", `export default { async fetch(r) { return Response.json(await r.json()); } };`, "POST", `{"a":[1,2,3],"b":"text"}`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			w := newWorker(b, tc.src, nil)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var body io.Reader
				if tc.body != "" {
					body = strings.NewReader(tc.body)
				}
				rec := httptest.NewRecorder()
				w.ServeHTTP(rec, httptest.NewRequest(tc.method, "http://example.com/", body))
				if rec.Code != 200 {
					b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}

func TestOversizedBody(t *testing.T) {
	w := newWorker(t, `export default { async fetch(r) { return new Response(String((await r.arrayBuffer()).byteLength)); } };`,
		func(s *Spec) { s.MaxBodyBytes = 1024 })
	rec := httptest.NewRecorder()
	w.ServeHTTP(rec, httptest.NewRequest("POST", "http://example.com/", strings.NewReader(strings.Repeat("x", 2048))))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("POST of 2 KiB with a 1 KiB cap = %d; want 413", rec.Code)
	}
	rec = httptest.NewRecorder()
	w.ServeHTTP(rec, httptest.NewRequest("POST", "http://example.com/", strings.NewReader("small")))
	if rec.Code != 200 || rec.Body.String() != "5" {
		t.Errorf("POST of 5 bytes = %d %q; want 200 5", rec.Code, rec.Body.String())
	}
}
