package websocket

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzFrames sends arbitrary bytes as client frames after a valid
// handshake. Whatever arrives, the server must not panic, the consuming end
// must see the connection end, and every end must be released.
func FuzzFrames(f *testing.F) {
	mask := func(op byte, payload []byte) []byte {
		b := []byte{0x80 | op, 0x80 | byte(len(payload)), 1, 2, 3, 4}
		for i, p := range payload {
			b = append(b, p^[]byte{1, 2, 3, 4}[i%4])
		}
		return b
	}
	f.Add(mask(0x1, []byte("hello")))
	f.Add(mask(0x2, []byte{0, 1, 2}))
	f.Add(mask(0x8, []byte{0x03, 0xe8, 'o', 'k'}))
	f.Add(mask(0x8, []byte{0x03, 0xe7}))               // close code 999
	f.Add(mask(0x1, []byte{0xff, 0xfe}))               // invalid UTF-8
	f.Add([]byte{0x81, 0x05, 'h', 'e', 'l', 'l', 'o'}) // unmasked
	f.Add([]byte{0x81, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4})
	f.Add(append(mask(0x0, []byte("cont")), mask(0x9, []byte("ping"))...))
	f.Fuzz(func(t *testing.T, data []byte) {
		h := NewHub(Options{MaxMessage: 1 << 16})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			client, server := h.Pair()
			if err := server.Accept(Pull, nil); err != nil {
				t.Error(err)
				return
			}
			go func() { // the consumer: take events until the end is gone
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				for {
					evs, err := server.Recv(ctx, 1<<20)
					if err != nil {
						server.Release()
						return
					}
					for _, ev := range evs {
						if ev.Kind == Close || ev.Kind == Error {
							_ = server.Send(Event{Kind: Close, Code: 1000})
						}
					}
				}
			}()
			_ = h.Serve(w, r, client, http.Header{})
		}))
		defer srv.Close()
		c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
		br := bufio.NewReader(c)
		if l, err := br.ReadString('\n'); err != nil || !strings.Contains(l, "101") {
			t.Fatalf("handshake: %q %v", l, err)
		}
		c.Write(data)
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		for {
			if _, err := br.ReadByte(); err != nil {
				break
			}
		}
		c.Close()
		deadline := time.Now().Add(10 * time.Second)
		for h.Open() > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%d ends still open after the client left", h.Open())
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}
