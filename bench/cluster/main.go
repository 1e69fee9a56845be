// Command cluster measures isola's cluster mode on this machine: the write
// latency of one Durable Object (p50/p99 of sequential writes, each one
// durable before its response) on a single node and on a 3-node embedded
// cluster (3 replicas, sync always), and the failover time over repeated
// kill -9 of the owning node, and the requests/s of one node and of a
// 3-node cluster over 1,000 objects (concurrent clients spread over the
// nodes). It builds ./cmd/isola, starts its own processes on 127.0.0.1 and
// writes a report to bench/results.
//
//	go run ./bench/cluster [-writes 2000] [-kills 10] [-objects 1000] [-conc 32] [-dur 15s] [-o bench/results]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	writes = flag.Int("writes", 2000, "sequential writes per latency run")
	kills  = flag.Int("kills", 10, "kill -9 rounds for the failover distribution")
	outDir = flag.String("o", "bench/results", "report directory")
	lease  = flag.Int("lease-ms", 3000, "lease TTL of the cluster")
	settle = flag.Duration("settle", 15*time.Second, "wait after restarting a killed node")
	nobjs  = flag.Int("objects", 1000, "objects of the throughput runs")
	conc   = flag.Int("conc", 32, "concurrent clients of the throughput runs")
	dur    = flag.Duration("dur", 15*time.Second, "length of each throughput run")
)

