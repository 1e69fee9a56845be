package websocket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// relayNet joins relays in memory as NATS joins nodes: Send calls the
// named node's Handle; a node marked down answers nothing.
type relayNet struct {
	mu     sync.Mutex
	relays map[string]*Relay
	hubs   map[string]*Hub
	down   map[string]bool
}

var errNoResponders = errors.New("no responders")

func (n *relayNet) send(from string) func(context.Context, string, []byte) ([]byte, error) {
	return func(ctx context.Context, node string, msg []byte) ([]byte, error) {
		n.mu.Lock()
		r, down := n.relays[node], n.down[node] || n.down[from]
		n.mu.Unlock()
		if r == nil || down {
			return nil, errNoResponders
		}
		ch := make(chan []byte, 1)
		r.Handle(from, bytes.Clone(msg), func(b []byte) { ch <- b })
		select {
		case b := <-ch:
			return b, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (n *relayNet) setDown(node string, down bool) {
	n.mu.Lock()
	n.down[node] = down
	n.mu.Unlock()
}

// newRelayNet starts a relay (and hub) per node name.
func newRelayNet(t testing.TB, hubOpts Options, relayOpts RelayOptions, nodes ...string) *relayNet {
	t.Helper()
	n := &relayNet{relays: map[string]*Relay{}, hubs: map[string]*Hub{}, down: map[string]bool{}}
	for _, name := range nodes {
		h := NewHub(hubOpts)
		o := relayOpts
		o.Send = n.send(name)
		r := h.NewRelay(o)
		n.mu.Lock()
		n.relays[name], n.hubs[name] = r, h
		n.mu.Unlock()
		t.Cleanup(func() { r.Close(1001, "test over") })
	}
	return n
}

// linked returns, for a socket whose object runs on owner and whose client
// reached client: the object's end (s, pulled) and the client's end (a1,
// pulled, as a network connection would consume it).
func (n *relayNet) linked(t testing.TB, owner, client string) (s, a1 *Endpoint) {
	t.Helper()
	c, s := n.hubs[owner].Pair()
	if err := s.Accept(Pull, nil); err != nil {
		t.Fatal(err)
	}
	id, err := n.relays[owner].Export(c, client, "obj")
	if err != nil {
		t.Fatalf("Export = %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a1, err = n.relays[client].Import(ctx, owner, id)
	if err != nil {
		t.Fatalf("Import = %v", err)
	}
	if err := a1.Accept(Pull, nil); err != nil {
		t.Fatal(err)
	}
	return s, a1
}

// next returns the next event delivered to a pulled end, failing after 5 s.
func next(t testing.TB, e *Endpoint) Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	evs, err := e.Recv(ctx, 1)
	if err != nil {
		t.Fatalf("Recv on end %d: %v", e.ID(), err)
	}
	if len(evs) != 1 {
		t.Fatalf("Recv = %d events; want 1", len(evs))
	}
	return evs[0]
}

func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestRelayMessagesBothWays(t *testing.T) {
	n := newRelayNet(t, Options{}, RelayOptions{Chunk: 1000}, "owner", "client")
	s, a1 := n.linked(t, "owner", "client")
	// The object's messages reach the client in order, and the client's
	// reach the object, interleaved.
	for i := range 50 {
		if err := s.Send(Event{Kind: Text, Data: fmt.Appendf(nil, "down %d", i)}); err != nil {
			t.Fatal(err)
		}
		if err := a1.Send(Event{Kind: Text, Data: fmt.Appendf(nil, "up %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		if ev := next(t, a1); string(ev.Data) != fmt.Sprintf("down %d", i) || ev.Kind != Text {
			t.Fatalf("client got %v %q; want Text %q", ev.Kind, ev.Data, fmt.Sprintf("down %d", i))
		}
		if ev := next(t, s); string(ev.Data) != fmt.Sprintf("up %d", i) {
			t.Fatalf("object got %q; want %q", ev.Data, fmt.Sprintf("up %d", i))
		}
	}
	// Messages longer than a chunk arrive whole, both ways.
	big := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320 KB, 320 chunks
	if err := a1.Send(Event{Kind: Binary, Data: big}); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, s); ev.Kind != Binary || !bytes.Equal(ev.Data, big) {
		t.Fatalf("object got %v of %d bytes; want Binary of %d", ev.Kind, len(ev.Data), len(big))
	}
	if err := s.Send(Event{Kind: Text, Data: big}); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, a1); ev.Kind != Text || !bytes.Equal(ev.Data, big) {
		t.Fatalf("client got %v of %d bytes; want Text of %d", ev.Kind, len(ev.Data), len(big))
	}
	// The close handshake crosses too, and every end and link goes.
	if err := s.Send(Event{Kind: Close, Code: 4000, Reason: "bye", Clean: true}); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, a1); ev.Kind != Close || ev.Code != 4000 || ev.Reason != "bye" || !ev.Clean {
		t.Fatalf("client got %+v; want Close 4000 bye clean", ev)
	}
	if err := a1.Send(Event{Kind: Close, Code: 4000, Reason: "bye", Clean: true}); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, s); ev.Kind != Close || ev.Code != 4000 {
		t.Fatalf("object got %+v; want Close 4000", ev)
	}
	waitUntil(t, "links and ends released", func() bool {
		return n.relays["owner"].Links() == 0 && n.relays["client"].Links() == 0 && n.hubs["owner"].Open() == 0 && n.hubs["client"].Open() == 0
	})
}

func TestRelayPeerGone(t *testing.T) {
	opts := RelayOptions{Ping: 10 * time.Millisecond, DeadAfter: 100 * time.Millisecond}
	t.Run("owner node dies", func(t *testing.T) {
		n := newRelayNet(t, Options{}, opts, "n1", "n2")
		s, a1 := n.linked(t, "n1", "n2")
		_ = s
		n.setDown("n1", true)
		ev := next(t, a1)
		if ev.Kind != Close || ev.Code != CodeRelayLost || !strings.Contains(ev.Reason, "n1") || !strings.Contains(ev.Reason, "unreachable") {
			t.Fatalf("client got %+v; want Close %d naming n1 unreachable", ev, CodeRelayLost)
		}
		waitUntil(t, "client node's link gone", func() bool { return n.relays["n2"].Links() == 0 })
	})
	t.Run("client node dies", func(t *testing.T) {
		n := newRelayNet(t, Options{}, opts, "n1", "n2")
		s, _ := n.linked(t, "n1", "n2")
		n.setDown("n2", true)
		ev := next(t, s)
		if ev.Kind != Close || ev.Code != 1006 || ev.Reason != DisconnectReason {
			t.Fatalf("object got %+v; want Close 1006 %q", ev, DisconnectReason)
		}
		waitUntil(t, "owner's link gone", func() bool { return n.relays["n1"].Links() == 0 })
	})
	t.Run("sends to a dead node do not block the sender", func(t *testing.T) {
		n := newRelayNet(t, Options{}, opts, "n1", "n2")
		s, a1 := n.linked(t, "n1", "n2")
		n.setDown("n2", true)
		for i := range 100 {
			if err := s.Send(Event{Kind: Text, Data: fmt.Appendf(nil, "%d", i)}); err != nil {
				t.Fatalf("Send %d = %v", i, err)
			}
		}
		if ev := next(t, s); ev.Kind != Close || ev.Code != 1006 {
			t.Fatalf("object got %+v; want Close 1006", ev)
		}
		_ = a1
	})
	t.Run("owner forgets the socket", func(t *testing.T) {
		n := newRelayNet(t, Options{}, opts, "n1", "n2")
		_, a1 := n.linked(t, "n1", "n2")
		// A new process under the same name knows none of the old links.
		n.mu.Lock()
		o := opts
		o.Send = n.send("n1")
		n.relays["n1"] = NewHub(Options{}).NewRelay(o)
		n.mu.Unlock()
		t.Cleanup(func() { n.relays["n1"].Close(1001, "") })
		ev := next(t, a1)
		if ev.Kind != Close || ev.Code != CodeRelayLost || !strings.Contains(ev.Reason, "dropped") {
			t.Fatalf("client got %+v; want Close %d dropped", ev, CodeRelayLost)
		}
	})
}

func TestRelayLimits(t *testing.T) {
	t.Run("message over the owner's limit", func(t *testing.T) {
		n := &relayNet{relays: map[string]*Relay{}, hubs: map[string]*Hub{}, down: map[string]bool{}}
		for name, max := range map[string]int64{"owner": 1000, "client": 1 << 20} {
			h := NewHub(Options{MaxMessage: max})
			r := h.NewRelay(RelayOptions{Send: n.send(name), Chunk: 300})
			n.relays[name], n.hubs[name] = r, h
			t.Cleanup(func() { r.Close(1001, "") })
		}
		s, a1 := n.linked(t, "owner", "client")
		if err := a1.Send(Event{Kind: Binary, Data: make([]byte, 999)}); err != nil {
			t.Fatal(err)
		}
		if ev := next(t, s); len(ev.Data) != 999 {
			t.Fatalf("object got %d bytes; want 999", len(ev.Data))
		}
		if err := a1.Send(Event{Kind: Binary, Data: make([]byte, 1001)}); err != nil {
			t.Fatal(err)
		}
		if ev := next(t, s); ev.Kind != Error || !strings.Contains(ev.Reason, "too large") {
			t.Fatalf("object got %+v; want an Error: too large", ev)
		}
		if ev := next(t, a1); ev.Kind != Close || ev.Code != 1009 {
			t.Fatalf("client got %+v; want Close 1009", ev)
		}
	})
	t.Run("object sends over the limit", func(t *testing.T) {
		n := newRelayNet(t, Options{MaxMessage: 1000}, RelayOptions{}, "owner", "client")
		s, a1 := n.linked(t, "owner", "client")
		if err := s.Send(Event{Kind: Text, Data: make([]byte, 2000)}); err != nil {
			t.Fatal(err)
		}
		if ev := next(t, a1); ev.Kind != Close || ev.Code != 1009 {
			t.Fatalf("client got %+v; want Close 1009", ev)
		}
		if ev := next(t, s); ev.Kind != Error || !strings.Contains(ev.Reason, "too large") {
			t.Fatalf("object got %+v; want an Error: too large", ev)
		}
	})
	t.Run("a slow object holds the client's messages on the client's node", func(t *testing.T) {
		const inbox = 64 << 10
		n := newRelayNet(t, Options{InboxBytes: inbox}, RelayOptions{Chunk: 16 << 10}, "owner", "client")
		s, a1 := n.linked(t, "owner", "client")
		msg := make([]byte, 16<<10)
		const count = 64 // 1 MiB in all, 16 times the inbox
		for i := range count {
			msg[0] = byte(i)
			if err := a1.Send(Event{Kind: Binary, Data: bytes.Clone(msg)}); err != nil {
				t.Fatal(err)
			}
		}
		// The owner takes what fits its inbox, then holds the sender back.
		waitUntil(t, "owner's inbox filled", func() bool { return n.hubs["owner"].Queued() > inbox })
		time.Sleep(50 * time.Millisecond)
		if q := n.hubs["owner"].Queued(); q > inbox+len(msg)+64 {
			t.Fatalf("owner queues %d bytes; want at most the inbox (%d) and one message", q, inbox)
		}
		if q := n.hubs["client"].Queued(); q < (count/2)*len(msg) {
			t.Fatalf("client node queues %d bytes; want the backlog (about %d) there", q, count*len(msg))
		}
		for i := range count {
			if ev := next(t, s); len(ev.Data) != len(msg) || ev.Data[0] != byte(i) {
				t.Fatalf("message %d: got %d bytes starting %d", i, len(ev.Data), ev.Data[0])
			}
		}
	})
}

func TestRelayLifecycle(t *testing.T) {
	t.Run("export nobody attaches to", func(t *testing.T) {
		h := NewHub(Options{})
		r := h.NewRelay(RelayOptions{Send: func(context.Context, string, []byte) ([]byte, error) { return nil, errNoResponders }, AttachTimeout: 50 * time.Millisecond})
		defer r.Close(1001, "")
		c, s := h.Pair()
		s.Accept(Pull, nil)
		if _, err := r.Export(c, "nobody", ""); err != nil {
			t.Fatal(err)
		}
		if ev := next(t, s); ev.Kind != Close || ev.Code != 1006 {
			t.Fatalf("object got %+v; want Close 1006", ev)
		}
		waitUntil(t, "link gone", func() bool { return r.Links() == 0 })
	})
	t.Run("import of an unknown link", func(t *testing.T) {
		n := newRelayNet(t, Options{}, RelayOptions{}, "owner", "client")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := n.relays["client"].Import(ctx, "owner", 12345); err == nil {
			t.Fatal("Import of an unknown link succeeded")
		}
		if n.relays["client"].Links() != 0 || n.hubs["client"].Open() != 0 {
			t.Fatalf("failed Import left %d links, %d ends", n.relays["client"].Links(), n.hubs["client"].Open())
		}
	})
	t.Run("owner node shuts down", func(t *testing.T) {
		n := newRelayNet(t, Options{}, RelayOptions{}, "owner", "client")
		_, a1 := n.linked(t, "owner", "client")
		n.relays["owner"].Close(1001, "node shutting down")
		if ev := next(t, a1); ev.Kind != Close || ev.Code != 1001 || ev.Reason != "node shutting down" {
			t.Fatalf("client got %+v; want Close 1001", ev)
		}
	})
	t.Run("client node shuts down", func(t *testing.T) {
		n := newRelayNet(t, Options{}, RelayOptions{}, "owner", "client")
		s, a1 := n.linked(t, "owner", "client")
		n.relays["client"].Close(1001, "node shutting down")
		if ev := next(t, s); ev.Kind != Close || ev.Code != 1001 {
			t.Fatalf("object got %+v; want Close 1001", ev)
		}
		if ev := next(t, a1); ev.Kind != Close || ev.Code != 1001 {
			t.Fatalf("client got %+v; want Close 1001", ev)
		}
	})
	t.Run("abort by tag", func(t *testing.T) {
		n := newRelayNet(t, Options{}, RelayOptions{}, "owner", "client")
		_, a1 := n.linked(t, "owner", "client")
		_, other := n.linked(t, "owner", "client")
		n.relays["owner"].AbortTag("obj", 1012, "moved")
		for _, e := range []*Endpoint{a1, other} {
			if ev := next(t, e); ev.Kind != Close || ev.Code != 1012 || ev.Reason != "moved" {
				t.Fatalf("client got %+v; want Close 1012 moved", ev)
			}
		}
	})
}

// FuzzRelayMessage feeds arbitrary messages to a relay with a live link:
// nothing panics, and a decoded event encodes back to the same bytes.
func FuzzRelayMessage(f *testing.F) {
	f.Add(appendAttach(nil, 1, 2))
	f.Add(appendEvent(nil, 1, 1, Event{Kind: Text}, false, []byte("hi")))
	f.Add(appendEvent(nil, 1, 2, Event{Kind: Binary}, true, []byte{1, 2, 3}))
	f.Add(appendEvent(nil, 1, 3, Event{Kind: Close, Code: 1000, Reason: "bye", Clean: true}, false, nil))
	f.Add([]byte{opPing, 2, 1, 5})
	f.Add([]byte{opEvent, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, msg []byte) {
		if m, ok := decodeRelay(msg); ok && m.op == opEvent {
			ev := m.ev
			if got := appendEvent(nil, m.link, m.seq, ev, m.more, m.data); !bytes.Equal(got, msg) {
				t.Fatalf("re-encoded %x; want %x", got, msg)
			}
		}
		h := NewHub(Options{MaxMessage: 1 << 10})
		r := h.NewRelay(RelayOptions{Send: func(context.Context, string, []byte) ([]byte, error) { return []byte{relayOK}, nil }})
		defer r.Close(1001, "")
		c, s := h.Pair()
		s.Accept(Pull, nil)
		id, _ := r.Export(c, "peer", "")
		r.Handle("peer", appendAttach(nil, id, 7), func([]byte) {})
		// Aim the fuzzed message at the live link when it names one.
		if m, ok := decodeRelay(msg); ok && m.op == opEvent {
			msg = appendEvent(nil, id, m.seq, m.ev, m.more, m.data)
		}
		done := make(chan struct{})
		r.Handle("peer", msg, func([]byte) { close(done) })
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("no reply")
		}
	})
}

// BenchmarkRelay measures the relay's own cost per message (encoding,
// sequence, delivery; an in-memory transport in place of NATS): messages
// from a client's end to the object's, one in flight per socket as on a
// cluster.
func BenchmarkRelay(b *testing.B) {
	for _, size := range []int{16, 64 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			n := newRelayNet(b, Options{}, RelayOptions{}, "owner", "client")
			s, a1 := n.linked(b, "owner", "client")
			msg := make([]byte, size)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			b.ResetTimer()
			done := make(chan struct{})
			go func() {
				defer close(done)
				for got := 0; got < b.N; {
					evs, err := s.Recv(context.Background(), 1<<20)
					if err != nil {
						b.Error(err)
						return
					}
					got += len(evs)
				}
			}()
			for range b.N {
				if err := a1.SendWait(context.Background(), Event{Kind: Binary, Data: msg}); err != nil {
					b.Fatal(err)
				}
			}
			<-done
		})
	}
}
