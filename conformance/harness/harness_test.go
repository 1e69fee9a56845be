package harness

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCapnpText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{`say "hi"`, `"say \"hi\""`},
		{`back\slash`, `"back\\slash"`},
		{"line\nbreak\ttab\rcr", `"line\nbreak\ttab\rcr"`},
		{"ctl\x01\x7f", `"ctl\x01\x7f"`},
		{"héllo ✓", `"héllo ✓"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := capnpText(tt.in); got != tt.want {
				t.Errorf("capnpText(%q) = %s; want %s", tt.in, got, tt.want)
			}
		})
	}
}

func testWorker(t testing.TB) Worker {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "worker.js"), []byte(`export default { fetch(r, env) { return Response.json(env); } };`), 0o644); err != nil {
		t.Fatal(err)
	}
	return Worker{
		Name: "w", Dir: dir, Main: "worker.js",
		CompatibilityFlags: []string{"nodejs_compat"},
		Vars: map[string]json.RawMessage{
			"S": json.RawMessage(`"a \"q\"\n"`),
			"N": json.RawMessage(`42`),
			"O": json.RawMessage(`{ "k": [1, null] }`),
		},
	}
}

func TestWorkerdConfig(t *testing.T) {
	got, err := testWorker(t).WorkerdConfig()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`services = [ (name = "w", worker = .mainWorker) ]`,
		`address = "127.0.0.1:0", http = (), service = "w"`,
		`(name = "worker.js", esModule = embed "worker.js")`,
		`compatibilityDate = "2025-09-01"`,
		`compatibilityFlags = ["nodejs_compat"]`,
		`(name = "N", json = "42")`,
		`(name = "O", json = "{\"k\":[1,null]}")`,
		`(name = "S", text = "a \"q\"\n")`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("WorkerdConfig() lacks %s; got:\n%s", want, got)
		}
	}
	if i, j := strings.Index(got, `"N"`), strings.Index(got, `"S"`); i > j {
		t.Errorf("WorkerdConfig() bindings not sorted:\n%s", got)
	}
}

func TestWranglerJSON(t *testing.T) {
	b, err := testWorker(t).WranglerJSON()
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Name               string         `json:"name"`
		Main               string         `json:"main"`
		CompatibilityDate  string         `json:"compatibility_date"`
		CompatibilityFlags []string       `json:"compatibility_flags"`
		Vars               map[string]any `json:"vars"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("WranglerJSON() is not JSON: %v\n%s", err, b)
	}
	if got.Name != "w" || got.Main != "worker.js" || got.CompatibilityDate != "2025-09-01" || len(got.CompatibilityFlags) != 1 || got.Vars["N"] != 42.0 || got.Vars["S"] != "a \"q\"\n" {
		t.Errorf("WranglerJSON() = %s", b)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		w    Worker
		want string
	}{
		{"no dir", Worker{Main: "a.js"}, "no Dir"},
		{"no main", Worker{Dir: "."}, "no Main"},
		{"bad var", Worker{Dir: ".", Main: "a.js", Vars: map[string]json.RawMessage{"X": json.RawMessage(`{`)}}, `var "X"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.w.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v; want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestLogBufferKeepsTail(t *testing.T) {
	var l logBuffer
	l.Write([]byte(strings.Repeat("a", logMax)))
	l.Write([]byte("tail"))
	if s := l.String(); len(s) != logMax || !strings.HasSuffix(s, "tail") {
		t.Errorf("logBuffer kept %d bytes ending %q; want %d ending \"tail\"", len(s), s[len(s)-4:], logMax)
	}
}

// TestStartWorkerd runs a real workerd when `npm ci` has installed it.
func TestStartWorkerd(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := FindWorkerd(root)
	if err != nil {
		t.Skipf("workerd not installed: %v", err)
	}
	w, err := testWorker(t).Prepare(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := StartWorkerd(ctx, bin, w)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Get(s.URL + "/")
	if err != nil {
		t.Fatalf("GET %s: %v", s.URL, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `{"N":42,"O":{"k":[1,null]},"S":"a \"q\"\n"}`; string(body) != want {
		t.Errorf("GET / = %s; want %s", body, want)
	}
	s.Close()
	if !s.Exited() {
		t.Errorf("Close() returned but workerd (pid %d) still runs", s.PID())
	}
}

// TestStartIsolaReportsEarlyExit checks that a binary that exits without
// printing a URL is reported at once, with its output.
func TestStartIsolaReportsEarlyExit(t *testing.T) {
	w := Worker{Dir: t.TempDir(), Main: "worker.js"}
	_, err := StartIsola(context.Background(), "/bin/sh", w, "-c", "echo no url here; exit 3")
	if err == nil || !strings.Contains(err.Error(), "no url here") {
		t.Errorf("StartIsola(exiting binary) = %v; want an error with its output", err)
	}
}

func TestStartIsolaFindsURL(t *testing.T) {
	w := Worker{Dir: t.TempDir(), Main: "worker.js"}
	s, err := StartIsola(context.Background(), "/bin/sh", w, "-c", "echo starting; echo '  http://127.0.0.1:4321'; exec sleep 30")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.URL != "http://127.0.0.1:4321" {
		t.Errorf("URL = %q; want http://127.0.0.1:4321", s.URL)
	}
}

func doWorker(t testing.TB) Worker {
	t.Helper()
	dir := t.TempDir()
	src := `import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  incr() {
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS c (n INTEGER)");
    this.ctx.storage.sql.exec("INSERT INTO c VALUES (1)");
    return this.ctx.storage.sql.exec("SELECT count(*) AS n FROM c").one().n;
  }
}
export default { async fetch(r, env) { return new Response(String(await env.A.getByName("x").incr())); } };`
	if err := os.WriteFile(filepath.Join(dir, "worker.js"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return Worker{
		Name: "w", Dir: dir, Main: "worker.js",
		DurableObjects: []DurableObject{{Binding: "A", ClassName: "Counter"}, {Binding: "B", ClassName: "Counter"}},
	}
}

func TestWorkerdConfigDurableObjects(t *testing.T) {
	got, err := doWorker(t).WorkerdConfig()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`(name = "do-storage", disk = (path = "do-data", writable = true))`,
		`(className = "Counter", uniqueKey = "w-Counter", enableSql = true),`,
		`durableObjectStorage = (localDisk = "do-storage")`,
		`(name = "A", durableObjectNamespace = "Counter")`,
		`(name = "B", durableObjectNamespace = "Counter")`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("WorkerdConfig() lacks %s; got:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "className"); n != 1 {
		t.Errorf("WorkerdConfig() declares the class %d times; want once:\n%s", n, got)
	}
}

func TestWranglerJSONDurableObjects(t *testing.T) {
	b, err := doWorker(t).WranglerJSON()
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		DurableObjects struct {
			Bindings []struct {
				Name      string `json:"name"`
				ClassName string `json:"class_name"`
			} `json:"bindings"`
		} `json:"durable_objects"`
		Migrations []struct {
			Tag              string   `json:"tag"`
			NewSqliteClasses []string `json:"new_sqlite_classes"`
		} `json:"migrations"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("WranglerJSON() is not JSON: %v\n%s", err, b)
	}
	if len(got.DurableObjects.Bindings) != 2 || got.DurableObjects.Bindings[1].Name != "B" || got.DurableObjects.Bindings[1].ClassName != "Counter" {
		t.Errorf("WranglerJSON() bindings = %s", b)
	}
	if len(got.Migrations) != 1 || got.Migrations[0].Tag != "v1" || strings.Join(got.Migrations[0].NewSqliteClasses, ",") != "Counter" {
		t.Errorf("WranglerJSON() migrations = %s", b)
	}
}

