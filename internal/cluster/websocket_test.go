package cluster_test

// WebSockets across nodes with real `isola serve` processes: a client that
// reached a node other than its room's owner talks to the room as if the
// room ran there (testdata/rooms), the room hibernates and wakes on its
// owner, and the death of either node closes the other side's sockets.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"hash/fnv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// startRooms starts 3 nodes running testdata/rooms with a 1 s hibernation
// timeout (startNet's nodes run testdata/app with the defaults).
func startRooms(t testing.TB) *testNet {
	t.Helper()
	return startNetWith(t, netSpec{size: 3, leaseMs: 3000, app: "rooms", binding: "ROOM", class: "Room", args: []string{"--hibernation-timeout", "1s"}})
}

// shardLeader returns the node that leads the shard of room's object once
// leaders are placed: shard i's is the i-th node in sorted order, and the
// shard is the hash of the object's key (internal/cluster/shard.go,
// internal/actor clusterKey).
func shardLeader(t testing.TB, tn *testNet, room string) *proc {
	t.Helper()
	id, err := get(tn.nodes[0].http, "/id/"+room)
	if err != nil {
		t.Fatal(err)
	}
	h := fnv.New32a()
	h.Write([]byte(base64.RawURLEncoding.EncodeToString([]byte("app.Room/" + id))))
	return tn.nodes[h.Sum32()%uint32(len(tn.nodes))]
}

type roomClient struct {
	t    testing.TB
	user string
	c    *websocket.Conn
}

// join connects user to room through node p and reads the welcome; query
// is added to the URL.
func join(t testing.TB, p *proc, room, user string, query ...string) *roomClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := "ws://" + p.http + "/ws/" + room + "?user=" + user + "&via=" + p.id
	for _, q := range query {
		u += "&" + q
	}
	c, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		t.Fatalf("%s joins %s through %s: %v", user, room, p.id, err)
	}
	c.SetReadLimit(16 << 20)
	t.Cleanup(func() { c.CloseNow() })
	rc := &roomClient{t: t, user: user, c: c}
	if got := rc.read(); !strings.HasPrefix(got, "welcome "+user+" from ") {
		t.Fatalf("%s got %q; want a welcome", user, got)
	}
	return rc
}

func (rc *roomClient) write(typ websocket.MessageType, b []byte) {
	rc.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rc.c.Write(ctx, typ, b); err != nil {
		rc.t.Fatalf("%s write: %v", rc.user, err)
	}
}

func (rc *roomClient) say(s string) { rc.t.Helper(); rc.write(websocket.MessageText, []byte(s)) }

// next reads a message or the close, within d.
func (rc *roomClient) next(d time.Duration) (websocket.MessageType, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return rc.c.Read(ctx)
}

func (rc *roomClient) read() string {
	rc.t.Helper()
	typ, b, err := rc.next(10 * time.Second)
	if err != nil || typ != websocket.MessageText {
		rc.t.Fatalf("%s read = %v, %q, %v; want a text message", rc.user, typ, b, err)
	}
	return string(b)
}

type roomWho struct {
	Node     string   `json:"node"`
	Instance string   `json:"instance"`
	Sockets  int      `json:"sockets"`
	Tags     []string `json:"tags"`
}

func (rc *roomClient) who() roomWho {
	rc.t.Helper()
	rc.say("who")
	var w roomWho
	if s := rc.read(); json.Unmarshal([]byte(s), &w) != nil {
		rc.t.Fatalf("who: %q", s)
	}
	return w
}

