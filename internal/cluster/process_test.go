package cluster_test

// Failure tests with real `isola serve` processes on 127.0.0.1: a 3-node
// cluster in embedded mode running testdata/app. They build the binary once
// and are skipped with -short.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/isola-run/isola/internal/cluster"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// isolaBinary builds cmd/isola once per test binary run.
func isolaBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "isola-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "isola")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/isola").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// processTest skips t under -short: it starts isola processes.
func processTest(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts 3 isola processes")
	}
}

// longTest skips t under -short, and unless ISOLA_CLUSTER_LONG is set: the
// distribution runs CI leaves out (TestProcessKill9LeadersLong, about two
// minutes of six kills, repeats what TestProcessKill9Leaders checks in CI).
// Run them with ISOLA_CLUSTER_LONG=1 go test ./internal/cluster.
func longTest(t testing.TB) {
	t.Helper()
	processTest(t)
	if os.Getenv("ISOLA_CLUSTER_LONG") == "" {
		t.Skip("long cluster test; run with ISOLA_CLUSTER_LONG=1")
	}
}

// proc is one isola node.
type proc struct {
	t       testing.TB
	id      string
	config  string
	persist string
	http    string   // host:port
	client  string   // NATS client host:port of its embedded server
	netns   string   // network namespace to run in, "" for the test's
	args    []string // more flags of isola serve
	log     *os.File
	cmd     *exec.Cmd
	exited  chan struct{}
}

// liveSet is which nodes of a test cluster are up, for load goroutines.
type liveSet struct {
	mu  sync.Mutex // guards up
	up  map[*proc]bool
	all []*proc
}

func newLiveSet(nodes []*proc) *liveSet {
	s := &liveSet{up: map[*proc]bool{}, all: nodes}
	for _, p := range nodes {
		s.up[p] = true
	}
	return s
}

func (s *liveSet) set(p *proc, up bool) {
	s.mu.Lock()
	s.up[p] = up
	s.mu.Unlock()
}

// live returns the nodes that are up, in order.
func (s *liveSet) live() []*proc {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*proc
	for _, p := range s.all {
		if s.up[p] {
			out = append(out, p)
		}
	}
	return out
}

type testNet struct {
	t     testing.TB
	nodes []*proc
}

// startNet writes one config per node (same app, own node id and routes)
// and starts the nodes.
func startNet(t testing.TB, size int, leaseMs int) *testNet {
	t.Helper()
	return startNetWith(t, netSpec{size: size, leaseMs: leaseMs})
}

// startNetIn is startNet with node i in network namespace netns[i] at
// address ips[i] (fixed ports), or on 127.0.0.1 when netns is nil.
func startNetIn(t testing.TB, size int, leaseMs int, nsIPs [][2]string) *testNet {
	t.Helper()
	return startNetWith(t, netSpec{size: size, leaseMs: leaseMs, nsIPs: nsIPs})
}

// netSpec describes a test cluster. The zero values of app, binding, class
// are testdata/app with its BOX binding of class Box.
type netSpec struct {
	size    int
	leaseMs int
	nsIPs   [][2]string // see startNetIn
	app     string      // testdata/<app>/src/index.js
	binding string      // the Durable Object binding...
	class   string      // ...and its class
	args    []string    // more flags of isola serve
}

