package websocket_test

import (
	"context"
	"github.com/isola-run/isola/internal/webapi/webapitest"
	"testing"
	"time"

	"github.com/isola-run/isola/internal/engine"
)

// newRuntime: a runtime with every Web API (webapitest.NewRuntime).
func newRuntime(t testing.TB) *engine.Runtime { t.Helper(); return webapitest.NewRuntime(t) }

func TestBareRuntime(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"no outgoing sockets", `(async () => {
			const ws = new WebSocket("ws://127.0.0.1:1/");
			return await new Promise((r) => ws.addEventListener("error", (e) => r(e.message + " " + ws.readyState)));
		})()`, "Outgoing WebSocket connections are not available to this worker. 3"},
		{"pair in one runtime", `(async () => {
			const [a, b] = Object.values(new WebSocketPair());
			a.accept(); b.accept();
			const got = new Promise((r) => b.addEventListener("message", (e) => r(e.data)));
			a.send("x");
			return await got;
		})()`, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newRuntime(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			v, err := rt.Eval(ctx, tt.src)
			if err != nil || v != tt.want {
				t.Errorf("Eval = %v, %v; want %q", v, err, tt.want)
			}
		})
	}
}
