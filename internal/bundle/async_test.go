package bundle

import (
	"strings"
	"testing"
)

// TestBuildAsyncContext: a bundle that imports node:async_hooks has its
// async functions lowered (so that AsyncLocalStorage can follow await) and
// the AsyncFunction idiom replaced; other bundles keep native async.
func TestBuildAsyncContext(t *testing.T) {
	virtual := map[string]string{"node:async_hooks": "export class AsyncLocalStorage {}"}
	tests := []struct {
		name       string
		src        string
		wantLower  bool
		wantNative bool
	}{
		{
			name:       "imports async_hooks",
			src:        "import { AsyncLocalStorage } from \"node:async_hooks\";\nconst AF = Object.getPrototypeOf(async () => {}).constructor;\nexport async function f() { await 1; return new AsyncLocalStorage() instanceof AF; }\n",
			wantLower:  true,
			wantNative: false,
		},
		{
			name:       "no async_hooks",
			src:        "export async function f() { await 1; }\n",
			wantLower:  false,
			wantNative: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeProject(t, map[string]string{"index.js": tt.src})
			b := mustBuild(t, Options{Dir: dir, Entry: "index.js", Virtual: virtual})
			if got := strings.Contains(b.Code, "__async("); got != tt.wantLower {
				t.Errorf("lowered = %v; want %v. Code:\n%s", got, tt.wantLower, b.Code)
			}
			if got := strings.Contains(b.Code, "async function f"); got != tt.wantNative {
				t.Errorf("native async = %v; want %v", got, tt.wantNative)
			}
			if tt.wantLower && !strings.Contains(b.Code, `Symbol.for("isola.AsyncFunction")`) {
				t.Errorf("the AsyncFunction idiom was not replaced. Code:\n%s", b.Code)
			}
		})
	}
}
