package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets tests run this binary as the isola command.
func TestMain(m *testing.M) {
	if os.Getenv("ISOLA_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestCommands(t *testing.T) {
	tests := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"version"}, 0, "isola "},
		{[]string{"--help"}, 0, "isola dev [PATH]"},
		{[]string{"nonsense"}, 2, `unknown command "nonsense"`},
		{[]string{"dev", "--help"}, 0, "-persist-to"},
		{[]string{"serve"}, 2, "--config FILE is required"},
		{[]string{"dev", "--port", "x"}, 2, "invalid value"},
		{[]string{"dev", "/does/not/exist"}, 1, "no such file"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out bytes.Buffer
			code := run(tt.args, &out, &out)
			if code != tt.code || !strings.Contains(out.String(), tt.out) {
				t.Errorf("run(%q) = %d, %q; want %d containing %q", tt.args, code, out.String(), tt.code, tt.out)
			}
		})
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestServeGracefulShutdown: SIGTERM lets an in-flight request and its
// waitUntil work finish, then the process exits 0; logs are JSON.
func TestServeGracefulShutdown(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"wrangler.json": `{"name": "slow", "main": "index.js", "compatibility_date": "2025-09-01"}`,
		"index.js": `export default { async fetch(req, env, ctx) {
  ctx.waitUntil(new Promise(r => setTimeout(r, 300)).then(() => console.log("waitUntil done")));
  await new Promise(r => setTimeout(r, 500));
  return new Response("finished");
} };`,
	})
	cmd := exec.Command(os.Args[0], "serve", "--config", filepath.Join(dir, "wrangler.json"), "--port", "0")
	cmd.Env = append(os.Environ(), "ISOLA_TEST_MAIN=1")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	var url string
	var lines []string
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("serve log line is not JSON: %q", sc.Text())
		}
		if u, ok := rec["url"].(string); ok {
			url = u
			break
		}
	}
	if url == "" {
		t.Fatal("serve never logged its url")
	}
	done := make(chan string, 1)
	go func() {
		resp, err := http.Get(url)
		if err != nil {
			done <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- string(b)
	}()
	time.Sleep(150 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	if got := <-done; got != "finished" {
		t.Errorf("in-flight request during SIGTERM = %q; want finished", got)
	}
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	err := cmd.Wait()
	if err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "waitUntil done") {
		t.Errorf("waitUntil work did not finish before exit; logs:\n%s", strings.Join(lines, "\n"))
	}
}

// TestDevPrintsURLOnItsOwnLine: port 0 picks a free port and prints it.
func TestDevPrintsURLOnItsOwnLine(t *testing.T) {
	dir := writeFiles(t, map[string]string{"index.ts": `export default { fetch(): Response { return new Response("single file"); } };`})
	cmd := exec.Command(os.Args[0], "dev", filepath.Join(dir, "index.ts"), "--port", "0")
	cmd.Env = append(os.Environ(), "ISOLA_TEST_MAIN=1")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "http://127.0.0.1:") && !strings.Contains(line, " ") {
			resp, err := http.Get(line + "/")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != "single file" {
				t.Errorf("GET = %q", b)
			}
			go io.Copy(io.Discard, stdout)
			return
		}
	}
	t.Fatal("dev never printed its URL")
}