// TestProcessWebSockets: a hibernatable chat room owned by one node, with
// clients on its owner, on a node that neither owns it nor leads its
// shard, and (later) on that shard's leader.
func TestProcessWebSockets(t *testing.T) {
	processTest(t)
	tn := startRooms(t)
	tn.waitLeadersPlaced()
	owner := tn.nodes[0]
	room := placeOn(t, owner, "room", 1)[0]
	leader := shardLeader(t, tn, room)
	if leader == owner {
		t.Fatalf("%s owns %s and leads its shard", owner.id, room)
	}
	var clientNode *proc // neither the owner nor the shard's leader: its death leaves the room's shard alone
	for _, p := range tn.nodes {
		if p != owner && p != leader {
			clientNode = p
		}
	}
	roomID, _ := get(owner.http, "/id/"+room)
	t.Logf("room %s: owner %s, shard leader %s, client node %s", room, owner.id, leader.id, clientNode.id)

	x := join(t, clientNode, room, "x") // relayed
	y := join(t, owner, room, "y")      // local to the owner

	// Each phase starts where the last one left off: a failure ends the test.
	ok := t.Run("messages", func(t *testing.T) {
		// Each message reaches both clients (the room orders messages
		// as they reach it: the relayed one comes later).
		for _, c := range []struct {
			from *roomClient
			msg  string
		}{{x, "hello"}, {y, "hi"}} {
			c.from.say(c.msg)
			want := c.from.user + ": " + c.msg
			for _, rc := range []*roomClient{x, y} {
				if got := rc.read(); got != want {
					t.Fatalf("%s got %q; want %q", rc.user, got, want)
				}
			}
		}
		w := x.who()
		if w.Node != owner.id || w.Sockets != 2 || strings.Join(w.Tags, ",") != "user:x,via:"+clientNode.id {
			t.Errorf("who through %s = %+v; want node %s, 2 sockets, tags user:x, via:%s", clientNode.id, w, owner.id, clientNode.id)
		}
		// getWebSockets(tag) on the owner, asked through the third node.
		for tag, want := range map[string]string{"": "2", "via:" + clientNode.id: "1", "user:y": "1", "user:nobody": "0"} {
			if got, err := get(leader.http, "/count/"+room+"?tag="+tag); err != nil || got != want {
				t.Errorf("count(%q) = %q, %v; want %s", tag, got, err, want)
			}
		}
		// A socket the room accept()s (not hibernatable) is relayed too.
		p := join(t, clientNode, room, "p", "mode=plain")
		p.say("ping")
		if got := p.read(); !strings.HasPrefix(got, "plain ") || !strings.HasSuffix(got, ": ping") {
			t.Errorf("plain socket got %q; want its echo", got)
		}
		p.c.Close(websocket.StatusNormalClosure, "")
		// A message over NATS's 1 MiB payload goes in chunks, both ways.
		big := bytes.Repeat([]byte("0123456789abcdef"), 3<<16) // 3 MiB
		x.write(websocket.MessageBinary, big)
		typ, got, err := x.next(20 * time.Second)
		if err != nil || typ != websocket.MessageBinary || !bytes.Equal(got, big) {
			t.Fatalf("echo of %d bytes = %v, %d bytes, %v", len(big), typ, len(got), err)
		}
	})

	ok = ok && t.Run("hibernation", func(t *testing.T) {
		before := x.who().Instance
		hibernated := func() bool {
			return strings.Contains(owner.grepLog("durable object hibernated"), roomID)
		}
		for end := time.Now().Add(20 * time.Second); !hibernated(); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("room not hibernated on %s after 20 s; log:\n%s", owner.id, owner.logText())
			}
		}
		w := x.who() // wakes it, on its owner
		if w.Node != owner.id || w.Instance == before || w.Sockets != 2 {
			t.Errorf("who after hibernation = %+v; want node %s, a new instance (not %s), 2 sockets", w, owner.id, before)
		}
		if !strings.Contains(owner.grepLog("woke from hibernation"), roomID) {
			t.Errorf("no wake-up logged on %s", owner.id)
		}
		x.say("after")
		for _, rc := range []*roomClient{x, y} {
			if got := rc.read(); got != "x: after" {
				t.Fatalf("%s got %q; want %q", rc.user, got, "x: after")
			}
		}
	})

	ok = ok && t.Run("client node killed", func(t *testing.T) {
		killed := time.Now()
		clientNode.kill()
		// The owner sees x's socket close (its relay gives up on the
		// silent node), and tells y.
		got := y.read()
		if got != "left x 1006" {
			t.Fatalf("y got %q; want %q", got, "left x 1006")
		}
		t.Logf("the owner saw the socket of the killed node's client close after %v", time.Since(killed).Round(100*time.Millisecond))
		if n, err := get(owner.http, "/count/"+room); err != nil || n != "1" {
			t.Errorf("count after the kill = %q, %v; want 1", n, err)
		}
		if c, err := get(owner.http, "/closes/"+room); err != nil || c != `{"closed:x":1006}` {
			t.Errorf("closes = %q, %v; want x closed with 1006", c, err)
		}
	})

	_ = ok && t.Run("owner killed", func(t *testing.T) {
		z := join(t, leader, room, "z") // relayed from the shard's leader
		z.say("still here")
		if got := z.read(); got != "z: still here" {
			t.Fatalf("z got %q", got)
		}
		killed := time.Now()
		owner.kill()
		// z's node closes it once the owner stays silent: 1012, naming
		// the node.
		_, b, err := z.next(30 * time.Second)
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("z read after the owner's kill = %q, %v; want a close frame", b, err)
		}
		if ce.Code != 1012 || !strings.Contains(ce.Reason, owner.id) {
			t.Errorf("z closed with %d %q; want 1012 naming %s", ce.Code, ce.Reason, owner.id)
		}
		t.Logf("z closed with %d %q after %v", ce.Code, ce.Reason, time.Since(killed).Round(100*time.Millisecond))
	})
}

// TestProcessWebSocketsLeaseLost pauses a room's owner past its session:
// on resuming it has lost the room's lease and closes the room's sockets,
// its local client's and the relayed one's, with 1012; the room then
// answers from a node that took it.
func TestProcessWebSocketsLeaseLost(t *testing.T) {
	processTest(t)
	tn := startRooms(t)
	tn.waitLeadersPlaced()
	owner := tn.nodes[0]
	room := placeOn(t, owner, "paused", 1)[0]
	other := tn.nodes[1]
	x := join(t, other, room, "x")
	y := join(t, owner, room, "y")
	owner.signal(syscall.SIGSTOP)
	time.Sleep(4 * time.Second) // past the 3 s TTL
	owner.signal(syscall.SIGCONT)
	for _, rc := range []*roomClient{x, y} {
		_, b, err := rc.next(30 * time.Second)
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("%s read after the pause = %q, %v; want a close frame", rc.user, b, err)
		}
		t.Logf("%s closed with %d %q", rc.user, ce.Code, ce.Reason)
		if ce.Code != 1012 {
			t.Errorf("%s closed with %d %q; want 1012", rc.user, ce.Code, ce.Reason)
		}
		// The owner's own client can only learn it from the lost lease
		// (the relayed one may first see its node give up on the owner).
		if rc == y && !strings.Contains(ce.Reason, "moved to another node") {
			t.Errorf("y closed with %q; want the moved reason", ce.Reason)
		}
	}
	x2 := join(t, other, room, "x2")
	if w := x2.who(); w.Sockets != 1 {
		t.Errorf("who after the move = %+v; want 1 socket", w)
	}
}
