// Command agentbench measures agents built on the real `agents` npm package
// on isola and on workerd, side by side on this machine:
//
//   - rpc: one client, sequential `rpc` calls of a @callable (p50, p99);
//   - broadcast: a state change made by one client's RPC, time until all
//     of N connected clients received the new `cf_agent_state` (p50, p99);
//   - idle: server RSS per idle agent after K agents were each touched
//     by one HTTP request.
//
// room.js is bundled once with esbuild (ES module, the agents package from
// the repository's node_modules, node: and cloudflare: imports left to the
// runtime) and the same bundle runs on both runtimes with nodejs_compat.
//
// Run from the repo root (`npm ci` first):
//
//	go run ./bench/agentbench                      # both runtimes, report to stdout
//	go run ./bench/agentbench -out bench/results/$(date +%F)-agents.md
//	go run ./bench/agentbench -runtime isola -clients 100 -idle 1000
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/evanw/esbuild/pkg/api"

	"github.com/isola-run/isola/conformance/harness"
)

type result struct {
	Runtime, Version   string
	RPCP50, RPCP99     time.Duration
	BcastP50, BcastP99 time.Duration
	RSSBase, RSSIdle   int64
	Idle               int
}

func main() {
	var (
		runtimes = flag.String("runtime", "isola,workerd", "runtimes to measure, comma-separated")
		rpcN     = flag.Int("rpc", 2000, "RPC round trips")
		clients  = flag.Int("clients", 100, "clients of the broadcast agent")
		rounds   = flag.Int("rounds", 30, "broadcast rounds")
		idleN    = flag.Int("idle", 1000, "idle agents to touch")
		out      = flag.String("out", "", "write the report here (markdown); default stdout")
		isolaBin = flag.String("isola-bin", "", "isola binary (default: build ./cmd/isola)")
	)
	flag.Parse()
	root, err := harness.RepoRoot()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "agentbench-")
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
	src := filepath.Join(tmp, "src")
	if err := bundleRoom(root, src); err != nil {
		log.Fatal(err)
	}
	var rows []result
	for _, name := range strings.Split(*runtimes, ",") {
		r, err := measure(ctx, root, tmp, src, strings.TrimSpace(name), *isolaBin, *rpcN, *clients, *rounds, *idleN)
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
	report(w, rows, *rpcN, *clients, *rounds)
}

// bundleRoom bundles room.js with the agents package into dir/worker.js.
func bundleRoom(root, dir string) error {
	res := api.Build(api.BuildOptions{
		EntryPoints:   []string{filepath.Join(root, "bench", "agentbench", "room.js")},
		AbsWorkingDir: root,
		Bundle:        true,
		Format:        api.FormatESModule,
		Platform:      api.PlatformNeutral,
		Target:        api.ES2022,
		Conditions:    []string{"workerd", "worker", "browser"},
		MainFields:    []string{"browser", "module", "main"},
		External:      []string{"cloudflare:*", "node:*", "path", "os", "crypto", "buffer"},
		Define:        map[string]string{"process.env.NODE_ENV": `"production"`},
		Outfile:       filepath.Join(dir, "worker.js"),
		Write:         true,
		LogLevel:      api.LogLevelSilent,
		// workerd serves cloudflare:email only with a send_email binding;
		// the agent sends no mail, so both runtimes get the same stub.
		Plugins: []api.Plugin{{Name: "email-stub", Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `^cloudflare:email$`}, func(api.OnResolveArgs) (api.OnResolveResult, error) {
				return api.OnResolveResult{Path: "email", Namespace: "stub"}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: "stub"}, func(api.OnLoadArgs) (api.OnLoadResult, error) {
				s := "export class EmailMessage { constructor(from, to, raw) { Object.assign(this, { from, to, raw }); } }"
				return api.OnLoadResult{Contents: &s, Loader: api.LoaderJS}, nil
			})
		}}},
	})
	if len(res.Errors) > 0 {
		return fmt.Errorf("agentbench: bundle room.js: %s (run npm ci at the repository root)", res.Errors[0].Text)
	}
	return nil
}

