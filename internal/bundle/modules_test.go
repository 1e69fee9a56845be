package bundle

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// buildModulesError runs BuildModules and returns the *Error it must fail
// with.
func buildModulesError(tb testing.TB, mods map[string]Module, main string, virtual map[string]string) *Error {
	tb.Helper()
	b, err := BuildModules(mods, main, virtual)
	if err == nil {
		tb.Fatalf("BuildModules(%q) succeeded; want error. Code:\n%s", main, b.Code)
	}
	var e *Error
	if !errors.As(err, &e) {
		tb.Fatalf("BuildModules(%q) error %T %v; want *Error", main, err, err)
	}
	return e
}

func TestBuildModules(t *testing.T) {
	mods := map[string]Module{
		"index.js": {Source: `import { DurableObject } from "cloudflare:workers";
import { twice } from "./lib/util.js";
import cfg from "./config.json";
import greeting from "/greeting.txt";
import blob from "lib/blob.bin";
import legacy from "./lib/legacy.cjs";
export class Room extends DurableObject {}
export default { fetch() { return new Response(greeting + twice(cfg.n) + blob.byteLength + legacy.v); } };
`},
		"lib/util.js":    {Source: `import { base } from "../base.js"; export const twice = (n) => base + n * 2;`},
		"base.js":        {Source: `export const base = 100;`},
		"config.json":    {Type: JSON, Source: `{"n": 21}`},
		"greeting.txt":   {Type: Text, Source: "hi "},
		"lib/blob.bin":   {Type: Data, Data: []byte{1, 2, 3}},
		"lib/legacy.cjs": {Type: CommonJS, Source: `module.exports = { v: "cjs" };`},
	}
	virtual := map[string]string{"cloudflare:workers": workersStub}
	b, err := BuildModules(mods, "index.js", virtual)
	if err != nil {
		t.Fatalf("BuildModules() = %v", err)
	}
	for _, w := range []string{"var __isola_entry = ", `"hi "`, `__toBinary("AQID")`, `v: "cjs"`, "Room: () => Room", "base + n * 2"} {
		if !strings.Contains(b.Code, w) {
			t.Errorf("BuildModules().Code does not contain %q. Code:\n%s", w, b.Code)
		}
	}
	if len(b.Inputs) != 0 {
		t.Errorf("BuildModules().Inputs = %q; want none", b.Inputs)
	}
	line, col := position(t, b.Code, "base + n * 2")
	if file, ol, _, ok := b.Map(line, col); !ok || file != "lib/util.js" || ol != 1 {
		t.Errorf("Map(%d, %d) = %q, %d, %v; want lib/util.js, 1, true", line, col, file, ol, ok)
	}

	if node, err := exec.LookPath("node"); err == nil {
		script := b.Code + `
globalThis.Response = class { constructor(b) { this.body = b; } };
console.log(__isola_entry.default.fetch().body);`
		out, err := exec.Command(node, "-e", script).CombinedOutput()
		if err != nil {
			t.Fatalf("node: %v\n%s", err, out)
		}
		if got, want := strings.TrimSpace(string(out)), "hi 1423cjs"; got != want {
			t.Errorf("node printed %q; want %q", got, want)
		}
	}
}

func TestBuildModulesErrors(t *testing.T) {
	tests := []struct {
		name    string
		mods    map[string]Module
		main    string
		virtual map[string]string
		want    []Message
	}{
		{
			name: "missing import",
			mods: map[string]Module{"index.js": {Source: `import { nope } from "./lib/missing.js"; export default nope;`}},
			main: "index.js",
			want: []Message{{File: "index.js", Line: 1, Col: 22, Text: `no such module "lib/missing.js" imported from "index.js"`}},
		},
		{
			name: "no extension guessing",
			mods: map[string]Module{
				"index.js":    {Source: "\nimport './util';"},
				"util.js":     {Source: ""},
				"src/main.js": {Source: ""},
			},
			main: "index.js",
			want: []Message{{File: "index.js", Line: 2, Col: 8, Text: `no such module "util"`}},
		},
		{
			name: "syntax error",
			mods: map[string]Module{"index.js": {Source: `export default { fetch() { return new Response("x") +; } };`}},
			main: "index.js",
			want: []Message{{File: "index.js", Line: 1, Col: 54, Text: `Unexpected ";"`}},
		},
		{
			name: "errors in two modules",
			mods: map[string]Module{
				"index.js":  {Source: "import './a.js';\nimport './sub/b.js';\n"},
				"a.js":      {Source: "let x = ;"},
				"sub/b.js":  {Source: "import '../c.js';\nimport 'node:fs';"},
				"c.js":      {Source: "export {};"},
				"other.txt": {Type: Text, Source: "unused"},
			},
			main: "index.js",
			want: []Message{
				{File: "a.js", Line: 1, Col: 9, Text: `Unexpected ";"`},
				{File: "sub/b.js", Line: 2, Col: 8, Text: "node:fs is not supported by isola"},
			},
		},
		{
			name: "no node_modules",
			mods: map[string]Module{"index.js": {Source: `import x from "lodash";`}},
			main: "index.js",
			want: []Message{{File: "index.js", Line: 1, Col: 15, Text: `no such module "lodash"`}},
		},
		{
			name: "main missing",
			mods: map[string]Module{"index.js": {}},
			main: "main.js",
			want: []Message{{Text: `main module "main.js"`}},
		},
		{
			name: "bad module type",
			mods: map[string]Module{"index.js": {Type: 42}},
			main: "index.js",
			want: []Message{{File: "index.js", Text: "unknown module type 42"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := buildModulesError(t, tt.mods, tt.main, tt.virtual)
			checkMessages(t, e, tt.want)
		})
	}
}

func TestCleanModuleName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"index.js", "index.js"},
		{"/index.js", "index.js"},
		{"./lib/../lib/util.js", "lib/util.js"},
		{"../../escape.js", "escape.js"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := CleanModuleName(tt.in); got != tt.want {
				t.Errorf("CleanModuleName(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestModuleTypeString(t *testing.T) {
	tests := []struct {
		t    ModuleType
		want string
	}{
		{ESModule, "js"}, {CommonJS, "cjs"}, {Text, "text"}, {Data, "data"}, {JSON, "json"}, {9, "ModuleType(9)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.t.String(); got != tt.want {
				t.Errorf("ModuleType(%d).String() = %q; want %q", int(tt.t), got, tt.want)
			}
		})
	}
}
