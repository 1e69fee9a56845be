package url_test

import (
	"context"
	"testing"
	"time"

	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/webapi"
)

// newRuntime returns a runtime with every Web API registered, closed at the
// end of the test.
func newRuntime(t testing.TB) *engine.Runtime {
	t.Helper()
	hs := engine.NewHostSet()
	webapi.Register(hs, webapi.Options{})
	rt, err := engine.New(engine.Options{Host: hs})
	if err != nil {
		t.Fatalf("engine.New: %v", err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

// eval runs src and returns its (awaited) value.
func eval(t testing.TB, rt *engine.Runtime, src string) (any, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return rt.Eval(ctx, src)
}

func TestSmoke(t *testing.T) {
	rt := newRuntime(t)
	v, err := eval(t, rt, `const u = new URL("https://a.b/c?d=1#e"); u.searchParams.append("x", "y z"); JSON.stringify([u.href, u.origin, new DOMException("m", "AbortError").code, new TextDecoder().decode(new TextEncoder().encode("héllo")), btoa("hi"), atob("aGk="), structuredClone(new Map([[1, new Date(0)]])).get(1).toISOString()])`)
	t.Logf("%v %v", v, err)
}