func measure(ctx context.Context, root, tmp, src, name, isolaBin string, rpcN, clients, rounds, idleN int) (result, error) {
	dir := filepath.Join(tmp, "run-"+name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return result{}, err
	}
	w, err := harness.Worker{
		Name:               "agentbench",
		Dir:                src,
		Main:               "worker.js",
		CompatibilityDate:  "2026-06-01",
		CompatibilityFlags: []string{"nodejs_compat"},
		DurableObjects:     []harness.DurableObject{{Binding: "Room", ClassName: "Room"}},
	}.Prepare(dir)
	if err != nil {
		return result{}, err
	}
	var srv *harness.Server
	res := result{Runtime: name, Idle: idleN}
	switch name {
	case "workerd":
		bin, err := harness.FindWorkerd(root)
		if err != nil {
			return res, err
		}
		res.Version = harness.Version(ctx, bin, "--version")
		if srv, err = harness.StartWorkerd(ctx, bin, w); err != nil {
			return res, err
		}
	case "isola":
		res.Version = harness.Version(ctx, isolaBin, "version")
		srv, err = harness.StartIsola(ctx, isolaBin, w, "serve", "--config", filepath.Join(dir, "wrangler.json"), "--port", "0", "--ip", "127.0.0.1", "--persist-to", filepath.Join(dir, "state"))
		if err != nil {
			return res, err
		}
	default:
		return res, fmt.Errorf("unknown runtime %q", name)
	}
	defer srv.Close()
	base := srv.URL
	wsBase := "ws" + strings.TrimPrefix(base, "http")

	// RPC round trips.
	c, err := dial(ctx, wsBase+"/agents/room/rpc")
	if err != nil {
		return res, fmt.Errorf("rpc: %w", err)
	}
	lat := make([]time.Duration, 0, rpcN)
	for i := 0; i < rpcN+rpcN/10; i++ {
		t0 := time.Now()
		if err := c.rpc(ctx, "ping", i); err != nil {
			return res, fmt.Errorf("rpc: %w", err)
		}
		if i >= rpcN/10 {
			lat = append(lat, time.Since(t0))
		}
	}
	c.close()
	res.RPCP50, res.RPCP99 = pct(lat, 50), pct(lat, 99)
	log.Printf("%s rpc p50 %v p99 %v", name, res.RPCP50, res.RPCP99)

	// State broadcast to many clients.
	conns := make([]*client, clients)
	for i := range conns {
		if conns[i], err = dial(ctx, wsBase+"/agents/room/broadcast"); err != nil {
			return res, fmt.Errorf("broadcast: client %d: %w", i, err)
		}
	}
	var bl []time.Duration
	for r := 1; r <= rounds+2; r++ {
		t0 := time.Now()
		if err := conns[0].send(map[string]any{"type": "rpc", "id": "set" + strconv.Itoa(r), "method": "set", "args": []any{r}}); err != nil {
			return res, err
		}
		for i, cl := range conns {
			if err := cl.waitState(ctx, r); err != nil {
				return res, fmt.Errorf("broadcast round %d client %d: %w", r, i, err)
			}
		}
		if r > 2 {
			bl = append(bl, time.Since(t0))
		}
	}
	for _, cl := range conns {
		cl.close()
	}
	res.BcastP50, res.BcastP99 = pct(bl, 50), pct(bl, 99)
	log.Printf("%s broadcast to %d: p50 %v p99 %v", name, clients, res.BcastP50, res.BcastP99)

	// Idle agents.
	time.Sleep(time.Second)
	res.RSSBase = rss(srv.PID())
	hc := &http.Client{Timeout: 30 * time.Second}
	for i := 0; i < idleN; i++ {
		resp, err := hc.Get(fmt.Sprintf("%s/agents/room/idle-%d", base, i))
		if err != nil {
			return res, fmt.Errorf("idle agent %d: %w", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return res, fmt.Errorf("idle agent %d: status %d", i, resp.StatusCode)
		}
	}
	time.Sleep(time.Second)
	res.RSSIdle = rss(srv.PID())
	log.Printf("%s %d idle agents: RSS %d MiB -> %d MiB", name, idleN, res.RSSBase>>20, res.RSSIdle>>20)
	return res, nil
}

// client is one agent WebSocket connection; a goroutine reads its frames.
type client struct {
	c *websocket.Conn

	mu     sync.Mutex // guards following
	state  int        // last cf_agent_state n
	rpcs   map[string]bool
	notify chan struct{}
	err    error
}

func dial(ctx context.Context, url string) (*client, error) {
	dctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(dctx, url, nil)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(16 << 20)
	cl := &client{c: c, state: -1, rpcs: map[string]bool{}, notify: make(chan struct{}, 1)}
	go cl.read()
	// The agent sends its state on connect.
	if err := cl.waitState(ctx, -2); err != nil {
		c.CloseNow()
		return nil, err
	}
	return cl, nil
}

func (cl *client) read() {
	for {
		_, b, err := cl.c.Read(context.Background())
		cl.mu.Lock()
		if err != nil {
			cl.err = err
			cl.mu.Unlock()
			cl.wake()
			return
		}
		var m struct {
			Type  string          `json:"type"`
			ID    string          `json:"id"`
			Done  *bool           `json:"done"`
			State struct{ N int } `json:"state"`
		}
		if json.Unmarshal(b, &m) == nil {
			switch m.Type {
			case "cf_agent_state":
				cl.state = m.State.N
			case "rpc":
				if m.Done == nil || *m.Done {
					cl.rpcs[m.ID] = true
				}
			}
		}
		cl.mu.Unlock()
		cl.wake()
	}
}

func (cl *client) wake() {
	select {
	case cl.notify <- struct{}{}:
	default:
	}
}

// until waits until ok (called with mu held) is true.
func (cl *client) until(ctx context.Context, ok func() bool) error {
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		cl.mu.Lock()
		done, err := ok(), cl.err
		cl.mu.Unlock()
		if done {
			return nil
		}
		if err != nil {
			return err
		}
		select {
		case <-cl.notify:
		case <-tctx.Done():
			return tctx.Err()
		}
	}
}

