package websocket_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/isola-run/isola/internal/server"
)

const roomWrangler = `{
  "name": "rooms", "main": "index.ts", "compatibility_date": "2025-09-01",
  "durable_objects": { "bindings": [{ "name": "ROOM", "class_name": "Room" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room"] }]
}`

const roomSource = `
import { DurableObject } from "cloudflare:workers";
let constructed = 0;
export class Room extends DurableObject {
  ballast: string[];
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    constructed++;
    // Memory only a resident instance holds (~8 MB).
    this.ballast = Array.from({ length: 2000 }, (_, i) => String(i).padEnd(4000, "x"));
  }
  async fetch(req: Request) {
    const u = new URL(req.url);
    if (u.pathname === "/stats") return Response.json({ constructed, sockets: this.ctx.getWebSockets().length });
    if (req.headers.get("Upgrade") !== "websocket") return new Response("expected websocket", { status: 426 });
    const user = u.searchParams.get("user") ?? "anon";
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server, ["user:" + user, "all"]);
    server.serializeAttachment({ user, since: new Date(0), seen: new Map([["a", 1]]) });
    this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    return new Response(null, { status: 101, webSocket: client });
  }
  async webSocketMessage(ws: WebSocket, msg: string | ArrayBuffer) {
    if (typeof msg !== "string") { ws.send(msg); return; }
    if (msg === "whoami") {
      const att = ws.deserializeAttachment();
      ws.send(JSON.stringify({ user: att.user, since: att.since.toISOString(), seen: [...att.seen], tags: this.ctx.getTags(ws),
        constructed, sockets: this.ctx.getWebSockets().length, mine: this.ctx.getWebSockets("user:" + att.user).length,
        auto: this.ctx.getWebSocketAutoResponseTimestamp(ws) !== null, ballast: this.ballast.length }));
      return;
    }
    if (msg === "throw") throw new Error("handler boom");
    if (msg.startsWith("timeout:")) { this.ctx.setHibernatableWebSocketEventTimeout(Number(msg.slice(8))); ws.send("timeout=" + this.ctx.getHibernatableWebSocketEventTimeout()); return; }
    if (msg === "hang") { await new Promise(() => {}); }
    if (msg.startsWith("slow")) { await new Promise((r) => setTimeout(r, 20)); return; }
    if (msg.startsWith("close:")) { ws.close(Number(msg.slice(6)), "asked"); return; }
    for (const s of this.ctx.getWebSockets()) s.send(msg);
  }
  async webSocketClose(ws: WebSocket, code: number, reason: string, wasClean: boolean) {
    console.log("webSocketClose " + code + " " + JSON.stringify(reason) + " " + wasClean);
  }
  async webSocketError(ws: WebSocket, err: Error) {
    console.log("webSocketError " + err.message);
  }
}
export default {
  async fetch(req: Request, env: any) {
    const u = new URL(req.url);
    if (u.pathname === "/churn") {
      // Allocation pressure, so QuickJS's cycle collector runs.
      const hold = [];
      for (let i = 0; i < 100; i++) hold.push("z".repeat(200000) + i);
      return new Response(String(hold.length));
    }
    return env.ROOM.getByName(u.searchParams.get("room") ?? "lobby").fetch(req);
  },
};`

type whoami struct {
	User        string   `json:"user"`
	Since       string   `json:"since"`
	Seen        [][]any  `json:"seen"`
	Tags        []string `json:"tags"`
	Constructed int      `json:"constructed"`
	Sockets     int      `json:"sockets"`
	Mine        int      `json:"mine"`
	Auto        bool     `json:"auto"`
	Ballast     int      `json:"ballast"`
}

func ask(t testing.TB, c *websocket.Conn) whoami {
	t.Helper()
	send(t, c, "whoami")
	var w whoami
	if err := json.Unmarshal([]byte(recv(t, c)), &w); err != nil {
		t.Fatal(err)
	}
	return w
}

// heap sums the JS heap of the worker's runtimes.
func heap(ts *testServer) int64 {
	w := ts.Srv.Main()
	var n int64
	for i := 0; i < w.Size(); i++ {
		if r, err := w.Ref(i); err == nil {
			n += r.Runtime().MemoryUsage()
		}
	}
	return n
}

