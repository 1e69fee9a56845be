package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/isola-run/isola/internal/storage"
	"github.com/nats-io/nats.go/jetstream"
)

// freeAddrs returns n distinct 127.0.0.1 addresses that were free a moment
// ago (route addresses must be known before the servers start).
func freeAddrs(t testing.TB, n int) []string {
	t.Helper()
	var out []string
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().String())
	}
	for _, l := range ls {
		l.Close()
	}
	return out
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testCluster starts size embedded nodes joined by routes and returns them;
// they are closed (or crashed) at cleanup.
func testCluster(t testing.TB, size int, mutate func(*Config)) []*Node {
	t.Helper()
	addrs := freeAddrs(t, size)
	nodes := make([]*Node, size)
	errs := make([]error, size)
	var wg sync.WaitGroup
	for i := range size {
		var routes []string
		for j, a := range addrs {
			if j != i {
				routes = append(routes, a)
			}
		}
		cfg := Config{
			NodeID:   fmt.Sprintf("n%d", i+1),
			Embedded: &Embedded{Listen: addrs[i], Routes: routes, StoreDir: t.TempDir()},
			LeaseTTL: 3 * time.Second,
		}
		if mutate != nil {
			mutate(&cfg)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			nodes[i], errs[i] = Start(context.Background(), cfg, quietLogger())
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			for _, n := range nodes {
				if n != nil {
					n.Close()
				}
			}
			t.Fatalf("Start(node %d) = %v", i+1, err)
		}
	}
	t.Cleanup(func() {
		for _, n := range nodes {
			n.Close()
		}
	})
	waitLeadersPlaced(t, nodes)
	return nodes
}