// waitState waits for state n (-2: any state).
func (cl *client) waitState(ctx context.Context, n int) error {
	return cl.until(ctx, func() bool { return (n == -2 && cl.state != -1) || cl.state == n })
}

func (cl *client) send(v any) error {
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return cl.c.Write(ctx, websocket.MessageText, b)
}

func (cl *client) rpc(ctx context.Context, method string, arg int) error {
	id := method + strconv.Itoa(arg)
	if err := cl.send(map[string]any{"type": "rpc", "id": id, "method": method, "args": []any{arg}}); err != nil {
		return err
	}
	err := cl.until(ctx, func() bool { return cl.rpcs[id] })
	cl.mu.Lock()
	delete(cl.rpcs, id)
	cl.mu.Unlock()
	return err
}

func (cl *client) close() { cl.c.Close(websocket.StatusNormalClosure, "") }

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
			if f := strings.Fields(l); len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

func report(w io.Writer, rows []result, rpcN, clients, rounds int) {
	host, _ := os.Hostname()
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(w, "# Agents: the real `agents` package\n\n")
	fmt.Fprintf(w, "%s, %s, %d CPUs, host %s, load average %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.GOARCH, runtime.NumCPU(), host, strings.TrimSpace(string(load)))
	fmt.Fprintf(w, "`go run ./bench/agentbench` (bench/agentbench/room.js bundled once with the agents package; client: github.com/coder/websocket in one process on 127.0.0.1).\n\n")
	fmt.Fprintf(w, "| runtime | version | RPC p50 | RPC p99 | state broadcast to %d p50 | p99 | RSS before | RSS after idle agents | per idle agent |\n", clients)
	fmt.Fprintf(w, "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rows {
		per := float64(r.RSSIdle-r.RSSBase) / float64(max(1, r.Idle)) / 1024
		fmt.Fprintf(w, "| %s | %s | %v | %v | %v | %v | %d MiB | %d MiB (%d agents) | %.0f KiB |\n", r.Runtime, r.Version, r.RPCP50, r.RPCP99, r.BcastP50, r.BcastP99, r.RSSBase>>20, r.RSSIdle>>20, r.Idle, per)
	}
	if len(rows) == 2 && rows[1].RPCP50 > 0 && rows[1].BcastP50 > 0 {
		a, b := rows[0], rows[1]
		fmt.Fprintf(w, "\nRatios %s/%s: RPC p50 %.2f, p99 %.2f; broadcast p50 %.2f, p99 %.2f; memory per idle agent %.2f.\n",
			a.Runtime, b.Runtime, float64(a.RPCP50)/float64(b.RPCP50), float64(a.RPCP99)/float64(b.RPCP99),
			float64(a.BcastP50)/float64(b.BcastP50), float64(a.BcastP99)/float64(b.BcastP99),
			float64(a.RSSIdle-a.RSSBase)/float64(max(1, b.RSSIdle-b.RSSBase)))
	}
	fmt.Fprintf(w, "\n%d RPC round trips (after %d warm-up), %d broadcast rounds.\n", rpcN, rpcN/10, rounds)
}
