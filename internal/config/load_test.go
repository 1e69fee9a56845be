package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeProject writes files (path relative to a fresh temporary directory)
// and returns the directory.
func writeProject(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// messages returns "line:col: severity: message" for each diagnostic.
func messages(ds []Diagnostic) []string {
	var out []string
	for _, d := range ds {
		out = append(out, strings.TrimPrefix(strings.TrimPrefix(d.String(), d.File), ":"))
	}
	return out
}

func TestFind(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		want  string
	}{
		{"jsonc first", []string{"wrangler.toml", "wrangler.json", "wrangler.jsonc"}, "wrangler.jsonc"},
		{"json before toml", []string{"wrangler.toml", "wrangler.json"}, "wrangler.json"},
		{"toml", []string{"wrangler.toml"}, "wrangler.toml"},
		{"none", []string{"package.json"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{}
			for _, f := range tc.files {
				files[f] = "{}"
			}
			dir := writeProject(t, files)
			got, err := Find(dir)
			if tc.want == "" {
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("Find(%v) error = %v; want ErrNotFound", tc.files, err)
				}
				return
			}
			if err != nil || got != filepath.Join(dir, tc.want) {
				t.Errorf("Find(%v) = %q, %v; want %q", tc.files, got, err, tc.want)
			}
		})
	}
}

// loadCases load a config from a temporary project and check the
// diagnostics; the fuzz tests are seeded from their sources.
var loadCases = []struct {
	name   string
	config string // wrangler.jsonc, or wrangler.toml when it starts with "#toml"
	env    string
	want   []string // diagnostics as "line:col: severity: message"
}{
	{
		name:   "minimal",
		config: `{"name": "a", "main": "index.js", "compatibility_date": "2025-01-01"}`,
	},
	{
		name:   "unknown keys warn",
		config: "{\n \"name\": \"a\", \"main\": \"index.js\", \"compatibility_date\": \"2025-01-01\",\n \"foo\": 1,\n \"limits\": {\"cpu_ms\": 10, \"bar\": 2}\n}",
		want: []string{
			`3:2: warning: unknown key "foo"`,
			`4:27: warning: unknown key "limits.bar"`,
		},
	},
	{
		name:   "missing main file",
		config: "{\"name\": \"a\",\n \"main\": \"src/nope.ts\", \"compatibility_date\": \"2025-01-01\"}",
		want:   []string{`2:10: error: "main": entry module $DIR/src/nope.ts: file does not exist`},
	},
	{
		name:   "missing main key",
		config: `{"name": "a", "compatibility_date": "2025-01-01"}`,
		want:   []string{`1:1: error: top level: missing required key "main" (the entry module)`},
	},
	{
		name:   "no compatibility date",
		config: `{"name": "a", "main": "index.js"}`,
		want:   []string{`1:1: warning: top level: no "compatibility_date"; using 2025-09-01`},
	},
	{
		name:   "ignored keys are infos",
		config: `{"name": "a", "main": "index.js", "compatibility_date": "2025-01-01", "account_id": "x", "routes": []}`,
		want: []string{
			`1:71: info: "account_id" is ignored by isola (deploy only)`,
			`1:90: info: "routes" is ignored by isola (deploy only); isola serves every path`,
		},
	},
	{
		name:   "top-level-only key in env",
		config: `{"name": "a", "main": "index.js", "compatibility_date": "2025-01-01", "env": {"x": {"dev": {}}}}`,
		want:   []string{`1:85: warning: "env.x.dev" is only allowed at the top level; ignored`},
	},
	{
		name:   "unknown env",
		config: `{"name": "a", "main": "index.js", "compatibility_date": "2025-01-01", "env": {"b": {}, "a": {}}}`,
		env:    "c",
		want:   []string{` error: no environment "c" in the config (it has a, b)`},
	},
	{
		name:   "duplicate key",
		config: `{"name": "a", "name": "b", "main": "index.js", "compatibility_date": "2025-01-01"}`,
		want:   []string{`1:15: warning: duplicate key "name"; the last one wins`},
	},
	{
		name: "do binding without migrations",
		config: `{"name": "a", "main": "index.js", "compatibility_date": "2025-01-01",
 "durable_objects": {"bindings": [{"name": "C", "class_name": "Counter"}]}}`,
		want: []string{`2:63: warning: durable object binding "C": worker "a" has no migrations; add one with new_sqlite_classes ["Counter"]`},
	},
	{
		name: "do class deleted",
		config: `{"name": "a", "main": "index.js", "compatibility_date": "2025-01-01",
 "durable_objects": {"bindings": [{"name": "C", "class_name": "Counter"}]},
 "migrations": [{"tag": "v1", "new_sqlite_classes": ["Counter"]}, {"tag": "v2", "deleted_classes": ["Counter"]}]}`,
		want: []string{`2:63: error: durable object binding "C": class "Counter" does not exist in worker "a" after its migrations`},
	},
	{
		name: "rename then bind new name",
		config: `{"name": "a", "main": "index.js", "compatibility_date": "2025-01-01",
 "durable_objects": {"bindings": [{"name": "C", "class_name": "Counter2"}]},
 "migrations": [{"tag": "v1", "new_classes": ["Counter"]}, {"tag": "v2", "renamed_classes": [{"from": "Counter", "to": "Counter2"}]}]}`,
	},
	{
		name: "rename onto existing",
		config: `{"name": "a", "main": "index.js", "compatibility_date": "2025-01-01",
 "migrations": [{"tag": "v1", "new_classes": ["A", "B"]}, {"tag": "v2", "renamed_classes": [{"from": "A", "to": "B"}]}]}`,
		want: []string{`2:113: error: migration "v2": class "B" already exists`},
	},
	{
		name: "inline workers and services",
		config: `{"name": "a", "main": "index.js", "compatibility_date": "2025-01-01",
 "services": [{"binding": "B", "service": "b"}, {"binding": "X", "service": "x"}],
 "workers": [{"name": "b", "main": "index.js", "compatibility_date": "2025-01-01"}, {"name": "a", "main": "index.js", "compatibility_date": "2025-01-01"}]}`,
		want: []string{
			`2:49: warning: service "x" is not a worker in this config; calls through this binding will fail`,
			`3:94: error: worker name "a" is used twice`,
		},
	},
	{
		name:   "toml",
		config: "#toml\nname = \"a\"\nmain = \"index.js\"\ncompatibility_date = \"2025-01-01\"\n[triggers]\ncrons = [\"bad\"]\n",
		want:   []string{`6:10: error: "triggers.crons": invalid cron expression "bad": want 5 fields (minute hour day-of-month month day-of-week), got 1`},
	},
	{
		name:   "not an object",
		config: `["a"]`,
		want:   []string{`1:1: error: the top level must be an object, not an array`},
	},
}

