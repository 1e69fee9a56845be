package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// natsCluster starts size nats-servers (as an operator would run them) with
// JetStream, routes, a monitoring port and the given sync setting; it
// returns them with their client and monitor URLs.
func natsCluster(t testing.TB, size int, syncAlways bool) (srvs []*server.Server, urls, monitors []string) {
	t.Helper()
	routes := freeAddrs(t, size)
	srvs = make([]*server.Server, size)
	var wg sync.WaitGroup
	for i := range size {
		host, port, _ := splitHostPort(routes[i])
		var peers []string
		for j, r := range routes {
			if j != i {
				peers = append(peers, "nats-route://"+r)
			}
		}
		o := &server.Options{
			ServerName: fmt.Sprintf("s%d", i+1), Host: "127.0.0.1", Port: server.RANDOM_PORT,
			HTTPHost: "127.0.0.1", HTTPPort: server.RANDOM_PORT,
			JetStream: true, StoreDir: t.TempDir(), SyncAlways: syncAlways,
			Cluster: server.ClusterOpts{Name: "ext", Host: host, Port: port},
			Routes:  server.RoutesFromStr(strings.Join(peers, ",")),
			NoLog:   true, NoSigs: true,
		}
		s, err := server.NewServer(o)
		if err != nil {
			t.Fatal(err)
		}
		srvs[i] = s
		wg.Add(1)
		go func() { defer wg.Done(); s.Start(); s.ReadyForConnections(30 * time.Second) }()
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, s := range srvs {
			s.Shutdown()
		}
	})
	for _, s := range srvs {
		urls = append(urls, s.ClientURL())
		monitors = append(monitors, fmt.Sprintf("http://%s", s.MonitorAddr()))
	}
	return srvs, urls, monitors
}

// TestExternal runs nodes against an external NATS cluster: the start-up
// check of sync_interval: always, and service while one server of three is
// down.
func TestExternal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-server NATS cluster")
	}
	t.Run("default sync interval refused", func(t *testing.T) {
		_, urls, mons := natsCluster(t, 3, false)
		_, err := Start(context.Background(), Config{NodeID: "a", Servers: urls, Monitor: mons}, quietLogger())
		if err == nil || !strings.Contains(err.Error(), "sync_interval: always") {
			t.Fatalf("Start() = %v; want a sync_interval error", err)
		}
	})
	t.Run("one server down", func(t *testing.T) {
		srvs, urls, mons := natsCluster(t, 3, true)
		var nodes []*Node
		for i := range 2 {
			n, err := Start(context.Background(), Config{NodeID: fmt.Sprintf("x%d", i+1), Servers: urls, Monitor: mons, LeaseTTL: 3 * time.Second}, quietLogger())
			if err != nil {
				t.Fatalf("Start = %v", err)
			}
			t.Cleanup(func() { n.Close() })
			nodes = append(nodes, n)
		}
		ctx := ctxT(t)
		l, err := nodes[0].Acquire(ctx, "ext/obj")
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := range 5 {
			s := fmt.Sprint(i)
			if err := l.Append(ctx, []byte(s)); err != nil {
				t.Fatal(err)
			}
			want = append(want, s)
		}
		srvs[2].Shutdown()
		// Appends keep being acknowledged by the remaining quorum (after
		// an election if the stopped server led the stream).
		for i := 5; i < 10; i++ {
			s := fmt.Sprint(i)
			if err := l.Append(ctx, []byte(s)); err != nil {
				if errors.Is(err, ErrLeaseLost) {
					// An append timed out during the election: take the
					// object again, as the actor layer does.
					l = acquireEventually(t, nodes[1], "ext/obj")
					continue
				}
				t.Fatal(err)
			}
			want = append(want, s)
		}
		var got []string
		if err := nodes[1].Restore(ctx, "ext/obj", func(_ io.Reader, css [][]byte) error {
			for _, cs := range css {
				got = append(got, string(cs))
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("acknowledged append %s missing from %q", w, got)
			}
		}
	})
}
