package loader

import (
	"strings"
	"testing"
)

// In isolate mode, a WorkerCode of ES modules only runs on QuickJS's own
// module system, without esbuild; everything else is bundled. Top-level
// await tells the two apart: esbuild cannot put it in the script it makes.
func TestNativeModules(t *testing.T) {
	p := newParent(t, rawParent, Options{})
	tests := []struct {
		name string
		mods map[string]any
		want string
	}{
		{"top-level await (native)", map[string]any{
			"index.js": "const n = await Promise.resolve(41);\nexport default { fetch() { return new Response(String(n + 1)); } };",
		}, "42"},
		{"modules import each other (native)", map[string]any{
			"index.js":     "import { twice } from './lib/math.js';\nimport label from \"./lib/label.js\";\nawait 0;\nexport default { fetch() { return new Response(label + twice(21)); } };",
			"lib/math.js":  "export const twice = (x) => x * 2;",
			"lib/label.js": "import { twice } from './math.js';\nexport default 'n=' + (twice(0) === 0 ? '' : 'bad');",
		}, "n=42"},
		{"module scope as in workerd (native)", map[string]any{
			"index.js": "await 0;\nconst top = this;\nexport default { fetch() { return new Response(typeof require + ' ' + typeof top); } };",
		}, "undefined undefined"},
		{"a virtual module is bundled", map[string]any{
			"index.js": "import { WorkerEntrypoint } from 'cloudflare:workers';\nexport default class extends WorkerEntrypoint { fetch() { return new Response('bundled ' + typeof this.env); } };",
		}, "bundled object"},
		{"cloudflare:workers on the sandbox bundle", map[string]any{
			"index.js": "import { DurableObject, WorkerEntrypoint, RpcTarget, env } from 'cloudflare:workers';\nclass Room extends DurableObject {}\nexport default { fetch() { return new Response([typeof Room, typeof WorkerEntrypoint, typeof RpcTarget, typeof env].join(' ')); } };",
		}, "function function function object"},
		{"a text module is bundled", map[string]any{
			"index.js": "import t from './t.txt';\nexport default { fetch() { return new Response(t); } };",
			"t.txt":    map[string]any{"text": "from text"},
		}, "from text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, p, map[string]any{"code": code(tt.mods)})
			if got.Outcome != "response" || got.Body != tt.want {
				t.Errorf("got %+v; want the response %q", got, tt.want)
			}
		})
	}
	// A module that rejects its top-level await fails the start.
	got := run(t, p, map[string]any{"code": jsCode("await Promise.reject(new RangeError('later'));\nexport default {};")})
	if got.Outcome != "threw" || !strings.HasPrefix(got.Message, "Failed to start Worker:\nUncaught RangeError: later") {
		t.Errorf("rejected top-level await: got %+v; want a start error naming RangeError: later", got)
	}
}
