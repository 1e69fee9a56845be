package fetch_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/webapi"
	"github.com/isola-run/isola/js"
)

// testHooks exposes the runtime's http hooks to test scripts as
// globalThis.__http (the engine removes __isola_hooks after boot).
const testHooks = "\n;globalThis.__http = globalThis.__isola_hooks.http;\n"

// newRuntime returns a runtime with every Web API registered, closed at the
// end of the test.
func newRuntime(t testing.TB) *engine.Runtime {
	t.Helper()
	hs := engine.NewHostSet()
	webapi.Register(hs, webapi.Options{})
	rt, err := engine.New(engine.Options{Host: hs, Bootstrap: js.Runtime + testHooks})
	if err != nil {
		t.Fatalf("engine.New: %v", err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

// eval runs src (an expression, usually an async IIFE) and returns its
// result as JSON.
func eval(t testing.TB, rt *engine.Runtime, src string) string {
	t.Helper()
	v, err := evalErr(rt, src)
	if err != nil {
		t.Fatalf("Eval(%s): %v", src, err)
	}
	return v
}

func evalErr(rt *engine.Runtime, src string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	v, err := rt.Eval(ctx, src)
	if err != nil {
		return "", err
	}
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err = enc.Encode(v)
	return strings.TrimSuffix(buf.String(), "\n"), err
}