func startNetWith(t testing.TB, spec netSpec) *testNet {
	t.Helper()
	if spec.app == "" {
		spec.app, spec.binding, spec.class = "app", "BOX", "Box"
	}
	size, leaseMs, nsIPs := spec.size, spec.leaseMs, spec.nsIPs
	bin := isolaBinary(t)
	dir := t.TempDir()
	main, err := filepath.Abs(filepath.Join("testdata", spec.app, "src", "index.js"))
	if err != nil {
		t.Fatal(err)
	}
	var routes, https, clients []string
	if nsIPs == nil {
		routes, https, clients = cluster.FreeAddrs(t, size), cluster.FreeAddrs(t, size), cluster.FreeAddrs(t, size)
	} else {
		for _, n := range nsIPs {
			routes = append(routes, n[1]+":6222")
			https = append(https, n[1]+":8787")
			clients = append(clients, n[1]+":4222")
		}
	}
	tn := &testNet{t: t}
	for i := range size {
		id := fmt.Sprintf("n%d", i+1)
		var peers []string
		for j, r := range routes {
			if j != i {
				peers = append(peers, r)
			}
		}
		cfg := map[string]any{
			"name": "app", "main": main, "compatibility_date": "2025-09-01",
			"durable_objects": map[string]any{"bindings": []any{map[string]any{"name": spec.binding, "class_name": spec.class}}},
			"migrations":      []any{map[string]any{"tag": "v1", "new_sqlite_classes": []any{spec.class}}},
			"vars":            map[string]any{"NODE": id},
			"cluster": map[string]any{
				"node_id": id, "advertise": https[i], "lease_ttl_ms": leaseMs,
				"embedded": map[string]any{"listen": routes[i], "routes": peers, "client": clients[i]},
			},
		}
		b, _ := json.MarshalIndent(cfg, "", "  ")
		nd := filepath.Join(dir, id)
		os.MkdirAll(nd, 0o755)
		path := filepath.Join(nd, "wrangler.json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		p := &proc{t: t, id: id, config: path, persist: filepath.Join(nd, "state"), http: https[i], client: clients[i], args: spec.args}
		if nsIPs != nil {
			p.netns = nsIPs[i][0]
		}
		tn.nodes = append(tn.nodes, p)
	}
	// Registered first: a node failing to start must not leave the others
	// running.
	t.Cleanup(func() {
		for _, p := range tn.nodes {
			p.kill()
		}
	})
	for _, p := range tn.nodes {
		p.start(bin)
	}
	for _, p := range tn.nodes {
		p.waitReady(90 * time.Second)
	}
	return tn
}

func (p *proc) start(bin string) {
	p.t.Helper()
	_, port, _ := net.SplitHostPort(p.http)
	f, err := os.OpenFile(filepath.Join(filepath.Dir(p.config), "log.txt"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	p.log = f
	p.cmd = exec.Command(bin, append([]string{"serve", "--config", p.config, "--port", port, "--persist-to", p.persist, "--grace", "5s"}, p.args...)...)
	if p.netns != "" {
		host, _, _ := net.SplitHostPort(p.http)
		// ip netns exec execs the binary: the pid stays the node's.
		p.cmd = exec.Command("ip", append([]string{"netns", "exec", p.netns}, append(p.cmd.Args, "--ip", host)...)...)
	}
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.exited = make(chan struct{})
	go func(c *exec.Cmd, ch chan struct{}) { c.Wait(); close(ch) }(p.cmd, p.exited)
}

func (p *proc) waitReady(d time.Duration) {
	p.t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		select {
		case <-p.exited:
			p.t.Fatalf("node %s exited during start-up; log:\n%s", p.id, p.logText())
		default:
		}
		resp, err := http.Get("http://" + p.http + "/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.t.Fatalf("node %s not ready after %v; log:\n%s", p.id, d, p.logText())
}

func (p *proc) logText() string {
	b, _ := os.ReadFile(p.log.Name())
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// grepLog returns the lines of p's log that contain any of subs.
func (p *proc) grepLog(subs ...string) string {
	b, _ := os.ReadFile(p.log.Name())
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		for _, s := range subs {
			if strings.Contains(line, s) {
				out = append(out, line)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

func (p *proc) kill() {
	if p.cmd != nil && p.cmd.Process != nil {
		p.cmd.Process.Signal(syscall.SIGCONT)
		p.cmd.Process.Kill()
		<-p.exited
	}
}

func (p *proc) signal(s syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(s); err != nil {
		p.t.Fatal(err)
	}
}

var client = &http.Client{Timeout: 20 * time.Second}

func get(addr, path string) (string, error) {
	resp, err := client.Get("http://" + addr + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("%s: %d %s", path, resp.StatusCode, bytes.TrimSpace(b))
	}
	return string(b), nil
}

// ledger records acknowledged writes per object.
type ledger struct {
	mu    sync.Mutex
	acked map[string][]string
	fails int
}

// count is the number of acknowledged writes.
func (l *ledger) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, keys := range l.acked {
		n += len(keys)
	}
	return n
}

func (l *ledger) ack(obj, key string) {
	l.mu.Lock()
	l.acked[obj] = append(l.acked[obj], key)
	l.mu.Unlock()
}

// load writes unique keys to objs through random live nodes until stop is
// closed, one writer per object.
func (tn *testNet) load(l *ledger, objs []string, live func() []*proc, stop chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	for _, o := range objs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				nodes := live()
				p := nodes[rand.IntN(len(nodes))]
				key := fmt.Sprintf("k%05d", i)
				if _, err := get(p.http, "/w/"+o+"/"+key); err == nil {
					l.ack(o, key)
				} else {
					l.mu.Lock()
					l.fails++
					l.mu.Unlock()
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	return &wg
}

// verify reads every object through node p and checks every acknowledged
// key is there.
func (tn *testNet) verify(l *ledger, p *proc) {
	tn.t.Helper()
	lost := 0
	for o, keys := range l.acked {
		var body string
		var err error
		for range 100 {
			if body, err = get(p.http, "/r/"+o); err == nil {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if err != nil {
			tn.t.Fatalf("read %s: %v", o, err)
		}
		var have []string
		json.Unmarshal([]byte(body), &have)
		for _, k := range keys {
			if !slices.Contains(have, k) {
				lost++
				if lost < 10 {
					tn.t.Errorf("object %s lost acknowledged key %s", o, k)
				}
			}
		}
	}
	if lost > 0 {
		tn.t.Errorf("%d acknowledged writes lost", lost)
	}
}

// shardStreams returns the streams of the shards of a 3-node cluster
// (default prefix, 3 shards): per shard, its lease bucket, its log and its
// session bucket.
func shardStreams() [][3]string {
	var out [][3]string
	for i := range 3 {
		out = append(out, [3]string{fmt.Sprintf("KV_isola_leases_%d", i), fmt.Sprintf("ISOLA_LOG_%d", i), fmt.Sprintf("KV_isola_sessions_%d", i)})
	}
	return out
}

// leaders returns the leaders of each shard's streams as p's server sees
// them ("" while a group has none).
func leaders(t testing.TB, p *proc) [][3]string {
	t.Helper()
	nc, err := nats.Connect("nats://"+p.client, nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("connect to %s: %v", p.id, err)
	}
	defer nc.Close()
	var out [][3]string
	for _, ss := range shardStreams() {
		var ls [3]string
		for j, s := range ss {
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

// waitLeadersPlaced waits until shard i's streams are led by node i (the
// nodes keep them there; internal/cluster/shard.go).
func (tn *testNet) waitLeadersPlaced() {
	tn.t.Helper()
	var ls [][3]string
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		ls = leaders(tn.t, tn.nodes[0])
		ok := true
		for i, l := range ls {
			id := tn.nodes[i].id
			if l != [3]string{id, id, id} {
				ok = false
			}
		}
		if ok {
			// The nodes see the leaders on their next look (every second).
			time.Sleep(2 * time.Second)
			return
		}
	}
	tn.t.Fatalf("shard leaders not on their preferred nodes after 60 s: %v", ls)
}

func owner(t testing.TB, p *proc, obj string) string {
	t.Helper()
	s, err := get(p.http, "/who/"+obj)
	if err != nil {
		t.Fatalf("who %s: %v", obj, err)
	}
	return s
}

// TestProcessKill9 kills a node under write load to the objects it owns
// and to objects of the shard it leads that other nodes own: no
// acknowledged write is lost, every object answers again within 10 s
// (its own after the lease TTL, the shard's others after a Raft election
// of the shard's groups), and an alarm the victim's object had set fires
// on a survivor although nothing touches the object. It logs how long
// each group took; -count=N repeats it for a distribution
// (TestProcessKill9Leaders kills nodes in turn).
func TestProcessKill9(t *testing.T) {
	processTest(t)
	tn := startNet(t, 3, 3000)
	tn.waitLeadersPlaced()
	victim := tn.nodes[0]
	// Objects reaching the victim first: it takes those of the shards it
	// does not lead and hands those of its own shard to the others. The
	// nodes' view of the leaders lags a little: classify again once the
	// victim gave back what it should not hold.
	var owned, bystanders []string
	for round := 0; len(owned) < 12 || len(bystanders) < 6; round++ {
		if round > 5 {
			t.Fatalf("placed %d objects on %s and %d elsewhere", len(owned), victim.id, len(bystanders))
		}
		for i := 0; i < 40; i++ {
			owner(t, victim, fmt.Sprintf("obj%d-%d", round, i))
		}
		time.Sleep(3 * time.Second)
		for i := 0; i < 40; i++ {
			o := fmt.Sprintf("obj%d-%d", round, i)
			if owner(t, victim, o) == victim.id {
				if len(owned) < 12 {
					owned = append(owned, o)
				}
			} else if len(bystanders) < 6 {
				bystanders = append(bystanders, o)
			}
		}
	}
	objs := append(slices.Clone(owned), bystanders...)
	// An object of the victim's with an alarm due after the kill, which
	// nothing touches afterwards: it must fire on a survivor (the
	// replicated alarm index). Its firing is recorded in an object a
	// survivor owns.
	alarmLog := placeOn(t, tn.nodes[1], "alarmlog", 1)[0]
	alarmed := placeOn(t, victim, "alarmed", 1)[0]
	const alarmIn = 5 * time.Second
	if _, err := get(victim.http, fmt.Sprintf("/alarm/%s/%d/%s", alarmed, alarmIn.Milliseconds(), alarmLog)); err != nil {
		t.Fatal(err)
	}
	alarmDue := time.Now().Add(alarmIn)
	up := newLiveSet(tn.nodes)
	live := up.live
	l := &ledger{acked: map[string][]string{}}
	stop := make(chan struct{})
	wg := tn.load(l, objs, live, stop)
	time.Sleep(2 * time.Second)
	up.set(victim, false)
	killed := time.Now()
	victim.kill()
	t.Logf("kill -9 of %s at %s", victim.id, killed.Format("15:04:05.000"))
	// Every object answers a write again from a survivor; each is polled
	// on its own.
	back := make([]time.Duration, len(objs))
	lastErr := make([]string, len(objs))
	var pg sync.WaitGroup
	for i, o := range objs {
		pg.Go(func() {
			for n := 0; ; n++ {
				sent := time.Since(killed)
				who, err := get(tn.nodes[1+n%2].http, "/w/"+o+"/probe")
				if err != nil {
					lastErr[i] = fmt.Sprintf("%.1f-%.1fs: %v", sent.Seconds(), time.Since(killed).Seconds(), err)
				}
				if err == nil {
					if who == victim.id {
						t.Errorf("object %s still answered by the killed node", o)
					}
					l.ack(o, "probe")
					back[i] = time.Since(killed)
					return
				}
				if time.Since(killed) > 60*time.Second {
					t.Errorf("object %s unavailable 60 s after the kill: %v", o, err)
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
	pg.Wait()
	fmtDur := func(ds []time.Duration) string {
		ds = slices.Clone(ds)
		slices.Sort(ds)
		return fmt.Sprintf("min %.1f s, max %.1f s", ds[0].Seconds(), ds[len(ds)-1].Seconds())
	}
	t.Logf("FAILOVER its %d objects answered again after %s", len(owned), fmtDur(back[:len(owned)]))
	t.Logf("STALL %d objects of its shard owned elsewhere answered again after %s (a JetStream election)", len(bystanders), fmtDur(back[len(owned):]))
	for i, o := range objs {
		if back[i] > failoverBound {
			t.Errorf("object %s answered again %.1f s after the kill; want within %v (last failure %s)", o, back[i].Seconds(), failoverBound, lastErr[i])
		}
	}
	for i, o := range objs {
		if back[i] > 5*time.Second {
			t.Logf("slow: %s back after %.1f s; last failure %s", o, back[i].Seconds(), lastErr[i])
		}
	}
	t.Logf("stream leaders now %v", leaders(t, tn.nodes[1]))
	for _, p := range tn.nodes[1:] {
		t.Logf("failover on %s:\n%s", p.id, p.grepLog("took object", "taking object", "leadership", "looking for", "gave up late", "session lost"))
	}
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	n := l.count()
	t.Logf("%d acknowledged writes, %d failed attempts (retried)", n, l.fails)
	tn.verify(l, tn.nodes[2])
	for {
		body, err := get(tn.nodes[1].http, "/r/"+alarmLog)
		if err == nil && strings.Contains(body, "fired-"+alarmed+"-") {
			if strings.Contains(body, "-"+victim.id+"-") {
				t.Errorf("alarm fired on the killed node: %s", body)
			}
			var keys []string
			json.Unmarshal([]byte(body), &keys)
			for _, k := range keys {
				var node string
				var at int64
				if _, err := fmt.Sscanf(strings.TrimPrefix(k, "fired-"+alarmed+"-"), "%2s-%d", &node, &at); err == nil {
					t.Logf("ALARM of %s (owner killed before it was due) fired on %s %v after it was due", alarmed, node, time.UnixMilli(at).Sub(alarmDue).Round(100*time.Millisecond))
				}
			}
			break
		}
		if time.Since(alarmDue) > 60*time.Second {
			t.Fatalf("alarm of %s not fired 60 s after it was due (log %s: %q, %v)", alarmed, alarmLog, body, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestProcessSIGSTOP pauses an owner past its lease: another node takes
// its objects; after SIGCONT the old owner is fenced: it acknowledges no
// write under the epoch it held, and every acknowledged write survives.
// The resumed node may own the object again, legitimately: the new owner
// gives it back when it comes to lead the object's shard (or evicts it),
// and the next event the resumed node receives takes it, under a higher
// epoch, rebuilt from the log. Any write it acknowledges as owner must be
// such a one.
func TestProcessSIGSTOP(t *testing.T) {
	processTest(t)
	tn := startNet(t, 3, 3000)
	tn.waitLeadersPlaced()
	old := tn.nodes[0]
	obj := placeOn(t, old, "paused", 1)[0]
	id, err := get(old.http, "/id/"+obj)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			for _, p := range tn.nodes {
				t.Logf("log of %s about %s (%s) and sessions:\n%s", p.id, obj, id, p.grepLog(id, "session", "took object", "giving object back"))
			}
		}
	}()
	l := &ledger{acked: map[string][]string{}}
	if _, err := get(old.http, "/w/"+obj+"/before"); err != nil {
		t.Fatal(err)
	}
	l.ack(obj, "before")
	before := epochs(old, id)
	if len(before) == 0 {
		t.Fatalf("no epoch of %s in %s's log", id, old.id)
	}
	stale := slices.Max(before)
	// answer is a /wk/ answer: the node that ran the write and the keys the
	// object held then.
	type answer struct {
		Node string   `json:"node"`
		Keys []string `json:"keys"`
	}
	// checkOwner checks a write the resumed node acknowledged: if it ran it
	// as owner, that ownership must be newer than the pause.
	checkOwner := func(what string, a answer) {
		t.Helper()
		if a.Node != old.id {
			t.Logf("%s: acknowledged through %s (forwarded)", what, a.Node)
			return
		}
		newer := epochs(old, id)[len(before):]
		t.Logf("%s: acknowledged by %s as owner; its epochs: %v before the pause, %v since", what, old.id, before, newer)
		for _, p := range tn.nodes {
			t.Logf("%s about the object:\n%s", p.id, p.grepLog(id))
		}
		if len(newer) == 0 || slices.Max(newer) <= stale {
			t.Errorf("%s: resumed node acknowledged a write as owner under its stale epoch %d (no newer epoch taken: %v)", what, stale, newer)
		}
		// The stale instance never saw the new owner's write; an owner
		// rebuilt from the log has it.
		if !slices.Contains(a.Keys, "after") {
			t.Errorf("%s: resumed node acknowledged a write as owner without the new owner's write: it holds %v", what, a.Keys)
		}
	}
	old.signal(syscall.SIGSTOP)
	// A request to the paused node hangs until SIGCONT; its outcome is
	// whatever the fenced owner can do then.
	type result struct {
		body string
		err  error
	}
	pausedWrite := make(chan result, 1)
	go func() {
		// No client timeout: the outcome, not a guess, is checked below.
		resp, err := (&http.Client{}).Get("http://" + old.http + "/wk/" + obj + "/during-pause")
		if err != nil {
			pausedWrite <- result{"", err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			err = fmt.Errorf("status %d: %s", resp.StatusCode, b)
		}
		pausedWrite <- result{string(b), err}
	}()
	// The survivors take the object over once the lease expired.
	var who string
	for start := time.Now(); ; {
		var err error
		if who, err = get(tn.nodes[1].http, "/w/"+obj+"/after"); err == nil {
			l.ack(obj, "after")
			break
		}
		if time.Since(start) > 60*time.Second {
			t.Fatalf("no takeover: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if who == old.id {
		t.Fatalf("write acknowledged by the paused node")
	}
	for _, p := range tn.nodes {
		if p.id == who {
			t.Logf("new owner %s, epochs %v (%s held %d)", who, epochs(p, id), old.id, stale)
		}
	}
	old.signal(syscall.SIGCONT)
	r := <-pausedWrite
	t.Logf("write sent to the paused node: %q, %v", r.body, r.err)
	if r.err == nil {
		var a answer
		if err := json.Unmarshal([]byte(r.body), &a); err != nil {
			t.Fatalf("write sent to the paused node: answer %q: %v", r.body, err)
		}
		checkOwner("write sent during the pause", a)
		l.ack(obj, "during-pause")
	}
	for start := time.Now(); ; {
		b, err := get(old.http, "/wk/"+obj+"/resumed")
		if err == nil {
			var a answer
			if err := json.Unmarshal([]byte(b), &a); err != nil {
				t.Fatalf("write sent after SIGCONT: answer %q: %v", b, err)
			}
			checkOwner("write sent after SIGCONT", a)
			l.ack(obj, "resumed")
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("resumed node cannot reach the new owner: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	tn.verify(l, tn.nodes[2])
	body, _ := get(tn.nodes[2].http, "/r/"+obj)
	if r.err != nil && strings.Contains(body, "during-pause") {
		t.Errorf("a write that failed on the fenced node is in the object: %s", body)
	}
}

// TestProcessRollingRestart restarts every node in turn under load; clients
// retry failed writes; nothing acknowledged is lost.
func TestProcessRollingRestart(t *testing.T) {
	processTest(t)
	tn := startNet(t, 3, 3000)
	var objs []string
	for i := range 8 {
		objs = append(objs, fmt.Sprintf("roll%d", i))
	}
	up := newLiveSet(tn.nodes)
	l := &ledger{acked: map[string][]string{}}
	stop := make(chan struct{})
	wg := tn.load(l, objs, up.live, stop)
	bin := isolaBinary(t)
	for _, p := range tn.nodes {
		time.Sleep(time.Second)
		up.set(p, false)
		p.signal(syscall.SIGTERM)
		<-p.exited
		p.start(bin)
		p.waitReady(90 * time.Second)
		up.set(p, true)
	}
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	n := l.count()
	t.Logf("%d acknowledged writes, %d failed attempts (retried) during the rolling restart", n, l.fails)
	tn.verify(l, tn.nodes[0])
}

// TestProcessBadConfig checks start-up errors.
func TestProcessBadConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs isola")
	}
	bin := isolaBinary(t)
	main, _ := filepath.Abs("testdata/app/src/index.js")
	dead := cluster.FreeAddrs(t, 1)[0]
	tests := []struct {
		name    string
		cluster string
		want    string
	}{
		{"missing node id", `{"embedded": {"listen": "127.0.0.1:1"}}`, `"cluster" is missing required key "node_id"`},
		{"unreachable monitor", `{"node_id": "a", "servers": ["nats://` + dead + `"], "monitor": ["http://` + dead + `"]}`, "cluster: monitor"},
		{"servers without monitor", `{"node_id": "a", "servers": ["nats://` + dead + `"]}`, `needs "monitor"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := fmt.Sprintf(`{"name": "app", "main": %q, "compatibility_date": "2025-09-01", "cluster": %s}`, main, tt.cluster)
			path := filepath.Join(dir, "wrangler.json")
			os.WriteFile(path, []byte(cfg), 0o644)
			out, err := exec.Command(bin, "serve", "--config", path, "--port", "0", "--persist-to", filepath.Join(dir, "s")).CombinedOutput()
			if err == nil {
				t.Fatalf("isola serve started; want an error")
			}
			if !strings.Contains(string(out), tt.want) {
				t.Errorf("isola serve output:\n%s\nwant it to contain %q", out, tt.want)
			}
		})
	}
}

// placeOn returns n object names (prefix + i) that p owns after receiving
// their first event.
func placeOn(t testing.TB, p *proc, prefix string, n int) []string {
	t.Helper()
	var out []string
	for i := 0; len(out) < n; i++ {
		if i > 100*n {
			t.Fatalf("placed only %d objects on %s", len(out), p.id)
		}
		o := fmt.Sprintf("%s%d", prefix, i)
		if owner(t, p, o) == p.id {
			out = append(out, o)
		}
	}
	return out
}
