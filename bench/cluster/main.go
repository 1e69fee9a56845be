// Command cluster measures isola's cluster mode on this machine: the write
// latency of one Durable Object (p50/p99 of sequential writes, each one
// durable before its response) on a single node and on a 3-node embedded
// cluster (3 replicas, sync always), and the failover time over repeated
// kill -9 of the owning node, and the requests/s of one node and of a
// 3-node cluster over 1,000 objects (concurrent clients spread over the
// nodes). It builds ./cmd/isola, starts its own processes on 127.0.0.1 and
// writes a report to bench/results. With -failover-only it runs only the
// kill -9 rounds and replaces the failover section of today's report.
//
//	go run ./bench/cluster [-writes 2000] [-kills 10] [-objects 1000] [-conc 32] [-dur 15s] [-o bench/results]
//	go run ./bench/cluster -failover-only [-kills 10] [-lease-ms 3000]
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

	"github.com/nats-io/nats.go"
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
	foOnly = flag.Bool("failover-only", false, "run only the kill -9 rounds and replace the failover section of today's report")
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
	name := filepath.Join(*outDir, time.Now().UTC().Format("2006-01-02")+"-cluster.md")
	if *foOnly {
		nodes := startNodes(bin, app, filepath.Join(dir, "cluster"), 3, true)
		sec := failover(bin, nodes)
		stopAll(nodes)
		old, err := os.ReadFile(name)
		if err != nil {
			log.Fatalf("-failover-only replaces a section of %s: %v", name, err)
		}
		out := replaceSection(string(old), failoverHead(), sec)
		if err := os.WriteFile(name, []byte(out), 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Print(sec)
		return
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
	if *kills > 0 {
		rep.WriteString("\n")
		rep.WriteString(failover(bin, nodes))
	}
	stopAll(nodes)
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
	client                    string // NATS client address of its embedded server
	logOff                    int64  // where the current process's log starts
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
	routes, https, clients := freeAddrs(n), freeAddrs(n), freeAddrs(n)
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
				"embedded": map[string]any{"listen": routes[i], "routes": peers, "client": clients[i]}}
		}
		nd := filepath.Join(dir, id)
		os.MkdirAll(nd, 0o755)
		b, _ := json.Marshal(cfg)
		path := filepath.Join(nd, "wrangler.json")
		os.WriteFile(path, b, 0o644)
		nodes = append(nodes, &node{id: id, config: path, persist: filepath.Join(nd, "state"), http: https[i], client: clients[i]})
	}
	for _, nd := range nodes {
		nd.start(bin)
	}
	for _, nd := range nodes {
		nd.waitReady()
	}
	return nodes
}

func (n *node) logPath() string { return filepath.Join(filepath.Dir(n.config), "log.txt") }

