package server

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/isola-run/isola/internal/config"
)

const counterProject = `{
  "name": "app", "main": "index.ts", "compatibility_date": "2025-09-01",
  "durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }, { "name": "BAD", "class_name": "Bad" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Counter", "Bad"] }]
}`

const counterSource = `
import { DurableObject } from "cloudflare:workers";
let constructed = 0;
export class Counter extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    constructed++;
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT)");
  }
  async fetch(req: Request) {
    const u = new URL(req.url);
    const sql = this.ctx.storage.sql;
    switch (u.pathname) {
      case "/write": {
        const k = Number(u.searchParams.get("k"));
        sql.exec("INSERT INTO t (k, v) VALUES (?, ?)", k, "v" + k);
        return new Response(String(k));
      }
      case "/count": return new Response(String(sql.exec("SELECT count(*) AS n FROM t").one().n));
      case "/keys": return Response.json(sql.exec("SELECT k FROM t ORDER BY k").toArray().map((r: any) => r.k));
      case "/badsql": try { sql.exec("SELEC nonsense"); } catch (e: any) { return new Response(e.message, { status: 400 }); }
      case "/txthrow":
        try { this.ctx.storage.transactionSync(() => { sql.exec("INSERT INTO t (k, v) VALUES (999, 'x')"); throw new Error("abort txn"); }); }
        catch (e: any) { return new Response(String(sql.exec("SELECT count(*) AS n FROM t WHERE k = 999").one().n)); }
      case "/bigvalue": try { await this.ctx.storage.put("big", "x".repeat(200 * 1024)); return new Response("stored?"); } catch (e: any) { return new Response(e.name + ": " + e.message, { status: 400 }); }
      case "/bigkey": try { await this.ctx.storage.put("k".repeat(3000), 1); return new Response("stored?"); } catch (e: any) { return new Response(e.name + ": " + e.message, { status: 400 }); }
      case "/alarm": await this.ctx.storage.setAlarm(Number(u.searchParams.get("at"))); return new Response("set");
      case "/alarms": return Response.json({ fired: (await this.ctx.storage.get("fired")) ?? 0, tries: (await this.ctx.storage.get("tries")) ?? 0, pending: await this.ctx.storage.getAlarm(), name: (await this.ctx.storage.get("alarmName")) ?? null });
      case "/failalarm": await this.ctx.storage.put("fail", Number(u.searchParams.get("n"))); await this.ctx.storage.setAlarm(Date.now() + 10); return new Response("set");
      case "/constructed": return new Response(String(constructed));
      case "/loop": for (;;) {}
    }
    return new Response("?", { status: 404 });
  }
  async alarm(info: { retryCount: number }) {
    const tries = ((await this.ctx.storage.get<number>("tries")) ?? 0) + 1;
    await this.ctx.storage.put("tries", tries);
    const fail = (await this.ctx.storage.get<number>("fail")) ?? 0;
    if (info.retryCount < fail) throw new Error("alarm fails on purpose, retry " + info.retryCount);
    await this.ctx.storage.put("fired", ((await this.ctx.storage.get<number>("fired")) ?? 0) + 1);
    await this.ctx.storage.put("alarmName", this.ctx.id.name ?? null);
  }
}
export class Bad extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) { super(ctx, env); throw new Error("constructor blew up"); }
}
export default {
  async fetch(req: Request, env: any) {
    const u = new URL(req.url);
    if (u.pathname === "/bad") { try { await env.BAD.getByName("b").fetch(req); } catch (e: any) { return new Response(e.message, { status: 500 }); } }
    return env.COUNTER.getByName(u.searchParams.get("o") ?? "o").fetch(req);
  },
};`

