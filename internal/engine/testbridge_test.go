package engine

import (
	"fmt"
	"os"
	"testing"

	"github.com/evanw/esbuild/pkg/api"
)

// testBootstrapSrc is testdata/bootstrap.js bundled: the bridge, timers and
// console, and a global __t exposing call/callAsync to tests.
var testBootstrapSrc string

func TestMain(m *testing.M) {
	res := api.Build(api.BuildOptions{
		EntryPoints: []string{"testdata/bootstrap.js"},
		Bundle:      true,
		Format:      api.FormatIIFE,
		Target:      api.ES2022,
	})
	if len(res.Errors) > 0 {
		fmt.Fprintln(os.Stderr, "bundle test bootstrap:", res.Errors[0].Text)
		os.Exit(1)
	}
	testBootstrapSrc = string(res.OutputFiles[0].Contents)
	os.Exit(m.Run())
}

func testBootstrap(t testing.TB) string {
	t.Helper()
	return testBootstrapSrc
}