func get(t testing.TB, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func startRooms(t testing.TB, idle time.Duration) *testServer {
	t.Helper()
	return startProject(t, roomWrangler, roomSource, func(o *server.Options) { o.IdleTimeout = idle; o.Runtimes = 1 })
}

func hibernated(ts *testServer) bool {
	infos := ts.Srv.Actors().Hibernation()
	return len(infos) > 0 && infos[0].Hibernated
}

func TestHibernationProof(t *testing.T) {
	ts := startRooms(t, 300*time.Millisecond)
	a := dial(t, ts.WS+"/?user=ann")
	b := dial(t, ts.WS+"/?user=bob")
	w := ask(t, a)
	if w.Constructed != 1 || w.Sockets != 2 || w.User != "ann" || w.Mine != 1 || w.Ballast != 2000 {
		t.Fatalf("before hibernation: %+v", w)
	}
	resident := heap(ts)

	waitFor(t, "hibernation", func() bool { return hibernated(ts) })
	if !strings.Contains(ts.Logs.String(), "durable object hibernated") {
		t.Errorf("no hibernation log line in:\n%s", ts.Logs.String())
	}
	get(t, ts.URL+"/churn")
	asleep := heap(ts)
	if asleep > resident-4<<20 {
		t.Errorf("JS heap resident %d, hibernated %d; want at least 4 MiB released", resident, asleep)
	}

	// Auto-response: answered in Go, the object stays asleep.
	send(t, b, "ping")
	if got := recv(t, b); got != "pong" {
		t.Fatalf("auto-response = %q; want pong", got)
	}
	if !hibernated(ts) {
		t.Fatalf("auto-response woke the object")
	}

	// The next message re-creates the object with sockets, tags and attachments.
	w = ask(t, b)
	want := whoami{User: "bob", Since: "1970-01-01T00:00:00.000Z", Tags: []string{"user:bob", "all"}, Constructed: 2, Sockets: 2, Mine: 1, Auto: true, Ballast: 2000}
	if w.User != want.User || w.Since != want.Since || len(w.Seen) != 1 || strings.Join(w.Tags, ",") != strings.Join(want.Tags, ",") ||
		w.Constructed != want.Constructed || w.Sockets != want.Sockets || w.Mine != want.Mine || w.Auto != want.Auto {
		t.Fatalf("after hibernation = %+v; want %+v", w, want)
	}
	if !strings.Contains(ts.Logs.String(), "woke from hibernation") {
		t.Errorf("no wake-up log line")
	}

	// Broadcast reaches both, including the socket accepted before hibernation.
	send(t, b, "hello all")
	for _, c := range []*websocket.Conn{a, b} {
		if got := recv(t, c); got != "hello all" {
			t.Fatalf("broadcast = %q", got)
		}
	}
	// Closing from the object.
	send(t, a, "close:4000")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, err := a.Read(ctx)
	if st := websocket.CloseStatus(err); st != 4000 {
		t.Fatalf("close status = %v (%v); want 4000", st, err)
	}
	waitFor(t, "webSocketClose", func() bool { return strings.Contains(ts.Logs.String(), "webSocketClose 4000") })
}

const plainRoomSource = `
import { DurableObject } from "cloudflare:workers";
let constructed = 0;
export class Room extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) { super(ctx, env); constructed++; }
  async fetch(req: Request) {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("message", (e: MessageEvent) => server.send(e.data + " constructed=" + constructed));
    return new Response(null, { status: 101, webSocket: client });
  }
}
export default {
  async fetch(req: Request, env: any) { return env.ROOM.getByName("plain").fetch(req); },
};`

// A socket accepted with server.accept() in an object keeps the object in
// memory: it is not evicted while the socket is open.
func TestAcceptedSocketPinsObject(t *testing.T) {
	ts := startProject(t, roomWrangler, plainRoomSource, func(o *server.Options) { o.IdleTimeout = 100 * time.Millisecond })
	c := dial(t, ts.WS+"/")
	send(t, c, "a")
	if got := recv(t, c); got != "a constructed=1" {
		t.Fatalf("first = %q", got)
	}
	time.Sleep(time.Second) // ten idle timeouts
	send(t, c, "b")
	if got := recv(t, c); got != "b constructed=1" {
		t.Fatalf("after idle = %q; want the same instance", got)
	}
	if n := ts.Srv.Actors().Resident(); n != 1 {
		t.Errorf("Resident() = %d; want 1", n)
	}
	c.Close(websocket.StatusNormalClosure, "")
	waitFor(t, "eviction after close", func() bool { return ts.Srv.Actors().Resident() == 0 })
}

// setHibernatableWebSocketEventTimeout bounds a handler: one that never
// settles is abandoned and the next message is delivered.
func TestHibernatableEventTimeout(t *testing.T) {
	ts := startRooms(t, time.Minute)
	c := dial(t, ts.WS+"/?room=timeout&user=tim")
	send(t, c, "timeout:200")
	if got := recv(t, c); got != "timeout=200" {
		t.Fatalf("set timeout: %q", got)
	}
	send(t, c, "hang")
	if w := ask(t, c); w.User != "tim" {
		t.Fatalf("after a hung handler: %+v", w)
	}
	waitFor(t, "logged timeout", func() bool { return strings.Contains(ts.Logs.String(), "websocket event handler failed") })
}
