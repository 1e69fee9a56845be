// Command wsbench measures WebSockets through a hibernatable Durable Object
// on isola and on workerd, side by side on this machine:
//
//   - echo: one connection, sequential round trips (p50, p99);
//   - idle: N idle connections to one object, server RSS with the object
//     resident and after the hibernation timeout;
//   - broadcast: one message fanned out to M sockets, time until the last
//     receives it (p50, p99 over rounds).
//
// Run from the repo root (workerd from `npm ci`):
//
//	go run ./bench/wsbench                       # both runtimes, report to stdout
//	go run ./bench/wsbench -out bench/results/$(date +%F)-websocket.md
//	go run ./bench/wsbench -runtime isola -idle 1000 -broadcast 100
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/isola-run/isola/conformance/harness"
)

func main() {
	var (
		runtimes = flag.String("runtime", "isola,workerd", "runtimes to measure, comma-separated")
		echoN    = flag.Int("echo", 5000, "echo round trips")
		idleN    = flag.Int("idle", 10000, "idle connections")
		bcastN   = flag.Int("broadcast", 1000, "broadcast fan-out")
		rounds   = flag.Int("rounds", 30, "broadcast rounds")
		hibWait  = flag.Duration("hibernate-wait", 16*time.Second, "how long idle sockets wait for the object to hibernate")
		out      = flag.String("out", "", "write the report here (markdown); default stdout")
		isolaBin = flag.String("isola-bin", "", "isola binary (default: build ./cmd/isola)")
	)
	flag.Parse()
	root, err := harness.RepoRoot()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "wsbench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	if *isolaBin == "" {
		*isolaBin = filepath.Join(tmp, "isola")
		if err := harness.BuildIsola(ctx, root, *isolaBin); err != nil {
			log.Fatal(err)
		}
	}
	var rows []result
	for _, name := range strings.Split(*runtimes, ",") {
		r, err := measure(ctx, root, tmp, strings.TrimSpace(name), *isolaBin, *echoN, *idleN, *bcastN, *rounds, *hibWait)
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		rows = append(rows, r)
	}
	var w io.Writer = os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		w = f
	}
	report(w, rows, *echoN, *idleN, *bcastN, *rounds)
}

type result struct {
	Runtime, Version       string
	EchoP50, EchoP99       time.Duration
	RSSBase                int64 // server RSS before the idle sockets
	RSSResident, RSSAsleep int64
	BcastP50, BcastP99     time.Duration
}

func measure(ctx context.Context, root, tmp, name, isolaBin string, echoN, idleN, bcastN, rounds int, hibWait time.Duration) (result, error) {
	dir := filepath.Join(tmp, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return result{}, err
	}
	w, err := harness.Worker{
		Name:           "wsbench",
		Dir:            filepath.Join(root, "bench", "wsbench"),
		Main:           "room.js",
		DurableObjects: []harness.DurableObject{{Binding: "ROOM", ClassName: "Room"}},
	}.Prepare(dir)
	if err != nil {
		return result{}, err
	}
	var srv *harness.Server
	res := result{Runtime: name}
	switch name {
	case "workerd":
		bin, err := harness.FindWorkerd(root)
		if err != nil {
			return res, err
		}
		res.Version = harness.Version(ctx, bin, "--version")
		srv, err = harness.StartWorkerd(ctx, bin, w)
		if err != nil {
			return res, err
		}
	case "isola":
		res.Version = harness.Version(ctx, isolaBin, "version")
		srv, err = harness.StartIsola(ctx, isolaBin, w, "serve", "--config", filepath.Join(dir, "wrangler.json"), "--port", "0", "--ip", "127.0.0.1")
		if err != nil {
			return res, err
		}
	default:
		return res, fmt.Errorf("unknown runtime %q", name)
	}
	defer srv.Close()
	base := "ws" + strings.TrimPrefix(srv.URL, "http")

	// Echo.
	c, err := dialWS(ctx, base+"/?room=echo")
	if err != nil {
		return res, err
	}
	lat := make([]time.Duration, 0, echoN)
	for i := 0; i < echoN+echoN/10; i++ {
		t0 := time.Now()
		if err := roundTrip(ctx, c, "e"+strconv.Itoa(i)); err != nil {
			return res, fmt.Errorf("echo: %w", err)
		}
		if i >= echoN/10 { // warm-up first
			lat = append(lat, time.Since(t0))
		}
	}
	c.Close(websocket.StatusNormalClosure, "")
	res.EchoP50, res.EchoP99 = pct(lat, 50), pct(lat, 99)
	log.Printf("%s echo p50 %v p99 %v", name, res.EchoP50, res.EchoP99)

	// Broadcast.
	conns, err := dialMany(ctx, base+"/?room=bcast", bcastN)
	if err != nil {
		return res, fmt.Errorf("broadcast: %w", err)
	}
	var bl []time.Duration
	for r := 0; r < rounds+2; r++ {
		d, err := broadcast(ctx, conns)
		if err != nil {
			return res, fmt.Errorf("broadcast: %w", err)
		}
		if r >= 2 {
			bl = append(bl, d)
		}
	}
	closeAll(conns)
	res.BcastP50, res.BcastP99 = pct(bl, 50), pct(bl, 99)
	log.Printf("%s broadcast to %d: p50 %v p99 %v", name, bcastN, res.BcastP50, res.BcastP99)

	// Idle connections: RSS resident, then after hibernation.
	time.Sleep(time.Second)
	res.RSSBase = rss(srv.PID())
	idle, err := dialMany(ctx, base+"/?room=idle", idleN)
	if err != nil {
		return res, fmt.Errorf("idle: %w", err)
	}
	defer closeAll(idle)
	time.Sleep(time.Second)
	res.RSSResident = rss(srv.PID())
	time.Sleep(hibWait)
	runtime.GC()
	res.RSSAsleep = rss(srv.PID())
	if err := roundTrip(ctx, idle[0], "still there?"); err != nil {
		return res, fmt.Errorf("idle: socket dead after hibernation: %w", err)
	}
	log.Printf("%s %d idle: RSS base %d MiB, resident %d MiB, after %v %d MiB", name, idleN, res.RSSBase>>20, res.RSSResident>>20, hibWait, res.RSSAsleep>>20)
	return res, nil
}

