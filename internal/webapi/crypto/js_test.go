package crypto_test

import (
	"context"
	"errors"
	"github.com/isola-run/isola/internal/webapi/webapitest"
	"testing"
	"time"

	"github.com/isola-run/isola/internal/engine"
)

// prelude gives test scripts hex helpers.
const prelude = `
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (s) => new Uint8Array(s.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);
const utf8 = (s) => new Uint8Array(Array.from(unescape(encodeURIComponent(s)), (c) => c.charCodeAt(0)));
const subtle = crypto.subtle;
`

// newRuntime: a runtime with every Web API (webapitest.NewRuntime).
func newRuntime(t testing.TB) *engine.Runtime { t.Helper(); return webapitest.NewRuntime(t) }

// run evaluates body inside an async function (after prelude) and returns
// its result or the thrown error.
func run(t testing.TB, rt *engine.Runtime, body string) (any, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return rt.Eval(ctx, "(async () => {"+prelude+body+"\n})()")
}

// mustRun is run that fails the test on a thrown error.
func mustRun(t testing.TB, rt *engine.Runtime, body string) any {
	t.Helper()
	v, err := run(t, rt, body)
	if err != nil {
		t.Fatalf("script failed: %v\n%s", err, body)
	}
	return v
}

// jsErrorName is the name of the JS exception err carries, or "".
func jsErrorName(err error) string {
	var e *engine.Error
	if errors.As(err, &e) {
		return e.Name
	}
	return ""
}

func TestSmoke(t *testing.T) {
	rt := newRuntime(t)
	v := mustRun(t, rt, `return hex(await subtle.digest("SHA-256", utf8("abc")))`)
	t.Logf("%v", v)
}