func TestValidateDurableObjects(t *testing.T) {
	tests := []struct {
		name string
		do   DurableObject
		vars map[string]json.RawMessage
		want string
	}{
		{"empty binding", DurableObject{ClassName: "C"}, nil, "must be identifiers"},
		{"bad class", DurableObject{Binding: "A", ClassName: "a-b"}, nil, "must be identifiers"},
		{"binding is a var", DurableObject{Binding: "A", ClassName: "C"}, map[string]json.RawMessage{"A": json.RawMessage(`1`)}, "also a var"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := Worker{Dir: ".", Main: "a.js", Vars: tt.vars, DurableObjects: []DurableObject{tt.do}}
			if err := w.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v; want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestStartWorkerdDurableObjects runs a SQLite-backed object on a real
// workerd: state carries across requests, and a second server of the same
// worker starts from empty storage.
func TestStartWorkerdDurableObjects(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := FindWorkerd(root)
	if err != nil {
		t.Skipf("workerd not installed: %v", err)
	}
	w, err := doWorker(t).Prepare(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := &http.Client{Timeout: 20 * time.Second}
	for run := range 2 {
		s, err := StartWorkerd(ctx, bin, w)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"1", "2"} {
			resp, err := client.Get(s.URL + "/")
			if err != nil {
				s.Close()
				t.Fatalf("GET %s: %v", s.URL, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != want {
				t.Errorf("server %d: GET / = %d %q; want %q\n%s", run, resp.StatusCode, body, want, s.Output())
			}
		}
		s.Close()
	}
}

func TestWorkerLoaderBindings(t *testing.T) {
	w := Worker{Name: "w", Dir: ".", Main: "index.js", WorkerLoaders: []WorkerLoader{{Binding: "LOADER"}, {Binding: "P", Isolation: "process", CacheSize: 4}}}
	capnp, err := w.WorkerdConfig()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`(name = "LOADER", workerLoader = (id = "w-LOADER")),`, `(name = "P", workerLoader = (id = "w-P")),`} {
		if !strings.Contains(capnp, want) {
			t.Errorf("WorkerdConfig() lacks %s:\n%s", want, capnp)
		}
	}
	wr, err := w.WranglerJSON()
	if err != nil {
		t.Fatal(err)
	}
	if want := `"worker_loaders": [`; !strings.Contains(string(wr), want) || !strings.Contains(string(wr), `"isolation": "process"`) || !strings.Contains(string(wr), `"cache_size": 4`) {
		t.Errorf("WranglerJSON() = %s; want worker_loaders with isolation and cache_size", wr)
	}
	w.WorkerLoaders = []WorkerLoader{{Binding: "not ok"}}
	if err := w.Validate(); err == nil {
		t.Errorf("Validate() of a loader binding %q = nil; want an error", "not ok")
	}
}
