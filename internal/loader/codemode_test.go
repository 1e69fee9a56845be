package loader_test

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCodemodePackage runs the real @cloudflare/codemode package's
// DynamicWorkerExecutor on isola's loader, unchanged
// (testdata/codemode-pkg imports it from the repo root's node_modules).
func TestCodemodePackage(t *testing.T) {
	if _, err := os.Stat(filepath.Join("..", "..", "node_modules", "@cloudflare", "codemode", "package.json")); err != nil {
		t.Skip("@cloudflare/codemode is not installed (run npm ci at the repo root)")
	}
	url := serve(t, filepath.Join("testdata", "codemode-pkg"))
	tests := []struct {
		name, code, want string
	}{
		{"tool calls", "async () => {\n  const w = await codemode.getWeather({ city: \"Oslo\" });\n  console.log(\"got\", w.tempC);\n  return codemode.add(w.tempC, 38);\n}",
			`{"result":42,"logs":["got 4"]}`},
		{"tool error", `async () => { await codemode.fail(); }`, `{"error":"tool failed","logs":[]}`},
		{"unknown tool", `async () => codemode.nope()`, `{"error":"Tool \"nope\" not found","logs":[]}`},
		{"binary result", `async () => Array.from(await codemode.bytes())`, `{"result":[1,2,3],"logs":[]}`},
		{"no network", `async () => { await fetch("https://example.com/"); }`,
			`{"error":"This worker is not permitted to access the internet via global functions like fetch(). It must use capabilities (such as bindings in 'env') to talk to the outside world.","logs":[]}`},
		{"timeout", `async () => { await new Promise(() => {}); }`, `{"error":"Execution timed out","logs":[]}`},
		{"bare expression", `1 + 2`, `{"result":3,"logs":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := post(t, url, tt.code)
			if st != 200 || !jsonEqual(body, tt.want) {
				t.Errorf("execute(%q) = %d %s; want 200 %s", tt.code, st, body, tt.want)
			}
		})
	}
}