func TestLoad(t *testing.T) {
	for _, tc := range loadCases {
		t.Run(tc.name, func(t *testing.T) {
			file := "wrangler.jsonc"
			if strings.HasPrefix(tc.config, "#toml") {
				file = "wrangler.toml"
			}
			dir := writeProject(t, map[string]string{file: tc.config, "index.js": "export default {}"})
			path := filepath.Join(dir, file)
			p, ds, err := LoadEnv(path, tc.env)
			got := messages(ds)
			for i := range got {
				got[i] = strings.ReplaceAll(got[i], dir, "$DIR")
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("LoadEnv(%q) diagnostics =\n%s\nwant\n%s", tc.config, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			hasErr := false
			for _, d := range ds {
				hasErr = hasErr || d.Severity == SeverityError
			}
			var cerr *Error
			if hasErr != errors.As(err, &cerr) {
				t.Errorf("LoadEnv(%q) error = %v; want an *Error iff an error diagnostic exists", tc.config, err)
			}
			if !hasErr && (p == nil || p.Main() == nil || p.Main().Main != filepath.Join(dir, "index.js")) {
				t.Errorf("LoadEnv(%q) main worker = %+v; want main %s", tc.config, p.Main(), filepath.Join(dir, "index.js"))
			}
		})
	}
}

func TestLoadEnvMerge(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"wrangler.jsonc": `{
  "name": "app", "main": "index.js", "compatibility_date": "2025-01-01",
  "vars": {"A": "top"}, "limits": {"cpu_ms": 100},
  "kv_namespaces": [{"binding": "KV"}],
  "env": {
    "prod": {"vars": {"A": "prod"}, "kv_namespaces": [{"binding": "KV", "id": "p"}]},
    "named": {"name": "custom", "compatibility_date": "2025-02-02", "vars": {}}
  }
}`,
		"index.js":        "",
		".dev.vars":       "S=dev",
		".dev.vars.prod":  "S=prod\nA=secret",
		".dev.vars.named": "",
	})
	path := filepath.Join(dir, "wrangler.jsonc")
	tests := []struct {
		env, wantName, wantDate string
		wantVars                map[string]any
		wantSecrets             []string
		wantKV                  int
		wantCPU                 int
		wantWarnings            int
	}{
		{"", "app", "2025-01-01", map[string]any{"A": "top", "S": "dev"}, []string{"S"}, 1, 100, 0},
		{"prod", "app-prod", "2025-01-01", map[string]any{"A": "secret", "S": "prod"}, []string{"A", "S"}, 1, 100, 0},
		{"named", "custom", "2025-02-02", map[string]any{}, nil, 0, 100, 1},
	}
	for _, tc := range tests {
		t.Run("env="+tc.env, func(t *testing.T) {
			p, ds, err := LoadEnv(path, tc.env)
			if err != nil {
				t.Fatalf("LoadEnv(%q) error: %v", tc.env, err)
			}
			w := p.Main()
			if w.Name != tc.wantName || w.CompatibilityDate != tc.wantDate || w.Limits.CPUMs != tc.wantCPU {
				t.Errorf("LoadEnv(%q) = name %q date %q cpu %d; want %q %q %d", tc.env, w.Name, w.CompatibilityDate, w.Limits.CPUMs, tc.wantName, tc.wantDate, tc.wantCPU)
			}
			if !reflect.DeepEqual(w.Vars, tc.wantVars) || !reflect.DeepEqual(w.Secrets, tc.wantSecrets) {
				t.Errorf("LoadEnv(%q) vars = %v secrets %v; want %v %v", tc.env, w.Vars, w.Secrets, tc.wantVars, tc.wantSecrets)
			}
			if len(w.KVNamespaces) != tc.wantKV {
				t.Errorf("LoadEnv(%q) kv_namespaces = %v; want %d", tc.env, w.KVNamespaces, tc.wantKV)
			}
			if len(ds) != tc.wantWarnings {
				t.Errorf("LoadEnv(%q) diagnostics = %v; want %d", tc.env, ds, tc.wantWarnings)
			}
		})
	}
}

