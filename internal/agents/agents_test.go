package agents

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
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
	port, ip, persist := 0, "127.0.0.1", t.TempDir()
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
	url, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Errorf("server did not shut down")
		}
	})
	return url
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
