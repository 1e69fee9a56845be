package bundle

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// workersStub is a stand-in for the real cloudflare:workers module.
const workersStub = `export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }
export class WorkerEntrypoint {}
`

// writeProject writes files (slash-separated paths relative to the root) to
// a fresh temporary directory and returns it.
func writeProject(tb testing.TB, files map[string]string) string {
	tb.Helper()
	dir := tb.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// mustBuild builds opts and fails the test on error.
func mustBuild(tb testing.TB, opts Options) *Bundle {
	tb.Helper()
	b, err := Build(opts)
	if err != nil {
		tb.Fatalf("Build(%q) = %v", opts.Entry, err)
	}
	return b
}

// buildError builds opts and returns the *Error it must fail with.
func buildError(tb testing.TB, opts Options) *Error {
	tb.Helper()
	b, err := Build(opts)
	if err == nil {
		tb.Fatalf("Build(%q) succeeded; want error. Code:\n%s", opts.Entry, b.Code)
	}
	var e *Error
	if !errors.As(err, &e) {
		tb.Fatalf("Build(%q) error %T %v; want *Error", opts.Entry, err, err)
	}
	return e
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		entry   string
		opts    Options
		want    []string // substrings of Code
		notWant []string
	}{
		{
			name: "typescript",
			files: map[string]string{"src/index.ts": `
interface Env { GREETING: string }
type Handler = (req: Request, env: Env) => Promise<Response>;
const fetch: Handler = async (req, env) => new Response(env.GREETING as string);
export default { fetch } satisfies ExportedHandler<Env>;
`},
			entry:   "src/index.ts",
			want:    []string{"var __isola_entry = ", "new Response(env.GREETING)", `default: () => index_default`},
			notWant: []string{"interface", "satisfies", ": string"},
		},
		{
			name: "jsx classic",
			files: map[string]string{"src/index.jsx": `
export default { fetch() { return new Response(String(<div id="a">hi</div>)); } };
`},
			entry: "src/index.jsx",
			want:  []string{`React.createElement("div", { id: "a" }, "hi")`},
		},
		{
			name: "jsx factory from tsconfig",
			files: map[string]string{
				"tsconfig.json": `{"compilerOptions": {"jsx": "react", "jsxFactory": "h", "jsxFragmentFactory": "Frag"}}`,
				"src/index.tsx": `
import { h, Frag } from "./h";
export default { fetch() { return new Response(String(<><p>x</p></>)); } };
`,
				"src/h.ts": `export const h = (t: string, ...c: unknown[]) => t; export const Frag = "frag";`,
			},
			entry:   "src/index.tsx",
			want:    []string{`h(Frag, null, /* @__PURE__ */ h("p", null, "x"))`},
			notWant: []string{"React.createElement"},
		},
		{
			name: "jsx in .js like wrangler",
			files: map[string]string{"index.js": `
const React = { createElement: (...a) => a };
export default { fetch() { return new Response(String(<b/>)); } };
`},
			entry: "index.js",
			want:  []string{`React.createElement("b", null)`},
		},
		{
			name: "multi-file esm",
			files: map[string]string{
				"src/index.ts":     `import { greet } from "./lib/greet"; import * as math from "./lib/math.js"; export default { fetch() { return new Response(greet("w") + math.twice(2)); } }; export { greet };`,
				"src/lib/greet.ts": `import { twice } from "./math"; export function greet(n: string) { return "hello " + n + twice(1); }`,
				"src/lib/math.ts":  `export const twice = (n: number) => n * 2;`,
			},
			entry: "src/index.ts",
			want:  []string{"// src/lib/greet.ts", "// src/lib/math.ts", `return "hello " + n + twice(1)`, "greet: () => greet"},
		},
		{
			name: "exports conditions pick workerd",
			files: map[string]string{
				"node_modules/pkg/package.json": `{"name": "pkg", "main": "./main.js", "module": "./module.js",
  "exports": {".": {"node": "./node.js", "workerd": "./workerd.js", "worker": "./worker.js", "browser": "./browser.js", "import": "./import.js", "default": "./main.js"}}}`,
				"node_modules/pkg/node.js":    `export const where = "from-node";`,
				"node_modules/pkg/workerd.js": `export const where = "from-workerd";`,
				"node_modules/pkg/worker.js":  `export const where = "from-worker";`,
				"node_modules/pkg/browser.js": `export const where = "from-browser";`,
				"node_modules/pkg/import.js":  `export const where = "from-import";`,
				"node_modules/pkg/main.js":    `export const where = "from-main";`,
				"index.ts":                    `import { where } from "pkg"; export default { fetch() { return new Response(where); } };`,
			},
			entry:   "index.ts",
			want:    []string{`"from-workerd"`},
			notWant: []string{"from-node", "from-worker\"", "from-browser", "from-import", "from-main"},
		},
		{
			name: "main fields prefer browser then module",
			files: map[string]string{
				"node_modules/old/package.json": `{"name": "old", "main": "./main.js", "module": "./module.js"}`,
				"node_modules/old/main.js":      `module.exports = "from-main";`,
				"node_modules/old/module.js":    `export default "from-module";`,
				"index.ts":                      `import v from "old"; export default { fetch() { return new Response(v); } };`,
			},
			entry:   "index.ts",
			want:    []string{`"from-module"`},
			notWant: []string{"from-main"},
		},
		{
			name: "text module",
			files: map[string]string{
				"src/index.ts":     `import page from "./page.html"; import note from "../notes/a.txt"; export default { fetch() { return new Response(page + note); } };`,
				"src/page.html":    "<h1>hi</h1>\n",
				"notes/a.txt":      "plain text",
				"src/globals.d.ts": `declare module "*.html" { const s: string; export default s; }`,
			},
			entry: "src/index.ts",
			want:  []string{`"<h1>hi</h1>\n"`, `"plain text"`},
		},
		{
			name: "data module is an ArrayBuffer",
			files: map[string]string{
				"index.js": `import blob from "./blob.bin"; export default { fetch() { return new Response(blob); } };`,
				"blob.bin": "abc",
			},
			entry: "index.js",
			want:  []string{`__toBinary("YWJj")`, ".buffer.slice("},
		},
		{
			name: "custom rules",
			files: map[string]string{
				"index.js":       `import md from "./docs/readme.md"; import raw from "./a.dat"; import t from "./x.txt"; export default { md, raw, t };`,
				"docs/readme.md": "# title",
				"a.dat":          "xyz",
				"x.txt":          "still text",
			},
			entry: "index.js",
			opts: Options{Rules: []Rule{
				{Type: RuleText, Globs: []string{"docs/**/*.md"}, Fallthrough: true},
				{Type: RuleData, Globs: []string{"*.dat"}},
			}},
			want: []string{`"# title"`, `__toBinary("eHl6")`, `"still text"`},
		},
		{
			name: "virtual cloudflare:workers",
			files: map[string]string{"src/index.ts": `
import { DurableObject, WorkerEntrypoint } from "cloudflare:workers";
export class Counter extends DurableObject { n = 0; }
export class Api extends WorkerEntrypoint { hi() { return "hi"; } }
export default { fetch() { return new Response("ok"); } };
`},
			entry: "src/index.ts",
			opts:  Options{Virtual: map[string]string{"cloudflare:workers": workersStub}},
			want:  []string{"// isola-virtual:cloudflare:workers", "Counter: () => Counter", "Api: () => Api", `__name(this, "Counter")`},
		},
		{
			name: "virtual bare name shadows node_modules",
			files: map[string]string{
				"node_modules/agents/package.json": `{"name": "agents", "main": "index.js"}`,
				"node_modules/agents/index.js":     `export const from = "npm";`,
				"index.js":                         `import { from } from "agents"; export default { from };`,
			},
			entry:   "index.js",
			opts:    Options{Virtual: map[string]string{"agents": `export const from = "virtual";`}},
			want:    []string{`"virtual"`},
			notWant: []string{`"npm"`},
		},
		{
			name:  "define and default NODE_ENV",
			files: map[string]string{"index.js": `export default { env: process.env.NODE_ENV, v: __VERSION__ };`},
			entry: "index.js",
			opts:  Options{Define: map[string]string{"__VERSION__": `"1.2.3"`}},
			want:  []string{`env: "production"`, `v: "1.2.3"`},
		},
		{
			name:    "minify keeps the global and class names",
			files:   map[string]string{"index.ts": `export class LongClassName { method() { return 1; } } export default { fetch() { return new Response("x"); } };`},
			entry:   "index.ts",
			opts:    Options{Minify: true},
			want:    []string{"var __isola_entry=", `"LongClassName"`},
			notWant: []string{"\n  "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Dir = writeProject(t, tt.files)
			opts.Entry = tt.entry
			b := mustBuild(t, opts)
			for _, w := range tt.want {
				if !strings.Contains(b.Code, w) {
					t.Errorf("Build(%q).Code does not contain %q. Code:\n%s", tt.entry, w, b.Code)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(b.Code, w) {
					t.Errorf("Build(%q).Code contains %q. Code:\n%s", tt.entry, w, b.Code)
				}
			}
			if len(b.Hash) != 64 {
				t.Errorf("Build(%q).Hash = %q; want 64 hex digits", tt.entry, b.Hash)
			}
			if len(b.SourceMap) == 0 {
				t.Errorf("Build(%q).SourceMap is empty", tt.entry)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		entry string
		opts  Options
		want  []Message // Text is a substring of the message's text
	}{
		{
			name:  "syntax error",
			files: map[string]string{"src/index.ts": "export default {\n  fetch() { return 1 +; }\n};\n"},
			entry: "src/index.ts",
			want:  []Message{{File: "src/index.ts", Line: 2, Col: 23, Text: `Unexpected ";"`}},
		},
		{
			name: "two errors in two files",
			files: map[string]string{
				"index.ts": "import './a';\nimport './b';\n",
				"a.ts":     "const x = ;\n",
				"b.ts":     "\n\nfunction (){}\n",
			},
			entry: "index.ts",
			want: []Message{
				{File: "a.ts", Line: 1, Col: 11, Text: `Unexpected ";"`},
				{File: "b.ts", Line: 3, Col: 10, Text: `Expected identifier but found "("`},
			},
		},
		{
			name:  "missing import",
			files: map[string]string{"src/index.ts": "import { x } from './nope';\nexport default x;\n"},
			entry: "src/index.ts",
			want:  []Message{{File: "src/index.ts", Line: 1, Col: 19, Text: `Could not resolve "./nope"`}},
		},
		{
			name:  "missing entry",
			files: map[string]string{"index.ts": ""},
			entry: "src/worker.ts",
			want:  []Message{{Text: "Could not resolve"}},
		},
		{
			name:  "node builtin",
			files: map[string]string{"index.js": "import { readFileSync } from 'node:fs';\nexport default readFileSync;\n"},
			entry: "index.js",
			want:  []Message{{File: "index.js", Line: 1, Col: 30, Text: "node:fs is not supported by isola"}},
		},
		{
			name:  "unknown cloudflare module",
			files: map[string]string{"index.js": "import { connect } from \"cloudflare:sockets\";\nexport default connect;\n"},
			entry: "index.js",
			opts:  Options{Virtual: map[string]string{"cloudflare:workers": workersStub}},
			want:  []Message{{File: "index.js", Line: 1, Col: 25, Text: "cloudflare:sockets is not supported by isola"}},
		},
		{
			name: "top-level await",
			files: map[string]string{
				"index.ts": "import { v } from './cfg';\nexport default { v };\n",
				"cfg.ts":   "export const v = 1;\nconst r = await Promise.resolve(2);\n",
			},
			entry: "index.ts",
			want:  []Message{{File: "cfg.ts", Line: 2, Col: 11, Text: "Top-level await"}},
		},
		{
			name:  "wasm not supported yet",
			files: map[string]string{"index.js": "import mod from './add.wasm';\nexport default mod;\n", "add.wasm": "\x00asm"},
			entry: "index.js",
			want:  []Message{{File: "index.js", Line: 1, Col: 17, Text: "not supported by isola yet"}},
		},
		{
			name:  "bad rule type",
			files: map[string]string{"index.js": ""},
			entry: "index.js",
			opts:  Options{Rules: []Rule{{Type: "Python", Globs: []string{"*.py"}}}},
			want:  []Message{{Text: `rule type "Python"`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Dir = writeProject(t, tt.files)
			opts.Entry = tt.entry
			e := buildError(t, opts)
			checkMessages(t, e, tt.want)
		})
	}
}

// checkMessages compares got's messages with want, where want's Text is a
// substring.
func checkMessages(tb testing.TB, got *Error, want []Message) {
	tb.Helper()
	if len(got.Messages) != len(want) {
		tb.Fatalf("error has %d messages; want %d:\n%v", len(got.Messages), len(want), got)
	}
	for i, w := range want {
		g := got.Messages[i]
		if g.File != w.File || g.Line != w.Line || g.Col != w.Col || !strings.Contains(g.Text, w.Text) {
			tb.Errorf("message %d = %v; want %v", i, g, w)
		}
	}
	for _, m := range got.Messages {
		if m.File != "" && !strings.Contains(got.Error(), m.File+":") {
			tb.Errorf("Error() = %q; want it to name %s", got.Error(), m.File)
		}
	}
}

func TestBuildInputs(t *testing.T) {
	files := map[string]string{
		"src/index.ts":                  `import t from "./a.txt"; import d from "./b.bin"; import { x } from "pkg"; export default { t, d, x };`,
		"src/a.txt":                     "a",
		"src/b.bin":                     "b",
		"node_modules/pkg/package.json": `{"name": "pkg", "main": "i.js"}`,
		"node_modules/pkg/i.js":         `export const x = 1;`,
	}
	dir := writeProject(t, files)
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		filepath.Join(dir, "node_modules/pkg/i.js"),
		filepath.Join(dir, "src/a.txt"),
		filepath.Join(dir, "src/b.bin"),
		filepath.Join(dir, "src/index.ts"),
	}
	b := mustBuild(t, Options{Dir: dir, Entry: "src/index.ts"})
	if !slices.Equal(b.Inputs, want) {
		t.Errorf("Build().Inputs = %q; want %q", b.Inputs, want)
	}

	// A failed build still reports what it read, for the file watcher.
	if err := os.WriteFile(filepath.Join(dir, "src/a.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src/index.ts"), []byte("import './a.txt';\nexport default {;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := buildError(t, Options{Dir: dir, Entry: "src/index.ts"})
	if !slices.Contains(e.Inputs, filepath.Join(dir, "src/index.ts")) {
		t.Errorf("Error.Inputs = %q; want it to hold src/index.ts", e.Inputs)
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"located", &Error{Messages: []Message{{File: "src/a.ts", Line: 3, Col: 7, Text: "boom"}, {File: "b.ts", Line: 1, Col: 1, Text: "bang"}}},
			"src/a.ts:3:7: error: boom\nb.ts:1:1: error: bang"},
		{"file only", &Error{Messages: []Message{{File: "index.js", Text: "unknown module type 9"}}}, "index.js: error: unknown module type 9"},
		{"no location", &Error{Messages: []Message{{Text: "no entry module"}}}, "bundle: error: no entry module"},
		{"empty", &Error{}, "bundle: build failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestBuildOptionsErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no dir", Options{Entry: "index.js"}, "no project directory"},
		{"no entry", Options{Dir: "."}, "no entry module"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := buildError(t, tt.opts)
			if !strings.Contains(e.Error(), tt.want) {
				t.Errorf("Build(%+v) = %v; want %q", tt.opts, e, tt.want)
			}
		})
	}
}

// TestBuildEvalNode runs a bundle under node, when it is installed, to check
// the output contract: the global, exports, and Data as ArrayBuffer.
func TestBuildEvalNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	dir := writeProject(t, map[string]string{
		"src/index.ts": `
import { DurableObject } from "cloudflare:workers";
import { where } from "pkg";
import bytes from "./b.bin";
import text from "./t.txt";
export class Room extends DurableObject {}
export default { where, bytes, text };
`,
		"src/b.bin":                     "\x01\x02\x03",
		"src/t.txt":                     "héllo",
		"node_modules/pkg/package.json": `{"name": "pkg", "exports": {"node": "./n.js", "workerd": "./w.js", "default": "./d.js"}}`,
		"node_modules/pkg/n.js":         `export const where = "node";`,
		"node_modules/pkg/w.js":         `export const where = "workerd";`,
		"node_modules/pkg/d.js":         `export const where = "default";`,
	})
	b := mustBuild(t, Options{Dir: dir, Entry: "src/index.ts", Virtual: map[string]string{"cloudflare:workers": workersStub}})
	script := b.Code + `
const e = __isola_entry, d = e.default;
console.log(JSON.stringify([typeof e.Room, e.Room.name, d.where, d.bytes instanceof ArrayBuffer, d.bytes.byteLength, [...new Uint8Array(d.bytes)], d.text]));
`
	out, err := exec.Command(node, "-e", script).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	want := `["function","Room","workerd",true,3,[1,2,3],"héllo"]`
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("node printed %s; want %s", got, want)
	}
}

func TestBuildWarnings(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"src/index.js": "export default {\n  a: 1,\n  a: 2,\n  fetch() { return typeof x == 'undefined' }\n};\n",
	})
	b := mustBuild(t, Options{Dir: dir, Entry: "src/index.js"})
	want := Message{File: "src/index.js", Line: 3, Col: 3, Text: `Duplicate key "a" in object literal`}
	if len(b.Warnings) == 0 || b.Warnings[0] != want {
		t.Errorf("Build().Warnings = %v; want [%v]", b.Warnings, want)
	}
}

func TestBuildIsStrict(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.js"), []byte("export default {};\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := Build(Options{Dir: dir, Entry: "index.js"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.Code, `"use strict";`) {
		t.Errorf("bundle does not start with \"use strict\": %.40q", b.Code)
	}
}
