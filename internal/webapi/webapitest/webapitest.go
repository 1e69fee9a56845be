// Package webapitest gives the Web API packages' tests a runtime with every
// Web API registered, and a way to evaluate an expression in it. It is
// imported by tests only.
package webapitest

import (
	"context"
	"testing"
	"time"

	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/webapi"
)

// NewRuntime returns a runtime with every Web API registered, closed at the
// end of the test.
func NewRuntime(t testing.TB) *engine.Runtime {
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

// Run evaluates the JS expression src (a promise is awaited) and returns
// JSON.stringify of its value, or "throw Name: message".
func Run(t testing.TB, rt *engine.Runtime, src string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := rt.Eval(ctx, `(async () => { try { return JSON.stringify(await (`+src+`)); }
		catch (e) { return "throw " + (e && e.name) + ": " + (e && e.message); } })()`)
	if err != nil {
		t.Fatalf("Eval(%s): %v", src, err)
	}
	s, _ := v.(string)
	return s
}
