// Command bench runs the same Workers on isola and on workerd (the reference
// runtime, from npm) under the same load and writes the figures side by
// side, with the machine and the date, to results/<date>-<group>.md.
//
//	go run ./bench -compare                      # every scenario, both runtimes
//	go run ./bench -runtime isola -scenarios hello -duration 3s
//
// The load generator is wrk (Debian package wrk): one thread, each
// connection count in -connections, against 127.0.0.1 only, after a
// warm-up. Scenarios are listed in scenarios.go.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/isola-run/isola/conformance/harness"
)

type options struct {
	runtimes    []string
	scenarios   *regexp.Regexp
	duration    time.Duration
	warmup      time.Duration
	connections []int
	threads     int
	isolaMode   string
	isolaBin    string
	out         string
	write       bool
}

func main() {
	var (
		compare     = flag.Bool("compare", false, "run every scenario on isola and on workerd and write the ratios (same as -runtime isola,workerd)")
		runtime     = flag.String("runtime", "isola,workerd", "comma-separated runtimes to run: isola, workerd")
		scenarioRe  = flag.String("scenarios", "", "run only the scenarios whose name matches this regexp")
		duration    = flag.Duration("duration", 10*time.Second, "measured load per run")
		warmup      = flag.Duration("warmup", 3*time.Second, "unmeasured load before each run")
		connections = flag.String("connections", "1,32", "comma-separated connection counts")
		threads     = flag.Int("threads", 1, "wrk threads")
		isolaMode   = flag.String("isola-mode", "serve", "how isola runs: serve (production, as workerd does) or dev")
		isolaBin    = flag.String("isola", "", "isola binary to use (default: build ./cmd/isola)")
		out         = flag.String("out", "", "results folder (default bench/results)")
		noWrite     = flag.Bool("n", false, "print the results only; write no file")
	)
	flag.Parse()
	o := options{duration: *duration, warmup: *warmup, threads: *threads, isolaMode: *isolaMode, isolaBin: *isolaBin, out: *out, write: !*noWrite}
	if *compare {
		*runtime = "isola,workerd"
	}
	for _, r := range strings.Split(*runtime, ",") {
		if r = strings.TrimSpace(r); r != "" {
			o.runtimes = append(o.runtimes, r)
		}
	}
	for _, c := range strings.Split(*connections, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			fatalf("bench: -connections: bad count %q", c)
		}
		o.connections = append(o.connections, n)
	}
	var err error
	if o.scenarios, err = regexp.Compile(*scenarioRe); err != nil {
		fatalf("bench: -scenarios: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// measurement is one wrk run of one scenario on one runtime.
type measurement struct {
	Scenario    scenario
	Runtime     string
	Connections int
	wrkResult
	RSSKiB int64 // the server's resident memory after the run, 0 if unknown
	// Memory scenarios (Touch > 0): objects touched, RSS before them, and
	// how long touching took.
	Touched      int
	RSSBeforeKiB int64
	TouchTook    time.Duration
	Failure      string // why touching stopped early, or the server died during a load; "" otherwise
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func run(ctx context.Context, o options, stdout io.Writer) error {
	root, err := harness.RepoRoot()
	if err != nil {
		return err
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		return fmt.Errorf("bench: wrk not found (apt-get install -y wrk): %w", err)
	}
	tmp, err := os.MkdirTemp("", "isola-bench-")
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(tmp)

	mi := machine() // before any load of ours
	bins := map[string]string{}
	wrkVersion, _, _ := strings.Cut(harness.Version(ctx, wrk, "-v"), " [")
	versions := map[string]string{"wrk": wrkVersion}
	for _, rt := range o.runtimes {
		switch rt {
		case "isola":
			bin := o.isolaBin
			if bin == "" {
				bin = filepath.Join(tmp, "isola")
				fmt.Fprintln(stdout, "building isola…")
				if err := harness.BuildIsola(ctx, root, bin); err != nil {
					return err
				}
			}
			bins[rt] = bin
			versions[rt] = harness.Version(ctx, bin, "version") + " (" + harness.GitRevision(ctx, root) + ")"
		case "workerd":
			bin, err := harness.FindWorkerd(root)
			if err != nil {
				return err
			}
			bins[rt] = bin
			versions[rt] = harness.Version(ctx, bin, "--version")
		default:
			return fmt.Errorf("bench: unknown runtime %q (want isola or workerd)", rt)
		}
	}

	var results []measurement
	for _, sc := range scenarios {
		if !o.scenarios.MatchString(sc.Name) {
			continue
		}
		for _, rt := range o.runtimes {
			if len(sc.Runtimes) > 0 && !containsStr(sc.Runtimes, rt) {
				continue
			}
			ms, err := runScenario(ctx, o, sc, rt, bins[rt], wrk, filepath.Join(tmp, sc.Name+"-"+rt), root)
			if err != nil {
				return err
			}
			results = append(results, ms...)
		}
	}
	if len(results) == 0 {
		return errors.New("bench: no scenario matches -scenarios")
	}

	now := time.Now().UTC()
	groups := map[string][]measurement{}
	var order []string
	for _, m := range results {
		if _, ok := groups[m.Scenario.Group]; !ok {
			order = append(order, m.Scenario.Group)
		}
		groups[m.Scenario.Group] = append(groups[m.Scenario.Group], m)
	}
	for _, g := range order {
		report := render(g, groups[g], o, versions, mi, now)
		fmt.Fprintln(stdout, report)
		if !o.write {
			continue
		}
		dir := o.out
		if dir == "" {
			dir = filepath.Join(root, "bench", "results")
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		path := filepath.Join(dir, now.Format("2006-01-02")+"-"+g+".md")
		if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		fmt.Fprintln(stdout, "wrote", path)
	}
	return nil
}

// runScenario starts one runtime on the scenario's worker, checks its answer,
// and measures it at each connection count.
func runScenario(ctx context.Context, o options, sc scenario, rt, bin, wrk, dir, root string) ([]measurement, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	w, err := harness.Worker{
		Name:           sc.Name,
		Dir:            filepath.Join(root, "bench", "workers"),
		Main:           sc.Main,
		Modules:        sc.Modules,
		DurableObjects: sc.DurableObjects,
		WorkerLoaders:  sc.WorkerLoaders,
	}.Prepare(dir)
	if err != nil {
		return nil, err
	}
	var srv *harness.Server
	switch rt {
	case "workerd":
		srv, err = harness.StartWorkerd(ctx, bin, w)
	default:
		var args []string
		if o.isolaMode == "serve" {
			args = []string{"serve", "--config", filepath.Join(dir, "wrangler.json"), "--port", "0", "--ip", "127.0.0.1"}
		}
		srv, err = harness.StartIsola(ctx, bin, w, args...)
	}
	if err != nil {
		return nil, fmt.Errorf("bench: %s on %s: %w", sc.Name, rt, err)
	}
	defer srv.Close()
	if err := check(ctx, srv.URL, sc); err != nil {
		return nil, fmt.Errorf("bench: %s on %s: %w\n%s", sc.Name, rt, err, srv.Output())
	}
	if sc.Touch > 0 {
		fmt.Fprintf(os.Stderr, "%s on %s, touching %d objects…\n", sc.Name, rt, sc.Touch)
		m, err := measureTouch(ctx, srv, sc)
		if err != nil { // reported in the table: how far the runtime got is a result too
			fmt.Fprintf(os.Stderr, "bench: %s on %s: %v\n%s\n", sc.Name, rt, err, lastLines(srv.Output(), 5))
			m.Failure = err.Error()
		}
		m.Runtime = rt
		return []measurement{m}, nil
	}
	if sc.Paced > 0 {
		fmt.Fprintf(os.Stderr, "%s on %s, %d requests at %d/s…\n", sc.Name, rt, sc.PacedCount, sc.Paced)
		res, err := measurePaced(ctx, srv.URL, sc)
		if err != nil {
			return nil, fmt.Errorf("bench: %s on %s: %w", sc.Name, rt, err)
		}
		return []measurement{{Scenario: sc, Runtime: rt, Connections: 1, wrkResult: res, RSSKiB: rssKiB(srv.PID())}}, nil
	}
	script := filepath.Join(dir, "request.lua")
	if err := os.WriteFile(script, []byte(luaScript(sc)), 0o644); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	var out []measurement
	for _, c := range o.connections {
		threads := min(o.threads, c)
		if o.warmup > 0 {
			if _, err := runWrk(ctx, wrk, srv.URL+sc.Path, script, threads, c, o.warmup); err != nil {
				return nil, fmt.Errorf("bench: %s on %s, warm-up: %w", sc.Name, rt, err)
			}
		}
		fmt.Fprintf(os.Stderr, "%s on %s, %d connections…\n", sc.Name, rt, c)
		res, err := runWrk(ctx, wrk, srv.URL+sc.Path, script, threads, c, o.duration)
		if err != nil {
			return nil, fmt.Errorf("bench: %s on %s: %w", sc.Name, rt, err)
		}
		out = append(out, measurement{Scenario: sc, Runtime: rt, Connections: c, wrkResult: res, RSSKiB: rssKiB(srv.PID())})
		if srv.Exited() {
			break
		}
	}
	if srv.Exited() {
		// A result too: reported with what it measured, not dropped.
		fmt.Fprintf(os.Stderr, "bench: %s on %s: the server died during the run:\n%s\n", sc.Name, rt, lastLines(srv.Output(), 5))
		if len(out) == 0 {
			return nil, fmt.Errorf("bench: %s on %s: the server died before a run ended", sc.Name, rt)
		}
		first, _, _ := strings.Cut(strings.TrimSpace(lastLines(srv.Output(), 3)), "\n")
		out[len(out)-1].Failure = "the server died during this run: " + first
	}
	return out, nil
}

// check sends the scenario's request once and compares the body with Want.
func check(ctx context.Context, base string, sc scenario) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, sc.Method, base+sc.Path, strings.NewReader(sc.Body))
	if err != nil {
		return err
	}
	for k, v := range sc.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || string(body) != sc.Want {
		return fmt.Errorf("check request: got %d %q; want 200 %q", resp.StatusCode, body, sc.Want)
	}
	return nil
}

// luaScript is the wrk script that sends the scenario's request.
func luaScript(sc scenario) string {
	var b strings.Builder
	fmt.Fprintf(&b, "wrk.method = %s\n", luaString(sc.Method))
	if sc.Body != "" {
		fmt.Fprintf(&b, "wrk.body = %s\n", luaString(sc.Body))
	}
	for k, v := range sc.Headers {
		fmt.Fprintf(&b, "wrk.headers[%s] = %s\n", luaString(k), luaString(v))
	}
	if sc.LuaRequest != "" {
		b.WriteString(sc.LuaRequest + "\n")
	}
	return b.String()
}

// measurePaced sends sc.PacedCount requests at sc.Paced per second on one
// connection and reports their latency percentiles. A request that fails
// or answers other than sc.Want counts as an error.
func measurePaced(ctx context.Context, base string, sc scenario) (wrkResult, error) {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	interval := time.Second / time.Duration(sc.Paced)
	lat := make([]time.Duration, 0, sc.PacedCount)
	var res wrkResult
	start := time.Now()
	for i := range sc.PacedCount {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		t0 := time.Now()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+fmt.Sprintf(sc.PacedPath, i), nil)
		if err != nil {
			return res, err
		}
		resp, err := client.Do(req)
		if err != nil {
			res.SockErrors++
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(t0)
		if err != nil || resp.StatusCode != http.StatusOK || string(body) != sc.Want {
			res.Non2xx++
			continue
		}
		lat = append(lat, took)
	}
	elapsed := time.Since(start)
	res.Requests = int64(len(lat))
	res.RPS = float64(len(lat)) / elapsed.Seconds()
	if len(lat) == 0 {
		return res, errors.New("no request succeeded")
	}
	slices.Sort(lat)
	res.P50 = lat[len(lat)*50/100]
	res.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
	return res, nil
}

// touchConcurrency is how many requests a memory scenario has in flight.
const touchConcurrency = 32

// measureTouch reads the server's RSS, sends one request to each of
// sc.Touch objects, waits a moment for the server to settle and reads the
// RSS again.
func measureTouch(ctx context.Context, srv *harness.Server, sc scenario) (measurement, error) {
	m := measurement{Scenario: sc}
	time.Sleep(time.Second)
	m.RSSBeforeKiB = rssKiB(srv.PID())
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: touchConcurrency}}
	defer client.CloseIdleConnections()
	next := make(chan int)
	errs := make(chan error, touchConcurrency)
	var touched atomic.Int64
	start := time.Now()
	for range touchConcurrency {
		go func() {
			for i := range next {
				err := touchOne(ctx, client, srv.URL+fmt.Sprintf(sc.TouchPath, i))
				if err == nil {
					touched.Add(1)
				}
				if err != nil {
					errs <- err
					for range next { // drain so the sender finishes
					}
					return
				}
			}
			errs <- nil
		}()
	}
	for i := range sc.Touch {
		next <- i
	}
	close(next)
	var firstErr error
	for range touchConcurrency {
		if err := <-errs; err != nil && firstErr == nil {
			firstErr = err
		}
	}
	m.TouchTook = time.Since(start)
	m.Touched = int(touched.Load())
	time.Sleep(2 * time.Second)
	m.RSSKiB = rssKiB(srv.PID())
	return m, firstErr
}

func touchOne(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %q", url, resp.StatusCode, body)
	}
	return nil
}

// luaString quotes s as a Lua string literal with decimal byte escapes.
func luaString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' || c < 0x20 || c >= 0x7f {
			fmt.Fprintf(&b, "\\%03d", c)
			continue
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}

func runWrk(ctx context.Context, wrk, url, script string, threads, conns int, d time.Duration) (wrkResult, error) {
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	secs := max(1, int(d.Round(time.Second)/time.Second))
	cmd := exec.CommandContext(ctx, wrk, "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns), "-d", strconv.Itoa(secs)+"s", "--latency", "-s", script, url)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %w\n%s", err, out.String())
	}
	return parseWrk(out.String())
}

// rssKiB reads VmRSS of a process from /proc; 0 if it cannot.
func rssKiB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
