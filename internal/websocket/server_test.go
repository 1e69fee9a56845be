package websocket_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/isola-run/isola/internal/config"
	"github.com/isola-run/isola/internal/server"
)

type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type testServer struct {
	URL  string // http://127.0.0.1:port
	WS   string // ws://127.0.0.1:port
	Logs *logBuffer
	Srv  *server.Server
}

// startProject writes a project (wrangler.jsonc + index.ts) and serves it
// on 127.0.0.1:0 until the test ends.
func startProject(t testing.TB, wrangler, index string, mod func(*server.Options)) *testServer {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{"wrangler.jsonc": wrangler, "index.ts": index} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	logs := &logBuffer{}
	port, ip := 0, "127.0.0.1"
	persist := filepath.Join(dir, ".state")
	opts := server.Options{
		Path:     dir,
		Flags:    config.Flags{Port: &port, IP: &ip, PersistTo: &persist},
		Logger:   slog.New(server.NewDevHandler(logs, slog.LevelDebug)),
		Grace:    2 * time.Second,
		Runtimes: 2,
	}
	if mod != nil {
		mod(&opts)
	}
	srv, err := server.New(opts)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	url, err := srv.Listen()
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Errorf("server did not shut down")
		}
	})
	return &testServer{URL: url, WS: "ws" + strings.TrimPrefix(url, "http"), Logs: logs, Srv: srv}
}

// dial opens a client connection and closes it at the end of the test.
func dial(t testing.TB, url string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("Dial(%s): %v", url, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func send(t testing.TB, c *websocket.Conn, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("Write(%q): %v", msg, err)
	}
}

func recv(t testing.TB, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	typ, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if typ == websocket.MessageBinary {
		return "bin:" + string(b)
	}
	return string(b)
}

const plainWrangler = `{ "name": "ws", "main": "index.ts", "compatibility_date": "2025-09-01" }`

const echoWorker = `
export default {
  async fetch(req: Request) {
    if (req.headers.get("Upgrade") !== "websocket") return new Response("not ws", { status: 400 });
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("message", (e: MessageEvent) => {
      if (e.data === "close") { server.close(3001, "bye"); return; }
      if (typeof e.data === "string") server.send("echo:" + e.data);
      else server.send(e.data);
    });
    server.addEventListener("close", (e: CloseEvent) => console.log("closed " + e.code + " " + e.wasClean));
    return new Response(null, { status: 101, webSocket: client });
  },
};`

func TestWorkerEcho(t *testing.T) {
	ts := startProject(t, plainWrangler, echoWorker, nil)
	c := dial(t, ts.WS+"/")
	send(t, c, "hi")
	if got := recv(t, c); got != "echo:hi" {
		t.Fatalf("echo = %q; want %q", got, "echo:hi")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageBinary, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, c); got != "bin:\x01\x02\x03" {
		t.Fatalf("binary echo = %q", got)
	}
	send(t, c, "close")
	_, _, err := c.Read(ctx)
	if st := websocket.CloseStatus(err); st != 3001 {
		t.Fatalf("close status = %v (%v); want 3001", st, err)
	}
}

const clientWorker = `
export default {
  async fetch(req: Request) {
    const u = new URL(req.url);
    const target = u.searchParams.get("to")!;
    if (u.pathname === "/ctor") {
      const ws = new WebSocket(target);
      const got = await new Promise<string>((resolve, reject) => {
        ws.addEventListener("open", () => ws.send("hi"));
        ws.addEventListener("message", (e: MessageEvent) => { resolve(e.data as string); ws.close(1000, "done"); });
        ws.addEventListener("error", (e: any) => reject(new Error("ws error " + e.message)));
      });
      return new Response(got + " state=" + ws.readyState);
    }
    if (u.pathname === "/fetch") {
      const resp = await fetch(target.replace("ws:", "http:"), { headers: { Upgrade: "websocket" } });
      const ws = resp.webSocket!;
      ws.accept();
      ws.send("via fetch");
      const got = await new Promise<string>((resolve) => ws.addEventListener("message", (e: MessageEvent) => resolve(e.data as string)));
      ws.close(1000);
      return new Response(resp.status + " " + got);
    }
    if (u.pathname === "/badclose") {
      const [a, b] = Object.values(new WebSocketPair());
      a.accept();
      try { a.close(999); } catch (e: any) { return new Response(e.name + ": " + e.message); }
      return new Response("no error");
    }
    if (u.pathname === "/pair") {
      const [a, b] = Object.values(new WebSocketPair());
      a.accept(); b.accept();
      const got = new Promise<string>((resolve) => b.addEventListener("message", (e: MessageEvent) => resolve(e.data as string)));
      const closed = new Promise<string>((resolve) => a.addEventListener("close", (e: CloseEvent) => resolve(e.code + " " + e.reason + " " + e.wasClean)));
      a.send("in-process");
      const m = await got;
      b.close(4321, "done");
      return new Response(m + " | " + (await closed) + " | " + a.readyState);
    }
    return new Response("?", { status: 404 });
  },
};`

func TestWorkerClient(t *testing.T) {
	echo := startProject(t, plainWrangler, echoWorker, nil)
	ts := startProject(t, plainWrangler, clientWorker, nil)
	tests := []struct{ path, want string }{
		{"/ctor?to=" + echo.WS + "/", "echo:hi state=2"},
		{"/fetch?to=" + echo.WS + "/", "101 echo:via fetch"},
		{"/badclose", "InvalidAccessError: Invalid WebSocket close code: 999."},
		{"/pair", "in-process | 4321 done true | 2"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := get(t, ts.URL+tt.path); got != tt.want {
				t.Errorf("GET %s = %q; want %q", tt.path, got, tt.want)
			}
		})
	}
}

const burnWorker = `
export default {
  async fetch(req: Request) {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("message", (e: MessageEvent) => {
      const end = Date.now() + 30;
      while (Date.now() < end) {} // 30 ms of CPU per message
      server.send("done " + e.data);
    });
    return new Response(null, { status: 101, webSocket: client });
  },
};`

// Each message of an accepted socket is an event with a CPU budget of its
// own (as in workerd), not a share of the request that accepted it: 20
// messages of 30 ms each pass under a 200 ms per-request limit.
func TestSocketEventsHaveTheirOwnCPUBudget(t *testing.T) {
	ts := startProject(t, plainWrangler, burnWorker, func(o *server.Options) {
		ms := 200
		o.Flags.CPUMs = &ms
	})
	c := dial(t, ts.WS+"/")
	for i := 0; i < 20; i++ {
		msg := fmt.Sprint(i)
		send(t, c, msg)
		if got := recv(t, c); got != "done "+msg {
			t.Fatalf("message %d: got %q", i, got)
		}
	}
}
