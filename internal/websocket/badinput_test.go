package websocket_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	isows "github.com/isola-run/isola/internal/websocket"
)

// rawConn does the client handshake by hand, so a test can send frames a
// well-behaved client library refuses to send.
func rawConn(t testing.TB, httpURL, path string) net.Conn {
	t.Helper()
	addr := strings.TrimPrefix(httpURL, "http://")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, addr)
	br := bufio.NewReader(c)
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, "101") {
		t.Fatalf("handshake: %q %v", status, err)
	}
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if l == "\r\n" {
			break
		}
	}
	return c
}

// frame writes one masked client frame.
func frame(t testing.TB, c net.Conn, opcode byte, payload []byte) {
	t.Helper()
	if len(payload) > 125 {
		t.Fatal("frame: payload too long for this helper")
	}
	mask := [4]byte{1, 2, 3, 4}
	b := []byte{0x80 | opcode, 0x80 | byte(len(payload)), mask[0], mask[1], mask[2], mask[3]}
	for i, p := range payload {
		b = append(b, p^mask[i%4])
	}
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
}

func TestBadInput(t *testing.T) {
	ts := startRooms(t, time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	t.Run("message over the size limit", func(t *testing.T) {
		old := isows.Default.Options()
		isows.Default.Configure(isows.Options{MaxMessage: 64 << 10})
		defer isows.Default.Configure(old)
		c := dial(t, ts.WS+"/?room=big")
		err := c.Write(ctx, websocket.MessageText, []byte(strings.Repeat("x", 65<<10)))
		if err == nil {
			_, _, err = c.Read(ctx)
		}
		if st := websocket.CloseStatus(err); st != websocket.StatusMessageTooBig {
			t.Errorf("client saw %v (%v); want 1009", st, err)
		}
		waitFor(t, "webSocketError", func() bool {
			return strings.Contains(ts.Logs.String(), "webSocketError WebSocket message is too large")
		})
	})

	t.Run("invalid UTF-8 in a text frame", func(t *testing.T) {
		c := dial(t, ts.WS+"/?room=utf8")
		if err := c.Write(ctx, websocket.MessageText, []byte{'a', 0xff, 0xfe}); err != nil {
			t.Fatal(err)
		}
		_, _, err := c.Read(ctx)
		if st := websocket.CloseStatus(err); st != websocket.StatusInvalidFramePayloadData {
			t.Errorf("client saw %v (%v); want 1007", st, err)
		}
		waitFor(t, "webSocketError", func() bool {
			return strings.Contains(ts.Logs.String(), "webSocketError WebSocket received a text frame with invalid UTF-8.")
		})
	})

	t.Run("client vanishes without a close frame", func(t *testing.T) {
		c := dial(t, ts.WS+"/?room=vanish")
		send(t, c, "hello")
		recv(t, c)
		c.CloseNow()
		waitFor(t, "webSocketClose 1006", func() bool {
			return strings.Contains(ts.Logs.String(), `webSocketClose 1006 "WebSocket disconnected without sending Close frame." false`)
		})
	})

	t.Run("handler throws on every message", func(t *testing.T) {
		c := dial(t, ts.WS+"/?room=throw&user=t")
		for i := 0; i < 5; i++ {
			send(t, c, "throw")
		}
		if w := ask(t, c); w.User != "t" {
			t.Fatalf("after throwing handlers: %+v", w)
		}
		waitFor(t, "logged handler error", func() bool { return strings.Contains(ts.Logs.String(), "handler boom") })
	})

	t.Run("close with an invalid code", func(t *testing.T) {
		c := rawConn(t, ts.URL, "/?room=badclose")
		frame(t, c, 0x8, []byte{0x03, 0xe7}) // 999
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		b := make([]byte, 64)
		n, _ := c.Read(b)
		if n < 4 || b[0] != 0x88 || int(b[2])<<8|int(b[3]) != 1002 {
			t.Errorf("server answered % x; want a close frame with 1002", b[:n])
		}
		waitFor(t, "webSocketError", func() bool { return strings.Contains(ts.Logs.String(), "webSocketError WebSocket protocol error") })
	})

	t.Run("invalid close code from the script", func(t *testing.T) {
		c := dial(t, ts.WS+"/?room=scriptclose")
		send(t, c, "close:999")
		waitFor(t, "logged InvalidAccessError", func() bool { return strings.Contains(ts.Logs.String(), "Invalid WebSocket close code: 999.") })
		send(t, c, "still open")
		if got := recv(t, c); got != "still open" {
			t.Fatalf("after a bad close: %q", got)
		}
	})

	t.Run("flood to a slow object keeps memory bounded", func(t *testing.T) {
		c := dial(t, ts.WS+"/?room=flood")
		msg := "slow" + strings.Repeat("f", 64<<10)
		fctx, fcancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 400 && fctx.Err() == nil; i++ { // 26 MB
				if c.Write(fctx, websocket.MessageText, []byte(msg)) != nil {
					return
				}
			}
		}()
		limit := isows.Default.Options().InboxBytes + 2*len(msg) + 4096
		maxSeen := 0
		for i := 0; i < 100; i++ {
			maxSeen = max(maxSeen, isows.Default.Queued())
			time.Sleep(10 * time.Millisecond)
		}
		fcancel()
		c.CloseNow()
		wg.Wait()
		if maxSeen > limit {
			t.Errorf("queued bytes peaked at %d; want at most %d", maxSeen, limit)
		}
		if maxSeen == 0 {
			t.Logf("queue never observed non-empty")
		}
	})
}

func TestNoLeaks(t *testing.T) {
	ts := startRooms(t, 200*time.Millisecond)
	echo := startProject(t, plainWrangler, echoWorker, nil)
	settle := func() (int, int) {
		time.Sleep(100 * time.Millisecond)
		return runtime.NumGoroutine(), isows.Default.Open()
	}
	// Warm up both servers (runtimes, pools) before taking the baseline.
	c := dial(t, ts.WS+"/?room=warm")
	ask(t, c)
	c.Close(websocket.StatusNormalClosure, "")
	e := dial(t, echo.WS+"/")
	send(t, e, "x")
	recv(t, e)
	e.Close(websocket.StatusNormalClosure, "")
	waitFor(t, "warm-up sockets released", func() bool { return isows.Default.Open() == 0 })
	baseG, _ := settle()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for i := 0; i < 30; i++ {
		url := fmt.Sprintf("%s/?room=leak%d&user=u%d", ts.WS, i%3, i)
		if i%2 == 1 {
			url = echo.WS + "/"
		}
		c, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			send(t, c, "whoami")
		} else {
			send(t, c, "x")
		}
		recv(t, c)
		switch i % 3 {
		case 0:
			c.Close(websocket.StatusNormalClosure, "done")
		case 1:
			c.CloseNow() // vanish
		case 2:
			send(t, c, "close")      // echo worker closes with 3001
			send(t, c, "close:4001") // rooms close with 4001
			c.Read(ctx)
			c.CloseNow()
		}
	}
	waitFor(t, "sockets back to baseline", func() bool { return isows.Default.Open() == 0 })
	// Hibernated rooms keep nothing; wait for the objects to go too.
	waitFor(t, "goroutines back to baseline", func() bool {
		g, _ := settle()
		return g <= baseG+2
	})
}