func main() {
	flag.Parse()
	dir, err := os.MkdirTemp("", "isola-cluster-bench")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "isola")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/isola").CombinedOutput(); err != nil {
		log.Fatalf("go build: %v\n%s", err, out)
	}
	app, err := filepath.Abs("internal/cluster/testdata/app/src/index.js")
	if err != nil {
		log.Fatal(err)
	}
	var rep strings.Builder
	fmt.Fprintf(&rep, "# Cluster mode: write latency, throughput and failover\n\n%s, %s/%s, %d CPUs, `go run ./bench/cluster -writes %d -kills %d -lease-ms %d -settle %v -objects %d -conc %d -dur %v`.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), *writes, *kills, *lease, *settle, *nobjs, *conc, *dur)

	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(&rep, "Load average at start: %s (other work on the machine skews these figures).\n\n", strings.Join(strings.Fields(string(b))[:3], " "))
	}
	single := startNodes(bin, app, filepath.Join(dir, "single"), 1, false)
	l1 := latency(single[0].http, "single")
	var tput [2][2]float64 // [single, cluster][write, read]
	if *nobjs > 0 {
		tput[0] = throughputs([]*node{single[0]})
	}
	stopAll(single)

	nodes := startNodes(bin, app, filepath.Join(dir, "cluster"), 3, true)
	// One object owned by nodes[0]; writes alternate between the owner and
	// another node (forwarded), so that both see the same conditions.
	local, forwarded := latency2(nodes[0].http, nodes[1].http, ownedBy(nodes[0], "local"))
	fmt.Fprintf(&rep, "## Write latency, one object, sequential (ms)\n\n| setup | p50 | p99 | ratio p50 to single |\n|---|---|---|---|\n")
	for _, r := range []struct {
		name string
		d    []time.Duration
	}{{"single node (local SQLite, synchronous=FULL)", l1}, {"3 nodes, request on the owner (R3 append, sync always)", local}, {"3 nodes, request forwarded to the owner", forwarded}} {
		fmt.Fprintf(&rep, "| %s | %.2f | %.2f | %.2fx |\n", r.name, ms(pct(r.d, 50)), ms(pct(r.d, 99)), float64(pct(r.d, 50))/float64(pct(l1, 50)))
	}

	if *nobjs > 0 {
		tput[1] = throughputs(nodes)
		fmt.Fprintf(&rep, "\n## Requests/s over %d objects, %d concurrent clients, %v per run\n\n", *nobjs, *conc, *dur)
		fmt.Fprintf(&rep, "Clients spread their requests over every node (round robin); an object lives on one node, so in the cluster about 2 requests in 3 are forwarded.\n\n")
		fmt.Fprintf(&rep, "| request | 1 node | 3 nodes | ratio |\n|---|---|---|---|\n")
		for j, name := range []string{"write (one `put`, durable before the response)", "read (an RPC returning the node's name)"} {
			fmt.Fprintf(&rep, "| %s | %.0f | %.0f | %.2fx |\n", name, tput[0][j], tput[1][j], tput[1][j]/tput[0][j])
		}
		rep.WriteString("\nAll processes share this machine's cores: a 3-node cluster here measures the cost of replication and forwarding, not the gain of three machines.\n")
	}

	var fo []time.Duration
	for i := range *kills {
		victim := nodes[i%3]
		other := nodes[(i+1)%3]
		obj := ownedBy(victim, fmt.Sprintf("fail%d-", i))
		start := time.Now()
		victim.kill()
		for {
			if _, err := get(other.http, "/w/"+obj+"/y"); err == nil {
				break
			}
			if time.Since(start) > 2*time.Minute {
				log.Fatalf("%s: no failover after 2 minutes", obj)
			}
			time.Sleep(50 * time.Millisecond)
		}
		d := time.Since(start)
		fo = append(fo, d)
		log.Printf("kill %d: object back after %v", i+1, d.Round(time.Millisecond))
		victim.start(bin)
		victim.waitReady()
		// Let its JetStream replicas catch up: killing the next node
		// before then is a double failure, not a failover.
		time.Sleep(*settle)
	}
	stopAll(nodes)
	if len(fo) > 0 {
		slices.Sort(fo)
		fmt.Fprintf(&rep, "\n## Failover after kill -9 of the owner (%d kills, lease TTL %d ms)\n\n", len(fo), *lease)
		fmt.Fprintf(&rep, "min %.1f s, p50 %.1f s, max %.1f s; all: ", fo[0].Seconds(), pct(fo, 50).Seconds(), fo[len(fo)-1].Seconds())
		for i, d := range fo {
			if i > 0 {
				rep.WriteString(", ")
			}
			fmt.Fprintf(&rep, "%.1f", d.Seconds())
		}
		rep.WriteString(" s.\n\nFailover = expiry of the dead node's session (TTL) + taking the lease over, appending the epoch marker and rebuilding. The killed node led only the groups of the shard whose objects it does not own, so its objects' new owner waits for no JetStream election; objects of that shard owned by other nodes stall for the election (4-9 s) instead (`go test -run TestProcessKill9 ./internal/cluster` measures both).\n")
	}
	name := filepath.Join(*outDir, time.Now().UTC().Format("2006-01-02")+"-cluster.md")
	if err := os.WriteFile(name, []byte(rep.String()), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Print(rep.String())
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// ownedBy returns an object name (prefix + n) that n owns once it received
// its first event (n hands objects of the shard it leads to the others).
func ownedBy(n *node, prefix string) string {
	for j := 0; ; j++ {
		obj := fmt.Sprintf("%s%d", prefix, j)
		who, err := get(n.http, "/who/"+obj)
		if err != nil {
			log.Fatalf("place %s: %v", obj, err)
		}
		if who == n.id {
			return obj
		}
	}
}

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func latency(addr, obj string) []time.Duration {
	for range 100 { // warm up (and place the object)
		if _, err := get(addr, "/w/"+obj+"/warm"); err != nil {
			log.Fatalf("warm-up: %v", err)
		}
	}
	out := make([]time.Duration, 0, *writes)
	for i := range *writes {
		t := time.Now()
		if _, err := get(addr, fmt.Sprintf("/w/%s/k%d", obj, i)); err != nil {
			log.Fatalf("write: %v", err)
		}
		out = append(out, time.Since(t))
	}
	return out
}

// throughputs measures write and read requests/s over the nodes.
func throughputs(nodes []*node) [2]float64 {
	var addrs []string
	for _, n := range nodes {
		addrs = append(addrs, n.http)
	}
	// Place every object first (and warm the runtimes).
	run(addrs, 5*time.Second, func(c, i int) string { return fmt.Sprintf("/w/t%d/warm", i%*nobjs) }, true)
	w := run(addrs, *dur, func(c, i int) string { return fmt.Sprintf("/w/t%d/c%d-%d", rand.IntN(*nobjs), c, i) }, false)
	r := run(addrs, *dur, func(c, i int) string { return fmt.Sprintf("/who/t%d", rand.IntN(*nobjs)) }, false)
	log.Printf("%d node(s): %.0f writes/s, %.0f reads/s", len(nodes), w, r)
	return [2]float64{w, r}
}

// run sends requests from *conc clients, client c's i-th request to
// addrs[(c+i) % len], for d (or, with all, until every object was touched
// once) and returns the requests/s.
func run(addrs []string, d time.Duration, path func(c, i int) string, all bool) float64 {
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conc}}
	var n, errs atomic.Int64
	var next atomic.Int64
	end := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for c := range *conc {
		wg.Go(func() {
			for i := 0; ; i++ {
				k := i
				if all {
					k = int(next.Add(1)) - 1
					if k >= *nobjs {
						return
					}
				} else if time.Now().After(end) {
					return
				}
				resp, err := hc.Get("http://" + addrs[(c+i)%len(addrs)] + path(c, k))
				if err != nil {
					errs.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs.Add(1)
					continue
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	if e := errs.Load(); e > 0 {
		log.Printf("%d failed requests", e)
	}
	return float64(n.Load()) / time.Since(start).Seconds()
}

func latency2(owner, other, obj string) (a, b []time.Duration) {
	latencyWarm(owner, obj)
	latencyWarm(other, obj)
	for i := range *writes {
		addr, out := owner, &a
		if i%2 == 1 {
			addr, out = other, &b
		}
		t := time.Now()
		if _, err := get(addr, fmt.Sprintf("/w/%s/k%d", obj, i)); err != nil {
			log.Fatalf("write: %v", err)
		}
		*out = append(*out, time.Since(t))
	}
	return a, b
}

func latencyWarm(addr, obj string) {
	for range 100 {
		if _, err := get(addr, "/w/"+obj+"/warm"); err != nil {
			log.Fatalf("warm-up: %v", err)
		}
	}
}

var client = &http.Client{Timeout: 30 * time.Second}

func get(addr, path string) (string, error) {
	resp, err := client.Get("http://" + addr + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("%d %s", resp.StatusCode, b)
	}
	return string(b), nil
}

type node struct {
	id, config, persist, http string
	cmd                       *exec.Cmd
	done                      chan struct{}
}

func freeAddrs(n int) []string {
	var out []string
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().String())
	}
	for _, l := range ls {
		l.Close()
	}
	return out
}

func startNodes(bin, app, dir string, n int, clustered bool) []*node {
	routes, https := freeAddrs(n), freeAddrs(n)
	var nodes []*node
	for i := range n {
		id := fmt.Sprintf("n%d", i+1)
		cfg := map[string]any{
			"name": "app", "main": app, "compatibility_date": "2025-09-01",
			"durable_objects": map[string]any{"bindings": []any{map[string]any{"name": "BOX", "class_name": "Box"}}},
			"migrations":      []any{map[string]any{"tag": "v1", "new_sqlite_classes": []any{"Box"}}},
			"vars":            map[string]any{"NODE": id},
		}
		if clustered {
			var peers []string
			for j, r := range routes {
				if j != i {
					peers = append(peers, r)
				}
			}
			cfg["cluster"] = map[string]any{"node_id": id, "lease_ttl_ms": *lease,
				"embedded": map[string]any{"listen": routes[i], "routes": peers}}
		}
		nd := filepath.Join(dir, id)
		os.MkdirAll(nd, 0o755)
		b, _ := json.Marshal(cfg)
		path := filepath.Join(nd, "wrangler.json")
		os.WriteFile(path, b, 0o644)
		nodes = append(nodes, &node{id: id, config: path, persist: filepath.Join(nd, "state"), http: https[i]})
	}
	for _, nd := range nodes {
		nd.start(bin)
	}
	for _, nd := range nodes {
		nd.waitReady()
	}
	return nodes
}

func (n *node) start(bin string) {
	_, port, _ := net.SplitHostPort(n.http)
	logf, _ := os.OpenFile(filepath.Join(filepath.Dir(n.config), "log.txt"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	n.cmd = exec.Command(bin, "serve", "--config", n.config, "--port", port, "--persist-to", n.persist, "--grace", "5s")
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	if err := n.cmd.Start(); err != nil {
		log.Fatal(err)
	}
	n.done = make(chan struct{})
	go func(c *exec.Cmd, ch chan struct{}) { c.Wait(); close(ch) }(n.cmd, n.done)
}

func (n *node) waitReady() {
	for end := time.Now().Add(2 * time.Minute); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		select {
		case <-n.done:
			log.Fatalf("node %s exited during start-up (log in %s)", n.id, filepath.Dir(n.config))
		default:
		}
		if _, err := get(n.http, "/"); err == nil {
			return
		}
	}
	log.Fatalf("node %s not ready", n.id)
}

func (n *node) kill() {
	n.cmd.Process.Kill()
	<-n.done
}

func stopAll(nodes []*node) {
	for _, n := range nodes {
		n.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, n := range nodes {
		select {
		case <-n.done:
		case <-time.After(20 * time.Second):
			n.kill()
		}
	}
}
