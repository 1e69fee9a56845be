package loader_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/isola-run/isola/internal/config"
	"github.com/isola-run/isola/internal/server"
)

// serve runs the project at path (a directory or a config file) on a real
// server listening on 127.0.0.1:0 until the test ends, and returns its URL.
func serve(tb testing.TB, path string) string {
	tb.Helper()
	port, ip, state := 0, "127.0.0.1", tb.TempDir()
	opts := server.Options{
		Path:   path,
		Flags:  config.Flags{Port: &port, IP: &ip, PersistTo: &state},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Grace:  5 * time.Second,
	}
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		opts.Path, opts.Config = filepath.Dir(path), path
	}
	srv, err := server.New(opts)
	if err != nil {
		tb.Fatalf("server.New(%s): %v", path, err)
	}
	url, err := srv.Listen()
	if err != nil {
		tb.Fatalf("Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	tb.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			tb.Errorf("server for %s did not shut down", path)
		}
	})
	return url
}

// post sends body to url and returns status and response body.
func post(tb testing.TB, url, body string) (int, string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("POST %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// codemodeProject returns the examples/codemode project, or a copy of it
// whose loader runs in process isolation.
func codemodeProject(tb testing.TB, isolation string) string {
	tb.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "examples", "codemode"))
	if err != nil {
		tb.Fatal(err)
	}
	if isolation == "" {
		return dir
	}
	src, err := os.ReadFile(filepath.Join(dir, "src", "index.ts"))
	if err != nil {
		tb.Fatal(err)
	}
	tmp := tb.TempDir()
	if err := os.MkdirAll(filepath.Join(tmp, "src"), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "src", "index.ts"), src, 0o644); err != nil {
		tb.Fatal(err)
	}
	cfg := `{"name": "codemode", "main": "src/index.ts", "compatibility_date": "2025-09-01",
  "worker_loaders": [{ "binding": "LOADER", "isolation": "` + isolation + `" }]}`
	if err := os.WriteFile(filepath.Join(tmp, "wrangler.json"), []byte(cfg), 0o644); err != nil {
		tb.Fatal(err)
	}
	return tmp
}

// TestCodemodeExample runs examples/codemode end to end through a real
// server: snippets as a model writes them call the tools passed to the
// sandbox as an RPC stub.
func TestCodemodeExample(t *testing.T) {
	for _, isolation := range []string{"", "process"} {
		name := isolation
		if name == "" {
			name = "isolate"
		}
		t.Run(name, func(t *testing.T) {
			if isolation == "process" && testing.Short() {
				t.Skip("process isolation in -short mode")
			}
			url := serve(t, codemodeProject(t, isolation))
			tests := []struct {
				name    string
				snippet string
				status  int
				want    string // JSON the answer must equal
			}{
				{"tool calls", "async () => {\n  const w = await tools.getWeather(\"Lisbon\");\n  const sum = await tools.add(w.tempC, 1);\n  console.log(\"sum is\", sum);\n  return `${w.city}: ${w.sky}, ${sum}`;\n}",
					200, `{"result":"Lisbon: sunny, 22","logs":["sum is 22"],"toolCalls":2}`},
				{"structured result", `async () => { const docs = await tools.search("model"); return { n: docs.length, ids: docs.map(d => d.id), at: new Date(0) } }`,
					200, `{"result":{"n":1,"ids":[3],"at":"1970-01-01T00:00:00.000Z"},"logs":[],"toolCalls":1}`},
				{"parallel calls", `async () => (await Promise.all(["Oslo", "Paris"].map(c => tools.getWeather(c)))).map(w => w.tempC)`,
					200, `{"result":[4,14],"logs":[],"toolCalls":2}`},
				{"tool throws", `async () => tools.getWeather("Atlantis")`,
					422, `{"error":{"name":"RangeError","message":"no weather for Atlantis"},"logs":[],"toolCalls":1}`},
				{"no network", `async () => { await fetch("https://example.com/"); return "reached" }`,
					422, `{"error":{"name":"Error","message":"This worker is not permitted to access the internet via global functions like fetch(). It must use capabilities (such as bindings in 'env') to talk to the outside world."},"logs":[],"toolCalls":0}`},
				{"no env", `async () => [typeof process, typeof require, typeof tools.constructor]`,
					200, `{"result":["undefined","undefined","function"],"logs":[],"toolCalls":0}`},
				{"private state unreachable", `async () => { try { return await tools.calls() } catch (e) { return e.name } }`,
					200, `{"result":"TypeError","logs":[],"toolCalls":0}`},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					st, body := post(t, url, tt.snippet)
					if st != tt.status || !jsonEqual(body, tt.want) {
						t.Errorf("POST %q = %d %s; want %d %s", tt.snippet, st, body, tt.status, tt.want)
					}
				})
			}
			// Bad snippets are the caller's error; the server keeps working.
			bad := []struct{ name, snippet, msg string }{
				{"syntax error", `async () => { return 1 +; }`, "Failed to start Worker:\nUncaught SyntaxError"},
				{"runaway loop", `async () => { for (;;) {} }`, "Worker exceeded CPU time limit."},
			}
			for _, tt := range bad {
				t.Run(tt.name, func(t *testing.T) {
					st, body := post(t, url, tt.snippet)
					var got struct {
						Error struct{ Name, Message string }
					}
					if err := json.Unmarshal([]byte(body), &got); err != nil || st != 400 || !strings.Contains(got.Error.Message, tt.msg) {
						t.Errorf("POST %q = %d %s; want 400 with %q", tt.snippet, st, body, tt.msg)
					}
				})
			}
			if st, body := post(t, url, `async () => tools.add(40, 2)`); st != 200 || !jsonEqual(body, `{"result":42,"logs":[],"toolCalls":1}`) {
				t.Errorf("after bad snippets: %d %s", st, body)
			}
		})
	}
}

// jsonEqual compares two JSON texts as values.
func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}