func TestDurableObjectBadInput(t *testing.T) {
	dir := writeProject(t, map[string]string{"wrangler.jsonc": counterProject, "index.ts": counterSource})
	ts := startServer(t, dir, func(o *Options) { o.Flags.CPUMs = intp(5000) })
	tests := []struct {
		name, path string
		code       int
		body       string
	}{
		{"malformed sql", "/badsql", 400, `near "SELEC": syntax error`},
		{"throwing transaction rolls back", "/txthrow", 200, "0"},
		{"value over the limit", "/bigvalue", 400, "RangeError: Values cannot be larger than 131072 bytes"},
		{"key over the limit", "/bigkey", 400, "RangeError: Keys cannot be larger than 2048 bytes"},
		{"constructor throws", "/bad", 500, "constructor blew up"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(t, ts.URL+tt.path)
			if code != tt.code || !strings.Contains(body, tt.body) {
				t.Errorf("GET %s = %d %q; want %d containing %q", tt.path, code, body, tt.code, tt.body)
			}
		})
	}
	t.Run("runaway loop does not break other objects", func(t *testing.T) {
		get(t, ts.URL+"/write?o=survivor&k=1")
		code, _ := get(t, ts.URL+"/loop?o=looper")
		if code != 500 && code != 503 {
			t.Errorf("GET /loop = %d; want 500 or 503", code)
		}
		if c, b := get(t, ts.URL+"/count?o=survivor"); c != 200 || b != "1" {
			t.Errorf("other object after a runaway = %d %q; want 200 1", c, b)
		}
	})
}

func intp(n int) *int { return &n }

func TestAlarmRetryBackoff(t *testing.T) {
	dir := writeProject(t, map[string]string{"wrangler.jsonc": counterProject, "index.ts": counterSource})
	ts := startServer(t, dir, nil)
	// Two failures, then success: retried with backoff (2 s, 4 s) in workerd;
	// the test shortens nothing, so it takes ~6 s.
	get(t, ts.URL+"/failalarm?o=retry&n=2")
	deadline := time.Now().Add(20 * time.Second)
	var st struct{ Fired, Tries int }
	for time.Now().Before(deadline) {
		_, b := get(t, ts.URL+"/alarms?o=retry")
		json.Unmarshal([]byte(b), &st)
		if st.Fired == 1 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if st.Fired != 1 || st.Tries != 3 {
		t.Fatalf("alarm fired %d times after %d tries; want 1 after 3", st.Fired, st.Tries)
	}
}

// TestMain lets the crash test run this test binary as a server process.
func TestMain(m *testing.M) {
	if dir := os.Getenv("ISOLA_TEST_SERVE"); dir != "" {
		serveForTest(dir)
		return
	}
	os.Exit(m.Run())
}

func serveForTest(dir string) {
	port, ip := 0, "127.0.0.1"
	srv, err := New(Options{Path: dir, Flags: config.Flags{Port: &port, IP: &ip}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	url, err := srv.Listen()
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(url)
	srv.Serve(context.Background())
}

// startChild runs the project in a child process and returns its URL.
func startChild(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ISOLA_TEST_SERVE="+dir)
	// The child's log, shown if the test fails (a panic or an error there
	// is otherwise only an EOF here).
	var logs syncBuffer
	cmd.Stderr = &logs
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("child %d log:\n%s", cmd.Process.Pid, logs.String())
		}
	})
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http://") {
		t.Fatalf("child did not start: %q %v", line, err)
	}
	go io.Copy(io.Discard, out)
	return cmd, strings.TrimSpace(line)
}

// TestCrashKeepsAcknowledgedWrites: writes to many objects; kill -9 in the
// middle; every write that got its response is on disk after a restart and
// every database passes an integrity check.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	dir := writeProject(t, map[string]string{"wrangler.jsonc": counterProject, "index.ts": counterSource})
	cmd, url := startChild(t, dir)
	const objects = 20
	var (
		mu    sync.Mutex
		acked = map[int][]int{} // object -> keys acknowledged
		next  atomic.Int64
		stop  atomic.Bool
		wg    sync.WaitGroup
	)
	client := &http.Client{Timeout: 5 * time.Second}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				k := int(next.Add(1))
				o := k % objects
				resp, err := client.Get(fmt.Sprintf("%s/write?o=obj%d&k=%d", url, o, k))
				if err != nil {
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 && string(body) == strconv.Itoa(k) {
					mu.Lock()
					acked[o] = append(acked[o], k)
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	stop.Store(true)
	wg.Wait()
	cmd.Wait()
	total := 0
	for _, ks := range acked {
		total += len(ks)
	}
	if total < 50 {
		t.Fatalf("only %d writes acknowledged before the kill; the load did not run", total)
	}
	// Integrity of every database file, read directly.
	files, _ := filepath.Glob(filepath.Join(dir, ".isola", "state", "app.Counter", "*.sqlite"))
	if len(files) != objects {
		t.Fatalf("%d object databases on disk; want %d", len(files), objects)
	}
	for _, f := range files {
		db, err := sql.Open("sqlite", f)
		if err != nil {
			t.Fatal(err)
		}
		var res string
		if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
			t.Errorf("%s: integrity_check = %q, %v", f, res, err)
		}
		db.Close()
	}
	// Restart and read back through the objects themselves.
	_, url = startChild(t, dir)
	for o, ks := range acked {
		resp, err := client.Get(fmt.Sprintf("%s/keys?o=obj%d", url, o))
		if err != nil {
			t.Fatal(err)
		}
		var have []int
		json.NewDecoder(resp.Body).Decode(&have)
		resp.Body.Close()
		set := map[int]bool{}
		for _, k := range have {
			set[k] = true
		}
		for _, k := range ks {
			if !set[k] {
				t.Errorf("object %d lost acknowledged write %d", o, k)
			}
		}
	}
	t.Logf("%d acknowledged writes to %d objects survived kill -9", total, objects)
}

