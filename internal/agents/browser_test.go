package agents

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// browser is a headless Chromium driven over the DevTools protocol.
type browser struct {
	conn *websocket.Conn

	mu      sync.Mutex // guards following
	next    int
	pending map[int]chan cdpReply
}

type cdpReply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

var devtoolsLine = regexp.MustCompile(`DevTools listening on (ws://\S+)`)

// startBrowser launches headless Chromium for the test's duration; it skips
// the test when no Chromium is installed.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	var bin string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("no Chromium installed (apt-get install chromium)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	// Our own profile directory: Chromium's helper processes may still write
	// to it for a moment after the browser is gone, which t.TempDir's
	// cleanup reports as a failure.
	profile, err := os.MkdirTemp("", "isola-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
		"--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
		"--user-data-dir="+profile, "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // so cleanup ends every Chromium process
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		for i := 0; i < 50; i++ { // helpers may linger briefly
			if os.RemoveAll(profile) == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := devtoolsLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	var url string
	select {
	case url = <-found:
	case <-time.After(60 * time.Second):
		t.Fatal("chromium printed no DevTools URL")
	}
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("devtools: %v", err)
	}
	conn.SetReadLimit(64 << 20)
	b := &browser{conn: conn, pending: map[int]chan cdpReply{}}
	go b.read(ctx)
	return b
}

func (b *browser) read(ctx context.Context) {
	for {
		_, data, err := b.conn.Read(ctx)
		if err != nil {
			return
		}
		var m struct {
			ID int `json:"id"`
			cdpReply
		}
		if json.Unmarshal(data, &m) != nil || m.ID == 0 {
			continue // an event
		}
		b.mu.Lock()
		ch := b.pending[m.ID]
		delete(b.pending, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m.cdpReply
		}
	}
}

// call sends one DevTools command (to a page when session is set).
func (b *browser) call(t *testing.T, session, method string, params any) json.RawMessage {
	t.Helper()
	b.mu.Lock()
	b.next++
	id := b.next
	ch := make(chan cdpReply, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	data, _ := json.Marshal(msg)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := b.conn.Write(ctx, websocket.MessageText, data); err != nil {
		t.Fatalf("devtools %s: %v", method, err)
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			t.Fatalf("devtools %s: %s", method, r.Error.Message)
		}
		return r.Result
	case <-ctx.Done():
		t.Fatalf("devtools %s: no reply", method)
	}
	return nil
}

// tab opens url in a new page and returns its session.
func (b *browser) tab(t *testing.T, url string) string {
	t.Helper()
	var target struct{ TargetID string }
	json.Unmarshal(b.call(t, "", "Target.createTarget", map[string]any{"url": url}), &target)
	var att struct{ SessionID string }
	json.Unmarshal(b.call(t, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}), &att)
	return att.SessionID
}

// eval evaluates expr in the page and decodes its JSON value into out.
func (b *browser) eval(t *testing.T, session, expr string, out any) {
	t.Helper()
	raw := b.call(t, session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	if r.ExceptionDetails != nil {
		t.Fatalf("eval %s: %s", expr, r.ExceptionDetails.Text)
	}
	if out != nil && len(r.Result.Value) > 0 {
		if err := json.Unmarshal(r.Result.Value, out); err != nil {
			t.Fatalf("eval %s = %s: %v", expr, r.Result.Value, err)
		}
	}
}

// waitFor polls expr (a boolean expression) in the page.
func (b *browser) waitFor(t *testing.T, session, expr, what string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var ok bool
		b.eval(t, session, "!!("+expr+")", &ok)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var tr any
			b.eval(t, session, "typeof transcript === 'function' ? transcript() : null", &tr)
			t.Fatalf("timed out waiting for %s; transcript %v", what, tr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type line struct{ Role, Text string }

func (b *browser) transcript(t *testing.T, session string) []line {
	t.Helper()
	var tr []line
	b.eval(t, session, "transcript()", &tr)
	return tr
}

// TestChatExampleInBrowser drives examples/chat in headless Chromium: a
// message sent in one tab streams into both; a reload mid-stream resumes
// the reply without loss or duplication.
func TestChatExampleInBrowser(t *testing.T) {
	needNode(t)
	br := startBrowser(t)
	llm := startLLM(t)
	root := repoRoot(t)
	url := serve(t, filepath.Join(root, "examples/chat"), map[string]string{"LLM_URL": llm.URL, "MODEL": "scripted"}, nil)
	room := fmt.Sprintf("e2e-%d", time.Now().UnixNano())
	a := br.tab(t, url+"/?room="+room)
	b := br.tab(t, url+"/?room="+room)
	br.waitFor(t, a, "window.chatReady", "tab A ready")
	br.waitFor(t, b, "window.chatReady", "tab B ready")

	words := make([]string, 16)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i)
	}
	want := "echo: " + strings.Join(words, " ")
	prompt := "slow 150 " + strings.Join(words, " ")
	br.eval(t, a, fmt.Sprintf(`document.getElementById("input").value = %q; document.getElementById("form").requestSubmit(); true`, prompt), nil)

	// Both tabs stream the reply; reload A in the middle of it.
	partial := `transcript().some((m) => m.role === "assistant" && m.text.split(" ").length >= 4)`
	br.waitFor(t, a, partial, "A streams the reply")
	br.waitFor(t, b, partial, "B streams the reply")
	br.call(t, a, "Page.reload", map[string]any{})
	br.waitFor(t, a, "window.chatReady", "A ready after reload")

	br.waitFor(t, a, "window.resumed >= 1", "A told a reply is streaming after the reload")
	done := fmt.Sprintf(`transcript().some((m) => m.role === "assistant" && m.text === %q)`, want)
	br.waitFor(t, a, done, "A has the whole reply after the reload")
	br.waitFor(t, b, done, "B has the whole reply")
	for name, s := range map[string]string{"A": a, "B": b} {
		tr := br.transcript(t, s)
		wantTr := []line{{"user", prompt}, {"assistant", want}}
		if fmt.Sprint(tr) != fmt.Sprint(wantTr) {
			t.Errorf("tab %s transcript = %v; want %v", name, tr, wantTr)
		}
	}
	if os.Getenv("ISOLA_E2E_SCREENSHOT") != "" {
		var shot struct{ Data []byte }
		json.Unmarshal(br.call(t, a, "Page.captureScreenshot", map[string]any{"format": "png"}), &shot)
		os.WriteFile(os.Getenv("ISOLA_E2E_SCREENSHOT"), shot.Data, 0o644)
	}
}