func dialWS(ctx context.Context, url string) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(dctx, url, nil)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	return c, nil
}

// dialMany opens n connections (64 at a time), each checked with a round
// trip so the object has accepted it.
func dialMany(ctx context.Context, url string, n int) ([]*websocket.Conn, error) {
	conns := make([]*websocket.Conn, n)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  atomic.Int64
	)
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				c, err := dialWS(ctx, url)
				if err == nil {
					err = roundTrip(ctx, c, "hi")
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("connection %d: %w", i, err)
					}
					mu.Unlock()
					return
				}
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	if first != nil {
		closeAll(conns)
		return nil, first
	}
	return conns, nil
}

func closeAll(conns []*websocket.Conn) {
	for _, c := range conns {
		if c != nil {
			c.CloseNow()
		}
	}
}

func roundTrip(ctx context.Context, c *websocket.Conn, msg string) error {
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := c.Write(rctx, websocket.MessageText, []byte(msg)); err != nil {
		return err
	}
	_, b, err := c.Read(rctx)
	if err != nil {
		return err
	}
	if string(b) != msg {
		return fmt.Errorf("got %q, want %q", b, msg)
	}
	return nil
}

// broadcast sends one "broadcast" and returns the time until every
// connection received its copy.
func broadcast(ctx context.Context, conns []*websocket.Conn) (time.Duration, error) {
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, len(conns))
	start := make(chan struct{})
	for _, c := range conns {
		wg.Add(1)
		go func(c *websocket.Conn) {
			defer wg.Done()
			<-start
			_, b, err := c.Read(rctx)
			if err == nil && string(b) != "b" {
				err = fmt.Errorf("got %q", b)
			}
			if err != nil {
				errs <- err
			}
		}(c)
	}
	close(start)
	t0 := time.Now()
	if err := conns[0].Write(rctx, websocket.MessageText, []byte("broadcast")); err != nil {
		return 0, err
	}
	wg.Wait()
	d := time.Since(t0)
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return d, nil
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, len(s)*p/100)]
}

// rss returns the resident set size of pid in bytes (Linux).
func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

func report(w io.Writer, rows []result, echoN, idleN, bcastN, rounds int) {
	host, _ := os.Hostname()
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(w, "# WebSockets through a hibernatable Durable Object\n\n")
	fmt.Fprintf(w, "%s, %s, %d CPUs, host %s, load average %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.GOARCH, runtime.NumCPU(), host, strings.TrimSpace(string(load)))
	fmt.Fprintf(w, "`go run ./bench/wsbench` (bench/wsbench/room.js; client: github.com/coder/websocket in one process on 127.0.0.1).\n\n")
	fmt.Fprintf(w, "| runtime | version | echo p50 | echo p99 | broadcast to %d p50 | p99 | RSS before | RSS %d idle, resident | RSS after hibernation |\n", bcastN, idleN)
	fmt.Fprintf(w, "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %v | %v | %v | %v | %d MiB | %d MiB | %d MiB |\n", r.Runtime, r.Version, r.EchoP50, r.EchoP99, r.BcastP50, r.BcastP99, r.RSSBase>>20, r.RSSResident>>20, r.RSSAsleep>>20)
	}
	if len(rows) == 2 && rows[1].EchoP50 > 0 {
		a, b := rows[0], rows[1]
		fmt.Fprintf(w, "\nRatios %s/%s: echo p50 %.2f, p99 %.2f; broadcast p50 %.2f; RSS of the idle sockets (resident - before) %.2f, after hibernation %.2f.\n",
			a.Runtime, b.Runtime, ratio(a.EchoP50, b.EchoP50), ratio(a.EchoP99, b.EchoP99), ratio(a.BcastP50, b.BcastP50),
			float64(a.RSSResident-a.RSSBase)/float64(max(1, b.RSSResident-b.RSSBase)), float64(a.RSSAsleep)/float64(max(1, b.RSSAsleep)))
	}
	fmt.Fprintf(w, "\n%d echo round trips (after %d warm-up), %d broadcast rounds, %d idle sockets each checked with one round trip.\n", echoN, echoN/10, rounds, idleN)
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
