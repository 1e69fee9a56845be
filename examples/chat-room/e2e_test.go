// Package chatroom holds the end-to-end test of the chat-room example: the
// example served by isola in-process, two headless Chromium pages (Debian's
// chromium driven by playwright-core from the root package.json) chatting
// in one room. It is skipped when node, playwright-core or chromium is
// missing.
package chatroom

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/isola-run/isola/internal/config"
	"github.com/isola-run/isola/internal/server"
)

func TestTwoPagesChat(t *testing.T) {
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("no chromium at %s (apt-get install chromium)", chromium)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node")
	}
	if _, err := os.Stat("../../node_modules/playwright-core"); err != nil {
		t.Skip("no playwright-core (npm ci at the repo root)")
	}

	port, ip := 0, "127.0.0.1"
	persist := filepath.Join(t.TempDir(), "state")
	srv, err := server.New(server.Options{
		Path:   ".",
		Flags:  config.Flags{Port: &port, IP: &ip, PersistTo: &persist},
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Grace:  2 * time.Second,
	})
	if err != nil {
		t.Fatalf("server.New: %v", err)
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
		<-done
	})

	rctx, rcancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer rcancel()
	cmd := exec.CommandContext(rctx, node, "e2e/two-pages.mjs", url)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var res struct {
		OK    bool   `json:"ok"`
		Log   string `json:"log"`
		Error string `json:"error"`
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil || err != nil || !res.OK {
		t.Fatalf("two-pages.mjs: %v %v\nstdout: %s\nstderr: %s", err, res.Error, out, stderr.String())
	}
	for _, want := range []string{"ann: hello from ann", "bob: hi ann, bob here", "bob left"} {
		if !strings.Contains(res.Log, want) {
			t.Errorf("ann's page log %q lacks %q", res.Log, want)
		}
	}
}