// TestAlarmFiresAfterRestart: an alarm that fell due while the server was
// down fires after it starts again.
func TestAlarmFiresAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("restart test skipped in -short mode")
	}
	dir := writeProject(t, map[string]string{"wrangler.jsonc": counterProject, "index.ts": counterSource})
	cmd, url := startChild(t, dir)
	at := time.Now().Add(1500 * time.Millisecond).UnixMilli()
	if c, _ := get(t, fmt.Sprintf("%s/alarm?o=later&at=%d", url, at)); c != 200 {
		t.Fatalf("set alarm = %d", c)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	time.Sleep(time.Until(time.UnixMilli(at)) + 300*time.Millisecond)
	_, url = startChild(t, dir)
	deadline := time.Now().Add(10 * time.Second)
	var body string
	for time.Now().Before(deadline) {
		_, body = get(t, url+"/alarms?o=later")
		if strings.Contains(body, `"fired":1`) {
			// The object was woken by its alarm alone, yet knows its name.
			if !strings.Contains(body, `"name":"later"`) {
				t.Errorf("alarm after restart ran without ctx.id.name: %s", body)
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("alarm due while down did not fire after restart: %s", body)
}

func TestInspectionEndpoint(t *testing.T) {
	dir := writeProject(t, map[string]string{"wrangler.jsonc": counterProject, "index.ts": counterSource})
	ts := startServer(t, dir, func(o *Options) { o.Dev = true })
	get(t, ts.URL+"/count?o=a")
	get(t, ts.URL+"/count?o=b")
	code, body := get(t, ts.URL+"/__isola/objects")
	var got struct {
		Resident int `json:"resident"`
	}
	if err := json.Unmarshal([]byte(body), &got); code != 200 || err != nil || got.Resident != 2 {
		t.Errorf("GET /__isola/objects = %d %s (%v); want 200 with 2 resident objects", code, body, err)
	}
}

// TestManyObjectsBoundedFiles: thousands of resident objects must not mean
// thousands of open files; databases go back to the store after each turn
// and the store keeps at most its bound open.
func TestManyObjectsBoundedFiles(t *testing.T) {
	dir := writeProject(t, map[string]string{"wrangler.jsonc": counterProject, "index.ts": counterSource})
	ts := startServer(t, dir, func(o *Options) { o.MaxOpenDatabases = 64 })
	fds := func() int {
		ents, _ := os.ReadDir("/proc/self/fd")
		return len(ents)
	}
	get(t, ts.URL+"/write?o=warm&k=1")
	before := fds()
	const objects = 300
	client := &http.Client{}
	for i := 0; i < objects; i++ {
		resp, err := client.Get(fmt.Sprintf("%s/write?o=obj%d&k=%d", ts.URL, i, i))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("write to obj%d = %d", i, resp.StatusCode)
		}
	}
	grew := fds() - before
	if resident := ts.srv.Actors().Resident(); resident < objects {
		t.Fatalf("only %d objects resident; the test needs them all in memory", resident)
	}
	// The store keeps at most 64 databases open (up to 4 files each: db,
	// WAL, shm, WAL syncer).
	if grew > 4*64+32 {
		t.Errorf("%d resident objects hold %d more open files; want at most the store's bound", objects, grew)
	}
}
