package agents

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// roomProject serves bench/agentbench/room.js (an Agent with a counter
// state and two callables) and returns the server's ws:// base URL.
func roomProject(tb testing.TB) (wsBase string) {
	tb.Helper()
	needNode(tb)
	dir := tb.TempDir()
	main := filepath.Join(repoRoot(tb), "bench", "agentbench", "room.js")
	writeFile(tb, dir, "wrangler.jsonc", fmt.Sprintf(`{
  "name": "room", "main": %q, "compatibility_date": "2026-01-01", "compatibility_flags": ["nodejs_compat"],
  "durable_objects": { "bindings": [{ "name": "Room", "class_name": "Room" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room"] }]
}`, main))
	url := serve(tb, dir, nil, nil)
	return "ws" + strings.TrimPrefix(url, "http")
}

// agentConn is one client of an agent: a goroutine reads its frames.
type agentConn struct {
	c *websocket.Conn

	mu    sync.Mutex // guards following
	state int        // n of the last cf_agent_state; -1 before the first
	rpcs  map[string]bool
	err   error
	wake  chan struct{}
}

func dialAgent(tb testing.TB, url string) *agentConn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		tb.Fatalf("dial %s: %v", url, err)
	}
	c.SetReadLimit(16 << 20)
	a := &agentConn{c: c, state: -1, rpcs: map[string]bool{}, wake: make(chan struct{}, 1)}
	go a.read()
	tb.Cleanup(func() { c.CloseNow() })
	if err := a.until(func() bool { return a.state >= 0 }); err != nil {
		tb.Fatalf("initial state: %v", err)
	}
	return a
}

func (a *agentConn) read() {
	for {
		_, b, err := a.c.Read(context.Background())
		a.mu.Lock()
		if err != nil {
			a.err = err
		} else {
			var m struct {
				Type  string          `json:"type"`
				ID    string          `json:"id"`
				Done  *bool           `json:"done"`
				State struct{ N int } `json:"state"`
			}
			if json.Unmarshal(b, &m) == nil {
				switch {
				case m.Type == "cf_agent_state":
					a.state = m.State.N
				case m.Type == "rpc" && (m.Done == nil || *m.Done):
					a.rpcs[m.ID] = true
				}
			}
		}
		a.mu.Unlock()
		select {
		case a.wake <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

// until waits for ok (called with mu held).
func (a *agentConn) until(ok func() bool) error {
	deadline := time.After(60 * time.Second)
	for {
		a.mu.Lock()
		done, err := ok(), a.err
		a.mu.Unlock()
		if done {
			return nil
		}
		if err != nil {
			return err
		}
		select {
		case <-a.wake:
		case <-deadline:
			return fmt.Errorf("agents: timed out")
		}
	}
}

func (a *agentConn) rpc(tb testing.TB, id, method string, args ...any) {
	tb.Helper()
	b, _ := json.Marshal(map[string]any{"type": "rpc", "id": id, "method": method, "args": args})
	if err := a.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkAgentRPC is one @callable round trip over the WebSocket.
func BenchmarkAgentRPC(b *testing.B) {
	ws := roomProject(b)
	a := dialAgent(b, ws+"/agents/room/rpc")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := "p" + strconv.Itoa(i)
		a.rpc(b, id, "ping", i)
		if err := a.until(func() bool { return a.rpcs[id] }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAgentStateBroadcast is one setState by RPC until every client
// of the agent received the new state.
func BenchmarkAgentStateBroadcast(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			ws := roomProject(b)
			name := fmt.Sprintf("%s/agents/room/bcast-%d", ws, n)
			conns := make([]*agentConn, n)
			for i := range conns {
				conns[i] = dialAgent(b, name)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 1; i <= b.N; i++ {
				conns[0].rpc(b, "s"+strconv.Itoa(i), "set", i)
				for _, c := range conns {
					if err := c.until(func() bool { return c.state == i }); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