// waitLeadersPlaced waits until every shard is led by its preferred node
// (shard.go), so that tests do not race the leadership moves of start-up.
func waitLeadersPlaced(t testing.TB, nodes []*Node) {
	t.Helper()
	if len(nodes) < 2 {
		return
	}
	ctx := ctxT(t)
	var ls [][3]string
	for ctx.Err() == nil {
		ls = nodes[0].leadersNow(ctx)
		ok := true
		for i, l := range ls {
			want := nodes[i%len(nodes)].ID()
			if l != [3]string{want, want, want} {
				ok = false
			}
		}
		if ok {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("shard leaders not on their preferred nodes: %v", ls)
}

// crash stops a node as kill -9 would: no lease is released.
func (n *Node) crash() {
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	n.stop()
	n.nc.Close()
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv.WaitForShutdown()
	}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// keyInShard returns prefix plus a number, a key of shard i.
func keyInShard(n *Node, i int, prefix string) string {
	for j := 0; ; j++ {
		k := fmt.Sprintf("%s%d", prefix, j)
		if n.shardOf(encodeKey(k)).i == i {
			return k
		}
	}
}

// acquireEventually retries Acquire while the key is held (until its
// previous holder's lease expires).
func acquireEventually(t testing.TB, n *Node, key string) *Lease {
	t.Helper()
	ctx := ctxT(t)
	for {
		l, err := n.Acquire(ctx, key)
		if err == nil {
			return l
		}
		if !errors.Is(err, ErrHeld) && ctx.Err() != nil {
			t.Fatalf("Acquire(%q) on %s = %v", key, n.ID(), err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("Acquire(%q) on %s: %v; last error %v", key, n.ID(), ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings of the error, nil for none
	}{
		{"embedded ok", Config{NodeID: "a", Embedded: &Embedded{Listen: "127.0.0.1:6222", StoreDir: "/x"}}, nil},
		{"external ok", Config{NodeID: "a", Servers: []string{"nats://h:4222"}, Monitor: []string{"http://h:8222"}}, nil},
		{"no node id", Config{Embedded: &Embedded{Listen: "127.0.0.1:6222", StoreDir: "/x"}}, []string{"node_id"}},
		{"both", Config{NodeID: "a", Embedded: &Embedded{Listen: "127.0.0.1:6222", StoreDir: "/x"}, Servers: []string{"x"}, Monitor: []string{"y"}}, []string{"exclusive"}},
		{"neither", Config{NodeID: "a"}, []string{"need embedded or servers"}},
		{"bad listen", Config{NodeID: "a", Embedded: &Embedded{Listen: "nope", StoreDir: "/x"}}, []string{"embedded.listen"}},
		{"self route", Config{NodeID: "a", Embedded: &Embedded{Listen: "127.0.0.1:1", Routes: []string{"127.0.0.1:1"}, StoreDir: "/x"}}, []string{"own listen"}},
		{"too many replicas", Config{NodeID: "a", Replicas: 3, Embedded: &Embedded{Listen: "127.0.0.1:1", StoreDir: "/x"}}, []string{"more than the 1 nodes"}},
		{"no monitor", Config{NodeID: "a", Servers: []string{"nats://h:4222"}}, []string{"monitor URLs required"}},
		{"several", Config{NodeID: "a b"}, []string{"node_id", "need embedded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cfg
			c.defaults()
			err := c.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v; want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil; want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v; want it to mention %q", err, w)
				}
			}
		})
	}
}

func TestStartErrors(t *testing.T) {
	t.Run("monitor without sync always", func(t *testing.T) {
		// A fake /varz of a server with the default sync interval.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go serveVarz(ln, `{"server_name":"s1","jetstream":{"config":{"sync_interval":120000000000}}}`)
		defer ln.Close()
		_, err = Start(context.Background(), Config{
			NodeID: "a", Servers: []string{"nats://127.0.0.1:1"}, Monitor: []string{"http://" + ln.Addr().String()},
		}, quietLogger())
		if err == nil || !strings.Contains(err.Error(), "sync_interval: always") {
			t.Fatalf("Start() = %v; want a sync_interval error", err)
		}
	})
	t.Run("monitor unreachable", func(t *testing.T) {
		addr := freeAddrs(t, 1)[0]
		_, err := Start(context.Background(), Config{
			NodeID: "a", Servers: []string{"nats://" + addr}, Monitor: []string{"http://" + addr},
		}, quietLogger())
		if err == nil || !strings.Contains(err.Error(), "monitor") {
			t.Fatalf("Start() = %v; want a monitor error", err)
		}
	})
	t.Run("no quorum", func(t *testing.T) {
		addrs := freeAddrs(t, 3)
		_, err := Start(context.Background(), Config{
			NodeID:       "a",
			Embedded:     &Embedded{Listen: addrs[0], Routes: addrs[1:], StoreDir: t.TempDir()},
			StartTimeout: 3 * time.Second,
		}, quietLogger())
		if err == nil || !strings.Contains(err.Error(), "not ready") {
			t.Fatalf("Start() = %v; want a quorum error", err)
		}
	})
}

func serveVarz(ln net.Listener, body string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			buf := make([]byte, 4096)
			c.Read(buf)
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
		}()
	}
}

func TestLease(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-node JetStream cluster")
	}
	nodes := testCluster(t, 3, nil)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := ctxT(t)

	t.Run("exclusive", func(t *testing.T) {
		l, err := a.Acquire(ctx, "ns/one")
		if err != nil {
			t.Fatalf("Acquire = %v", err)
		}
		_, err = b.Acquire(ctx, "ns/one")
		var he *HeldError
		if !errors.As(err, &he) || he.Node != "n1" {
			t.Fatalf("second Acquire = %v; want HeldError by n1", err)
		}
		if err := l.Append(ctx, []byte("x")); err != nil {
			t.Fatalf("Append = %v", err)
		}
		for _, n := range nodes {
			if got, err := n.Owner(ctx, "ns/one"); err != nil || got != "n1" {
				t.Errorf("%s.Owner = %q, %v; want n1", n.ID(), got, err)
			}
		}
	})

	t.Run("leader get", func(t *testing.T) {
		// Session liveness is read from the stream leader (leaderGet),
		// not from whichever replica answers a KV Get.
		sh := b.shardOf(encodeKey("ns/one"))
		sess, err := b.session(ctx, sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range nodes {
			val, found, err := n.leaderGet(ctx, sh.sess.Bucket(), "n2")
			if err != nil || !found || !strings.Contains(string(val), sess.id) {
				t.Fatalf("%s.leaderGet(n2's session) = %q, %v, %v; want its id %s", n.ID(), val, found, err, sess.id)
			}
			if !n.sessionLive(ctx, sh, "n2", sess.id, true) || n.sessionLive(ctx, sh, "n2", "other", true) {
				t.Fatalf("%s.sessionLive disagrees with the session bucket", n.ID())
			}
		}
		if _, found, err := c.leaderGet(ctx, sh.sess.Bucket(), "nobody"); err != nil || found {
			t.Fatalf("leaderGet(missing key) = found %v, %v", found, err)
		}
		if _, err := sh.sess.Put(ctx, "gone", []byte("x")); err != nil {
			t.Fatal(err)
		}
		if err := sh.sess.Delete(ctx, "gone"); err != nil {
			t.Fatal(err)
		}
		if _, found, err := c.leaderGet(ctx, sh.sess.Bucket(), "gone"); err != nil || found {
			t.Fatalf("leaderGet(deleted key) = found %v, %v", found, err)
		}
	})

	t.Run("take peer", func(t *testing.T) {
		// n1 leads shard 0: it hands that shard's keys to a node that
		// leads none of its groups, and takes the others itself. Both
		// nodes first refresh their view of the leaders: a view cached
		// before the last election made them disagree.
		a.leadersNow(ctx)
		b.leadersNow(ctx)
		own := keyInShard(a, 0, "ns/led")
		if p := a.TakePeer(own); p == "" || p == a.ID() {
			t.Errorf("n1.TakePeer(key of shard 0) = %q; want another node", p)
		}
		if p := a.TakePeer(keyInShard(a, 1, "ns/other")); p != "" {
			t.Errorf("n1.TakePeer(key of shard 1) = %q; want \"\" (take it)", p)
		}
		if !a.ShouldMove(own) || b.ShouldMove(own) {
			t.Errorf("ShouldMove(key of shard 0) = %v on n1, %v on n2; want true, false", a.ShouldMove(own), b.ShouldMove(own))
		}
	})

	t.Run("alarm index", func(t *testing.T) {
		l, err := a.Acquire(ctx, "ns/alarm")
		if err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-time.Second).UnixMilli()
		if err := l.SetAlarmAsync(at, true)(ctx); err != nil {
			t.Fatalf("SetAlarmAsync = %v", err)
		}
		due := func(n *Node) bool {
			d, _ := n.Due(time.Now())
			return slices.ContainsFunc(d, func(x Alarm) bool { return x.Key == "ns/alarm" && x.At == at })
		}
		waitFor(t, "the index entry on n2", func() bool { ms, ok := b.IndexedAlarm("ns/alarm"); return ok && ms == at })
		waitFor(t, "n2 to see n1's lease", func() bool {
			b.mu.Lock()
			defer b.mu.Unlock()
			_, st := b.ownerLocked(encodeKey("ns/alarm"))
			return st == liveHolder
		})
		if due(b) {
			t.Errorf("n2.Due lists an owned key")
		}
		if err := l.Release(ctx); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "n2.Due to list the released key", func() bool { return due(b) })
		l2 := acquireEventually(t, c, "ns/alarm")
		if err := l2.SetAlarmAsync(0, false)(ctx); err != nil {
			t.Fatalf("SetAlarmAsync(clear) = %v", err)
		}
		waitFor(t, "the entry to go", func() bool { _, ok := b.IndexedAlarm("ns/alarm"); return !ok })
		l2.Release(ctx)
	})

	t.Run("release then move", func(t *testing.T) {
		l, err := a.Acquire(ctx, "ns/move")
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Append(ctx, []byte("1")); err != nil {
			t.Fatal(err)
		}
		if err := l.Release(ctx); err != nil {
			t.Fatal(err)
		}
		if err := l.Append(ctx, []byte("2")); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("Append after Release = %v; want ErrLeaseLost", err)
		}
		l2 := acquireEventually(t, c, "ns/move")
		if l2.Epoch() <= l.Epoch() {
			t.Errorf("epoch %d after %d; want growth", l2.Epoch(), l.Epoch())
		}
		got := restoreAll(t, l2)
		if want := []string{"1"}; !reflect.DeepEqual(got, want) {
			t.Errorf("restored %q; want %q", got, want)
		}
	})

	t.Run("stale append is fenced", func(t *testing.T) {
		stale, err := a.Acquire(ctx, "ns/fence")
		if err != nil {
			t.Fatal(err)
		}
		if err := stale.Append(ctx, []byte("acked")); err != nil {
			t.Fatal(err)
		}
		// The lease disappears behind the holder's back (as if it had
		// expired while the holder was paused) and b takes the key.
		if err := b.shardOf(encodeKey("ns/fence")).kv.Purge(ctx, encodeKey("ns/fence")); err != nil {
			t.Fatal(err)
		}
		fresh := acquireEventually(t, b, "ns/fence")
		err = stale.Append(ctx, []byte("stale"))
		if !errors.Is(err, ErrFenced) {
			t.Fatalf("stale Append = %v; want ErrFenced", err)
		}
		if stale.Valid() {
			t.Error("stale lease still valid after being fenced")
		}
		if err := fresh.Append(ctx, []byte("new")); err != nil {
			t.Fatalf("fresh Append = %v", err)
		}
		var got []string
		if err := c.Restore(ctx, "ns/fence", func(_ io.Reader, css [][]byte) error {
			for _, cs := range css {
				got = append(got, string(cs))
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if want := []string{"acked", "new"}; !reflect.DeepEqual(got, want) {
			t.Errorf("log holds %q; want %q", got, want)
		}
	})

	t.Run("forward", func(t *testing.T) {
		for _, n := range nodes {
			n.Serve(func(ctx context.Context, key string, p []byte) ([]byte, error) {
				if n.Held(key) == nil {
					return nil, ErrNotOwner
				}
				if string(p) == "fail" {
					return nil, errors.New("boom")
				}
				if string(p) == "hang" {
					<-ctx.Done()
					return nil, ctx.Err()
				}
				return append([]byte(n.ID()+":"), p...), nil
			})
		}
		if _, err := c.Acquire(ctx, "ns/fwd"); err != nil {
			t.Fatal(err)
		}
		owner, err := a.Owner(ctx, "ns/fwd")
		if err != nil {
			t.Fatal(err)
		}
		out, err := a.Forward(ctx, owner, "ns/fwd", []byte("hi"))
		if err != nil || string(out) != "n3:hi" {
			t.Fatalf("Forward = %q, %v; want n3:hi", out, err)
		}
		_, err = a.Forward(ctx, owner, "ns/fwd", []byte("fail"))
		var re *RemoteError
		if !errors.As(err, &re) || re.Message != "boom" {
			t.Errorf("Forward(fail) = %v; want RemoteError boom", err)
		}
		_, err = a.Forward(ctx, "n2", "ns/fwd", []byte("hi"))
		if !errors.Is(err, ErrNotOwner) {
			t.Errorf("Forward to non-owner = %v; want ErrNotOwner", err)
		}
		_, err = a.Forward(ctx, "n9", "ns/fwd", []byte("hi"))
		if !errors.Is(err, ErrNoOwner) {
			t.Errorf("Forward to missing node = %v; want ErrNoOwner", err)
		}
	})

	t.Run("forward gives up when the owner loses its lease", func(t *testing.T) {
		// The owner never answers "hang" (as if it died mid-request);
		// the forward must end once the lease is gone.
		if _, err := c.Acquire(ctx, "ns/hang"); err != nil {
			t.Fatal(err)
		}
		if o, err := a.Owner(ctx, "ns/hang"); err != nil || o != "n3" {
			t.Fatalf("Owner = %q, %v; want n3", o, err)
		}
		res := make(chan error, 1)
		start := make(chan struct{})
		go func() {
			close(start)
			_, err := a.Forward(ctx, "n3", "ns/hang", []byte("hang"))
			res <- err
		}()
		<-start
		select {
		case err := <-res:
			t.Fatalf("Forward to a hanging owner returned early: %v", err)
		case <-time.After(300 * time.Millisecond):
		}
		if err := b.shardOf(encodeKey("ns/hang")).kv.Purge(ctx, encodeKey("ns/hang")); err != nil {
			t.Fatal(err)
		}
		if err := <-res; !errors.Is(err, ErrNoOwner) {
			t.Errorf("Forward = %v; want ErrNoOwner", err)
		}
	})

	t.Run("lost lease is given back", func(t *testing.T) {
		// A lease lost while its session lives on (an append with an
		// unknown outcome) must not keep naming its holder: other nodes
		// would forward to it, and it serves nothing.
		l, err := a.Acquire(ctx, "ns/abandon")
		if err != nil {
			t.Fatal(err)
		}
		l.mu.Lock()
		l.abandonLocked(fmt.Errorf("%w: append failed: test", ErrLeaseLost))
		l.mu.Unlock()
		if l.Valid() {
			t.Fatal("lease valid after abandonLocked")
		}
		if l.sess.Err() != nil {
			t.Fatalf("session lost with the lease: %v", l.sess.Err())
		}
		waitFor(t, "the lost lease's entry to go", func() bool {
			_, err := b.OwnerFresh(ctx, "ns/abandon")
			return errors.Is(err, ErrNoOwner)
		})
		if _, err := b.Acquire(ctx, "ns/abandon"); err != nil {
			t.Fatalf("Acquire after the holder gave a lost lease back = %v", err)
		}

		// A newer owner's entry stays.
		stale, err := a.Acquire(ctx, "ns/abandon2")
		if err != nil {
			t.Fatal(err)
		}
		if err := b.shardOf(encodeKey("ns/abandon2")).kv.Purge(ctx, encodeKey("ns/abandon2")); err != nil {
			t.Fatal(err)
		}
		acquireEventually(t, b, "ns/abandon2")
		stale.mu.Lock()
		stale.abandonLocked(fmt.Errorf("%w: append failed: test", ErrLeaseLost))
		stale.mu.Unlock()
		time.Sleep(500 * time.Millisecond) // abandon's delete is refused at once
		if o, err := c.OwnerFresh(ctx, "ns/abandon2"); err != nil || o != "n2" {
			t.Errorf("OwnerFresh after a stale holder gave its lease back = %q, %v; want n2", o, err)
		}
	})
}

func restoreAll(t testing.TB, l *Lease) []string {
	t.Helper()
	var got []string
	err := l.Restore(ctxT(t), func(_ io.Reader, css [][]byte) error {
		for _, cs := range css {
			got = append(got, string(cs))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Restore = %v", err)
	}
	return got
}

// TestTakeover crashes the owner: its lease expires, another node takes the
// key with a higher epoch and finds every acknowledged append; the crashed
// holder's lease is lost locally before the servers could expire it.
func TestTakeover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-node JetStream cluster and waits for a lease TTL")
	}
	nodes := testCluster(t, 3, nil)
	a, b := nodes[0], nodes[1]
	ctx := ctxT(t)
	// A key of a shard a does not lead, as the actor layer places them:
	// its takeover waits for the TTL only, not for an election.
	key := keyInShard(a, 1, "ns/crash")
	l, err := a.Acquire(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 20 {
		s := fmt.Sprint(i)
		if err := l.Append(ctx, []byte(s)); err != nil {
			t.Fatal(err)
		}
		want = append(want, s)
	}
	a.crash()
	select {
	case <-l.Done():
	case <-ctx.Done():
		t.Fatal("crashed holder's lease never lost")
	}
	if err := l.Append(ctx, []byte("late")); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("Append after loss = %v; want ErrLeaseLost", err)
	}
	l2 := acquireEventually(t, b, key)
	if l2.Epoch() <= l.Epoch() {
		t.Errorf("epoch %d after %d; want growth", l2.Epoch(), l.Epoch())
	}
	if got := restoreAll(t, l2); !reflect.DeepEqual(got, want) {
		t.Errorf("restored %q; want %q", got, want)
	}
	if err := l2.Append(ctx, []byte("after")); err != nil {
		t.Errorf("Append on 2 of 3 servers = %v", err)
	}
}

// TestRebuild replays a storage DB's changesets and snapshots through the
// log into a fresh DB and compares contents.
func TestRebuild(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-node JetStream cluster")
	}
	nodes := testCluster(t, 3, func(c *Config) { c.SnapshotEvery = 7 })
	ctx := ctxT(t)
	dir := t.TempDir()
	src, err := storage.Open(filepath.Join(dir, "src.sqlite"), storage.Options{CaptureChanges: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	l, err := nodes[0].Acquire(ctx, "ns/db")
	if err != nil {
		t.Fatal(err)
	}
	commit := func() {
		t.Helper()
		cs, err := src.Commit()
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) == 0 {
			t.Fatal("Commit returned no changeset")
		}
		if err := l.Append(ctx, cs); err != nil {
			t.Fatal(err)
		}
		if l.NeedSnapshot() {
			if err := l.Snapshot(ctx, bytes.NewReader(fileSnapshot(t, src.Path()))); err != nil {
				t.Fatalf("Snapshot = %v", err)
			}
		}
	}
	if _, err := src.Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)", nil); err != nil {
		t.Fatal(err)
	}
	commit()
	for i := range 30 {
		if err := src.Put([]storage.Entry{{Key: fmt.Sprint("k", i), Value: []byte{byte(i)}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := src.Exec("INSERT INTO t (v) VALUES (?)", []storage.Value{fmt.Sprint("row", i)}); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			if _, err := src.Exec("DELETE FROM t WHERE k % 3 = 0", nil); err != nil {
				t.Fatal(err)
			}
		}
		commit()
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	// The log was trimmed behind the last snapshot.
	subj := nodes[0].logSubject(encodeKey("ns/db"))
	info, err := nodes[0].shardOf(encodeKey("ns/db")).log.Info(ctx, jetstream.WithSubjectFilter(subj))
	if err != nil {
		t.Fatal(err)
	}
	if n := info.State.Subjects[subj]; n > 8 {
		t.Errorf("log holds %d messages for the object; want it trimmed behind the snapshot", n)
	}

	l2 := acquireEventually(t, nodes[2], "ns/db")
	dst := filepath.Join(dir, "dst.sqlite")
	var sawSnap bool
	var ncs int
	err = l2.Restore(ctx, func(snap io.Reader, css [][]byte) error {
		if snap != nil {
			sawSnap = true
			if err := restoreFileSnapshot(snap, dst); err != nil {
				return err
			}
		}
		db, err := storage.Open(dst, storage.Options{})
		if err != nil {
			return err
		}
		defer db.Close()
		ncs = len(css)
		for _, cs := range css {
			if err := storage.ApplyChangeset(db, cs); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Restore = %v", err)
	}
	if !sawSnap || ncs >= 7 {
		t.Errorf("restore used snapshot=%v and %d changesets; want a snapshot and fewer than 7", sawSnap, ncs)
	}
	rebuilt, err := storage.Open(dst, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rebuilt.Close()
	if got, want := dump(t, rebuilt), dump(t, src); got != want {
		t.Errorf("rebuilt DB:\n%s\nwant:\n%s", got, want)
	}
}

func dump(t testing.TB, db *storage.DB) string {
	t.Helper()
	var b strings.Builder
	ents, err := db.List(storage.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		fmt.Fprintf(&b, "kv %s=%x\n", e.Key, e.Value)
	}
	cur, err := db.Exec("SELECT k, v FROM t ORDER BY k", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range cur.Rows() {
		fmt.Fprintf(&b, "t %v\n", r)
	}
	return b.String()
}

// fileSnapshot copies a WAL database at rest (no transaction open, no other
// writer): main file and WAL.
func fileSnapshot(t testing.TB, path string) []byte {
	t.Helper()
	main, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(path + "-wal")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d\n", len(main))
	b.Write(main)
	b.Write(wal)
	return b.Bytes()
}

func restoreFileSnapshot(r io.Reader, path string) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	i := bytes.IndexByte(data, '\n')
	var n int
	fmt.Sscan(string(data[:i]), &n)
	data = data[i+1:]
	if err := os.WriteFile(path, data[:n], 0o644); err != nil {
		return err
	}
	return os.WriteFile(path+"-wal", data[n:], 0o644)
}
