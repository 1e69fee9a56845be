package config

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenCases are the example projects in testdata, each loaded with an
// environment name; their diagnostics and decoded project are compared with
// testdata/<dir>/<golden>.
var goldenCases = []struct {
	dir, file, env, golden string
}{
	{"do-app", "wrangler.jsonc", "", "golden.txt"},
	{"multi-worker", "wrangler.jsonc", "", "golden.txt"},
	{"multi-worker", "wrangler.jsonc", "staging", "golden.staging.txt"},
	{"toml-project", "wrangler.toml", "", "golden.txt"},
	{"toml-project", "wrangler.toml", "staging", "golden.staging.txt"},
	{"bad-jsonc", "wrangler.jsonc", "", "golden.txt"},
	{"bad-toml", "wrangler.toml", "", "golden.txt"},
	{"bad-toml", "wrangler.toml", "nope", "golden.nope.txt"},
	{"syntax-jsonc", "wrangler.jsonc", "", "golden.txt"},
	{"syntax-toml", "wrangler.toml", "", "golden.txt"},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.dir+"/"+tc.golden, func(t *testing.T) {
			path := filepath.Join("testdata", tc.dir, tc.file)
			p, diags, err := LoadEnv(path, tc.env)
			got := renderLoad(t, p, diags, err)
			goldenPath := filepath.Join("testdata", tc.dir, tc.golden)
			if *update {
				if err := os.WriteFile(goldenPath, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("LoadEnv(%q, %q) differs from %s (run go test -update to accept):\n%s", path, tc.env, goldenPath, got)
			}
		})
	}
}

// renderLoad formats the result of a load for a golden file, with absolute
// paths replaced by $DIR so that the file does not depend on the checkout.
func renderLoad(t testing.TB, p *Project, diags []Diagnostic, err error) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("# diagnostics\n")
	for _, d := range diags {
		b.WriteString(d.String() + "\n")
	}
	b.WriteString("# error\n")
	if err != nil {
		b.WriteString(err.Error() + "\n")
	}
	b.WriteString("# project\n")
	if p != nil {
		js, jerr := json.MarshalIndent(p, "", "  ")
		if jerr != nil {
			t.Fatal(jerr)
		}
		b.Write(js)
		b.WriteString("\n")
		return strings.ReplaceAll(b.String(), p.Dir, "$DIR")
	}
	return b.String()
}
