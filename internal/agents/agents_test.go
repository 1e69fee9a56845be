package agents

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/isola-run/isola/internal/config"
	"github.com/isola-run/isola/internal/server"
)

// repoRoot is the repository root, where node_modules and test/agents live.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// needNode skips the test unless node and the npm packages the agents tests
// use are installed (`npm ci` at the repository root).
func needNode(t testing.TB) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	for _, pkg := range []string{"agents", "@cloudflare/ai-chat", "ai", "@modelcontextprotocol/sdk", "ws"} {
		if _, err := os.Stat(filepath.Join(repoRoot(t), "node_modules", pkg, "package.json")); err != nil {
			t.Skipf("npm package %s is not installed: run npm ci at the repository root", pkg)
		}
	}
	return node
}

// startLLM serves the scripted OpenAI-compatible endpoint until the test ends.
func startLLM(t testing.TB) *LLM {
	t.Helper()
	l, err := StartLLM()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// serve runs the project in dir on 127.0.0.1:0 with a fresh state directory
// and the given vars until the test ends, and returns its URL.
func serve(t testing.TB, dir string, vars map[string]string, logs io.Writer) string {
	t.Helper()
	url, _ := servePersist(t, dir, t.TempDir(), vars, logs)
	return url
}

// servePersist is serve with the state directory persist; stop shuts the
// server down before the test ends (it is also called at the end).
func servePersist(t testing.TB, dir, persist string, vars map[string]string, logs io.Writer) (url string, stop func()) {
	t.Helper()
	port, ip := 0, "127.0.0.1"
	if logs == nil {
		logs = io.Discard
	}
	srv, err := server.New(server.Options{
		Path:   dir,
		Flags:  config.Flags{Port: &port, IP: &ip, PersistTo: &persist, Vars: vars},
		Logger: slog.New(server.NewDevHandler(logs, slog.LevelWarn)),
		Grace:  2 * time.Second,
	})
	if err != nil {
		t.Fatalf("server.New(%s): %v", dir, err)
	}
	url, err = srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Errorf("server did not shut down")
			}
		})
	}
	t.Cleanup(stop)
	return url, stop
}

// TestNode runs the Node integration tests of test/agents (the real
// agents/client, @cloudflare/ai-chat protocol and MCP SDK client) against
// test/agents/app served by isola.
func TestNode(t *testing.T) {
	node := needNode(t)
	root := repoRoot(t)
	llm := startLLM(t)
	logs := &lockedBuffer{}
	url := serve(t, filepath.Join(root, "test/agents/app"), map[string]string{"LLM_URL": llm.URL}, logs)

	files, err := filepath.Glob(filepath.Join(root, "test/agents/*.test.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files in test/agents: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", f)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "ISOLA_URL="+url, "LLM_URL="+llm.URL)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("node --test %s: %v\n%s\nserver log:\n%s", filepath.Base(f), err, out, logs.String())
			} else if testing.Verbose() {
				t.Logf("%s", out)
			}
		})
	}
}

// TestScheduleSurvivesRestart schedules a callback, stops the server
// before it is due and starts another on the same state: the callback runs
// after the restart. The agents package needs ctx.id.name in the alarm;
// isola does not persist names yet, so an alarm that wakes the agent
// before anything addressed it by name fails and is retried, and the
// retry after the request below (which names the object) succeeds.
func TestScheduleSurvivesRestart(t *testing.T) {
	needNode(t)
	app := filepath.Join(repoRoot(t), "test/agents/app")
	persist := t.TempDir()
	url, stop := servePersist(t, app, persist, nil, nil)
	ws := "ws" + strings.TrimPrefix(url, "http") + "/agents/counter/restart"
	a := dialAgent(t, ws)
	a.rpc(t, "s1", "scheduleIn", 2, "after restart")
	if err := a.until(func() bool { return a.rpcs["s1"] }); err != nil {
		t.Fatalf("scheduleIn: %v", err)
	}
	a.c.CloseNow()
	stop()

	url, _ = servePersist(t, app, persist, nil, nil)
	deadline := time.Now().Add(60 * time.Second)
	for {
		status, body := httpGet(t, url+"/agents/counter/restart")
		if status == 200 && strings.Contains(body, `"note":"after restart"`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET counter/restart = %d %s; want the scheduled callback's note", status, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