func (n *node) start(bin string) {
	_, port, _ := net.SplitHostPort(n.http)
	if fi, err := os.Stat(n.logPath()); err == nil {
		n.logOff = fi.Size()
	}
	logf, _ := os.OpenFile(n.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
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

// Failover: kill -9 of each node in turn under write load.

// class of an object in a kill round.
const (
	ownObj   = iota // owned by the killed node
	ledObj          // of a shard the killed node led, owned elsewhere
	otherObj        // owned elsewhere, placed through a survivor
)

type killRound struct {
	victim string
	led    []string // "shard i (g groups)" the victim led at the kill
	meta   bool     // it led the JetStream meta group
	back   [3]time.Duration
	n      [3]int
}

// failover kills nodes[i%3] *kills times, each time under write load to
// objects it owned, objects of the shard it led that others owned and
// other objects, measures when each object answers a write from a
// survivor again, restarts it and lets it settle. It returns the report
// section.
func failover(bin string, nodes []*node) string {
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	var rounds []killRound
	for i := range *kills {
		victim := nodes[i%3]
		var survivors []*node
		for _, n := range nodes {
			if n != victim {
				survivors = append(survivors, n)
			}
		}
		var objs [3][]string
		objs[ownObj], objs[ledObj] = place(victim, fmt.Sprintf("fail%d-", i), 4, 4)
		for _, s := range survivors {
			for j := range 2 {
				objs[otherObj] = append(objs[otherObj], ownedBy(s, fmt.Sprintf("fail%d-%s-%d-", i, s.id, j)))
			}
		}
		all := slices.Concat(objs[:]...)
		// Write load: one writer per object through every live node, from
		// a second before the kill until the object is back.
		var dead atomic.Bool
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for _, o := range all {
			wg.Go(func() {
				for k := 0; ; k++ {
					select {
					case <-stop:
						return
					default:
					}
					n := nodes[rand.IntN(3)]
					if n == victim && dead.Load() {
						continue
					}
					if _, err := get(n.http, fmt.Sprintf("/w/%s/l%d", o, k)); err != nil {
						time.Sleep(50 * time.Millisecond)
					}
				}
			})
		}
		time.Sleep(time.Second)
		kr := killRound{victim: victim.id, meta: metaLeader(victim)}
		for s, l := range shardLeaders(survivors[0]) {
			g := 0
			for _, id := range l {
				if id == victim.id {
					g++
				}
			}
			if g > 0 {
				kr.led = append(kr.led, fmt.Sprintf("shard %d (%d groups)", s, g))
			}
		}
		dead.Store(true)
		start := time.Now()
		victim.kill()
		back := make([]time.Duration, len(all))
		var pg sync.WaitGroup
		for j, o := range all {
			pg.Go(func() {
				for k := 0; ; k++ {
					if _, err := get(survivors[k%2].http, "/w/"+o+"/probe"); err == nil {
						back[j] = time.Since(start)
						return
					}
					if time.Since(start) > 2*time.Minute {
						log.Fatalf("%s: not back 2 minutes after the kill", o)
					}
					time.Sleep(50 * time.Millisecond)
				}
			})
		}
		pg.Wait()
		close(stop)
		wg.Wait()
		j := 0
		for c := range objs {
			for range objs[c] {
				kr.back[c] = max(kr.back[c], back[j])
				kr.n[c]++
				j++
			}
		}
		rounds = append(rounds, kr)
		log.Printf("kill %d of %s (led %v, meta %v): objects back after %.1f / %.1f / %.1f s (its own / its shard's / placed on survivors)",
			i+1, kr.victim, kr.led, kr.meta, kr.back[0].Seconds(), kr.back[1].Seconds(), kr.back[2].Seconds())
		victim.start(bin)
		victim.waitReady()
		// Let its JetStream replicas catch up and its shard's leadership
		// come back: killing the next node before then is a double
		// failure, not a failover.
		time.Sleep(*settle)
	}
	return failoverReport(rounds, load)
}

// failoverHead starts the failover section of a report; -failover-only
// replaces the section of the same lease TTL.
func failoverHead() string { return fmt.Sprintf("## Failover after kill -9, lease TTL %d ms", *lease) }

func failoverReport(rounds []killRound, load string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%d kills)\n\n", failoverHead(), len(rounds))
	fmt.Fprintf(&b, "%s, `go run ./bench/cluster -failover-only -kills %d -lease-ms %d -settle %v`.", time.Now().UTC().Format("2006-01-02 15:04 UTC"), *kills, *lease, *settle)
	if load != "" {
		fmt.Fprintf(&b, " Load average at start: %s.", load)
	}
	b.WriteString("\n\nEach round kills the next node (n1, n2, n3, n1, ...) while one client per object writes to it through random live nodes, then sends writes to every object through the survivors until each is acknowledged. The objects: 4 the killed node owned, 4 of the shard whose lease bucket, log stream and session bucket it led that other nodes owned, and 2 placed on each survivor (a survivor hands the objects of its own shard on, so these are in the shard the killed node led or in the other survivor's). Times are from the kill to the acknowledged write; a column gives the slowest object of its group.\n\n")
	b.WriteString("| kill | node | led at the kill | its objects | its shard's objects owned elsewhere | objects placed on survivors | every object |\n|---|---|---|---|---|---|---|\n")
	var byClass [3][]time.Duration
	var everyAll, everyLed, everyNone []time.Duration
	for i, r := range rounds {
		led := strings.Join(r.led, ", ")
		if led == "" {
			led = "no shard"
		}
		if r.meta {
			led += ", meta group"
		}
		every := max(r.back[0], r.back[1], r.back[2])
		fmt.Fprintf(&b, "| %d | %s | %s | %.1f s | %.1f s | %.1f s | %.1f s |\n", i+1, r.victim, led, r.back[0].Seconds(), r.back[1].Seconds(), r.back[2].Seconds(), every.Seconds())
		for c := range 3 {
			byClass[c] = append(byClass[c], r.back[c])
		}
		everyAll = append(everyAll, every)
		if len(r.led) > 0 {
			everyLed = append(everyLed, every)
		} else {
			everyNone = append(everyNone, every)
		}
	}
	dist := func(ds []time.Duration) string {
		if len(ds) == 0 {
			return "none"
		}
		s := slices.Sorted(slices.Values(ds))
		return fmt.Sprintf("min %.1f s, p50 %.1f s, max %.1f s", s[0].Seconds(), pct(s, 50).Seconds(), s[len(s)-1].Seconds())
	}
	fmt.Fprintf(&b, "\nEvery object back (per kill, the slowest object): %s.\n\n", dist(everyAll))
	fmt.Fprintf(&b, "- kills of a node that led a shard's groups (%d): %s;\n", len(everyLed), dist(everyLed))
	if len(everyNone) > 0 {
		fmt.Fprintf(&b, "- kills of a node that led none (%d): %s;\n", len(everyNone), dist(everyNone))
	} else {
		b.WriteString("- kills of a node that led none: none (with as many shards as nodes, each node leads one shard once placement settled);\n")
	}
	fmt.Fprintf(&b, "- objects the killed node owned: %s;\n", dist(byClass[ownObj]))
	fmt.Fprintf(&b, "- objects of the shard it led, owned by survivors: %s;\n", dist(byClass[ledObj]))
	fmt.Fprintf(&b, "- objects placed on survivors: %s.\n", dist(byClass[otherObj]))
	return b.String()
}

// replaceSection replaces the section of doc that starts with the line
// prefix head (up to the next "## " heading) by sec, or appends sec.
func replaceSection(doc, head, sec string) string {
	i := strings.Index(doc, "\n"+head)
	if i < 0 {
		return strings.TrimRight(doc, "\n") + "\n\n" + sec
	}
	rest := doc[i+1:]
	j := strings.Index(rest[len(head):], "\n## ")
	if j < 0 {
		return doc[:i+1] + sec
	}
	return doc[:i+1] + sec + "\n" + rest[len(head)+j+1:]
}

// place returns objects whose first event reaches n: wantOwn that n
// takes and wantLed that it hands to another node (those of the shard it
// leads). The nodes' views of the leaders lag: each batch is classified
// again after a while.
func place(n *node, prefix string, wantOwn, wantLed int) (own, led []string) {
	for try := 0; len(own) < wantOwn || len(led) < wantLed; try++ {
		if try == 10 {
			log.Fatalf("placed %d objects on %s and %d of its shard elsewhere", len(own), n.id, len(led))
		}
		var names []string
		for j := range 20 {
			names = append(names, fmt.Sprintf("%s%d-%d", prefix, try, j))
		}
		for _, o := range names {
			if _, err := get(n.http, "/who/"+o); err != nil {
				log.Fatalf("place %s: %v", o, err)
			}
		}
		time.Sleep(2 * time.Second)
		for _, o := range names {
			who, err := get(n.http, "/who/"+o)
			switch {
			case err != nil:
				log.Fatalf("place %s: %v", o, err)
			case who == n.id && len(own) < wantOwn:
				own = append(own, o)
			case who != n.id && len(led) < wantLed:
				led = append(led, o)
			}
		}
	}
	return own, led
}

// shardLeaders returns, per shard, the leaders of its lease bucket, log
// stream and session bucket as n's server sees them.
func shardLeaders(n *node) [][3]string {
	nc, err := nats.Connect("nats://"+n.client, nats.Timeout(5*time.Second))
	if err != nil {
		log.Fatalf("connect to %s: %v", n.id, err)
	}
	defer nc.Close()
	var out [][3]string
	for i := range 3 {
		var ls [3]string
		for j, s := range []string{fmt.Sprintf("KV_isola_leases_%d", i), fmt.Sprintf("ISOLA_LOG_%d", i), fmt.Sprintf("KV_isola_sessions_%d", i)} {
			var info struct {
				Cluster struct {
					Leader string `json:"leader"`
				} `json:"cluster"`
			}
			if m, err := nc.Request("$JS.API.STREAM.INFO."+s, nil, 5*time.Second); err == nil {
				json.Unmarshal(m.Data, &info)
			}
			ls[j] = info.Cluster.Leader
		}
		out = append(out, ls)
	}
	return out
}

// metaLeader reports whether n's server leads the JetStream meta group,
// by its log ("JetStream meta leadership", internal/cluster).
func metaLeader(n *node) bool {
	b, _ := os.ReadFile(n.logPath())
	if n.logOff <= int64(len(b)) {
		b = b[n.logOff:]
	}
	var last string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, `"msg":"JetStream meta leadership"`) {
			last = line
		}
	}
	return strings.Contains(last, `"leader":true`)
}