func TestFromEntry(t *testing.T) {
	dir := writeProject(t, map[string]string{"My Worker.ts": "export default {}", "notes.txt": ""})
	p, err := FromEntry(filepath.Join(dir, "My Worker.ts"))
	if err != nil {
		t.Fatal(err)
	}
	w := p.Main()
	if w.Name != "my-worker" || w.CompatibilityDate != DefaultCompatibilityDate || w.Main != filepath.Join(dir, "My Worker.ts") || p.Dir != dir {
		t.Errorf("FromEntry = %+v in %q; want my-worker, %s", w, p.Dir, DefaultCompatibilityDate)
	}
	for _, bad := range []string{"notes.txt", "missing.js"} {
		if _, err := FromEntry(filepath.Join(dir, bad)); err == nil {
			t.Errorf("FromEntry(%q) = nil error; want an error", bad)
		}
	}
}

func TestDiagnosticString(t *testing.T) {
	tests := []struct {
		d    Diagnostic
		want string
	}{
		{Diagnostic{SeverityError, "w.jsonc", 3, 7, "bad"}, "w.jsonc:3:7: error: bad"},
		{Diagnostic{SeverityWarning, "w.toml", 2, 0, "hm"}, "w.toml:2: warning: hm"},
		{Diagnostic{SeverityInfo, "w.toml", 0, 0, "fyi"}, "w.toml: info: fyi"},
	}
	for _, tc := range tests {
		if got := tc.d.String(); got != tc.want {
			t.Errorf("%#v.String() = %q; want %q", tc.d, got, tc.want)
		}
	}
}
