package bundle

import (
	"strconv"
	"strings"
	"sync"
	"testing"
)

// twoFileProject is a TypeScript project whose marker strings sit at known
// original positions.
var twoFileProject = map[string]string{
	"src/index.ts": `import { helper } from "./lib/helper";

interface Env { NAME: string }

export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    const v: string = helper(env.NAME);
    throw new Error("marker-index " + v);
  },
};
`,
	"src/lib/helper.ts": `// a comment line
export function helper(name: string): string {
  if (!name) {
    return "marker-helper-empty";
  }
  return "marker-helper " + name;
}
`,
}

// position returns the 1-based line and column of the first occurrence of
// needle in code.
func position(tb testing.TB, code, needle string) (line, col int) {
	tb.Helper()
	i := strings.Index(code, needle)
	if i < 0 {
		tb.Fatalf("%q not found in code:\n%s", needle, code)
	}
	before := code[:i]
	line = strings.Count(before, "\n") + 1
	col = i - (strings.LastIndex(before, "\n") + 1) + 1
	return line, col
}

func TestMap(t *testing.T) {
	for _, minify := range []bool{false, true} {
		name := "plain"
		if minify {
			name = "minified"
		}
		t.Run(name, func(t *testing.T) {
			b := mustBuild(t, Options{Dir: writeProject(t, twoFileProject), Entry: "src/index.ts", Minify: minify})
			tests := []struct {
				needle string
				file   string
				line   int
				col    int // 0: don't check
			}{
				{needle: `"marker-index "`, file: "src/index.ts", line: 8, col: 21},
				{needle: `"marker-helper-empty"`, file: "src/lib/helper.ts", line: 4},
				{needle: `"marker-helper "`, file: "src/lib/helper.ts", line: 6},
			}
			for _, tt := range tests {
				line, col := position(t, b.Code, tt.needle)
				file, ol, oc, ok := b.Map(line, col)
				if !ok || file != tt.file || ol != tt.line || (tt.col != 0 && oc != tt.col) {
					t.Errorf("Map(%d, %d) [%s] = %q, %d, %d, %v; want %q, %d, %d, true",
						line, col, tt.needle, file, ol, oc, ok, tt.file, tt.line, tt.col)
				}
				// The start of the line maps to the same original line.
				if file, ol, _, ok := b.Map(line, 0); !minify && (!ok || file != tt.file || ol != tt.line) {
					t.Errorf("Map(%d, 0) [%s] = %q, %d, %v; want %q, %d", line, tt.needle, file, ol, ok, tt.file, tt.line)
				}
			}
			if _, _, _, ok := b.Map(1<<20, 1); ok {
				t.Errorf("Map(1<<20, 1) ok; want not ok past the end")
			}
		})
	}
}

func TestRewriteStack(t *testing.T) {
	b := mustBuild(t, Options{Dir: writeProject(t, twoFileProject), Entry: "src/index.ts"})
	il, ic := position(t, b.Code, `"marker-index "`)
	hl, hc := position(t, b.Code, `"marker-helper "`)
	loc := func(l, c int) string { return strconv.Itoa(l) + ":" + strconv.Itoa(c) }

	tests := []struct {
		name  string
		stack string
		want  string
	}{
		{
			name:  "named and anonymous frames",
			stack: "Error: marker-index x\n    at helper (worker.js:" + loc(hl, hc) + ")\n    at worker.js:" + loc(il, ic) + "\n    at <eval> (other.js:1:1)\n",
			want:  "Error: marker-index x\n    at helper (src/lib/helper.ts:6:10)\n    at src/index.ts:8:21\n    at <eval> (other.js:1:1)\n",
		},
		{
			name:  "line without column",
			stack: "    at fetch (worker.js:" + strconv.Itoa(il) + ")",
			want:  "    at fetch (src/index.ts:8:",
		},
		{
			name:  "other script with a similar name",
			stack: "    at f (myworker.js:" + loc(il, ic) + ")",
			want:  "    at f (myworker.js:" + loc(il, ic) + ")",
		},
		{
			name:  "unmapped line",
			stack: "    at f (worker.js:999999:1)",
			want:  "    at f (worker.js:999999:1)",
		},
		{
			name:  "not a frame",
			stack: "worker.js:" + loc(il, ic) + " said hi",
			want:  "worker.js:" + loc(il, ic) + " said hi",
		},
		{
			name:  "no number",
			stack: "    at f (worker.js:abc)",
			want:  "    at f (worker.js:abc)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := b.RewriteStack(tt.stack, "worker.js")
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("RewriteStack(%q) = %q; want %q", tt.stack, got, tt.want)
			}
		})
	}
}

func TestParseSourceMap(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		wantErr string
		line    int // 0-based lookup
		col     int
		want    segment
		wantOK  bool
	}{
		{
			name: "two lines",
			json: `{"version":3,"sources":["a.ts","isola-mod:b.js"],"mappings":"AAAA,IAAI;ACCA"}`,
			line: 0, col: 5,
			want:   segment{genCol: 4, src: 0, line: 0, col: 4},
			wantOK: true,
		},
		{
			name: "second source",
			json: `{"version":3,"sources":["a.ts","isola-mod:b.js"],"mappings":"AAAA,IAAI;ACCA"}`,
			line: 1, col: 0,
			want:   segment{genCol: 0, src: 1, line: 1, col: 4},
			wantOK: true,
		},
		{
			name: "unmapped segment only",
			json: `{"version":3,"sources":[],"mappings":"A"}`,
			line: 0, col: 3,
		},
		{name: "bad version", json: `{"version":2}`, wantErr: "version 2"},
		{name: "bad json", json: `{`, wantErr: "source map"},
		{name: "bad base64", json: `{"version":3,"sources":["a"],"mappings":"A!AA"}`, wantErr: "invalid base64"},
		{name: "truncated", json: `{"version":3,"sources":["a"],"mappings":"AAAg"}`, wantErr: "truncated"},
		{name: "source out of range", json: `{"version":3,"sources":["a"],"mappings":"ACAA"}`, wantErr: "out of range"},
		{name: "three fields", json: `{"version":3,"sources":["a"],"mappings":"AAA"}`, wantErr: "3 fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sm, err := parseSourceMap([]byte(tt.json))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseSourceMap(%s) error = %v; want %q", tt.json, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseSourceMap(%s) = %v", tt.json, err)
			}
			got, ok := sm.lookup(tt.line, tt.col)
			if ok != tt.wantOK || got != tt.want {
				t.Errorf("lookup(%d, %d) = %+v, %v; want %+v, %v", tt.line, tt.col, got, ok, tt.want, tt.wantOK)
			}
			if len(sm.sources) > 1 && sm.sources[1] != "b.js" {
				t.Errorf("sources[1] = %q; want namespace stripped", sm.sources[1])
			}
		})
	}
}

func FuzzParseSourceMap(f *testing.F) {
	f.Add([]byte(`{"version":3,"sources":["a.ts"],"mappings":"AAAA,IAAI;ACCA"}`))
	f.Add([]byte(`{"version":3,"sources":["a","b"],"mappings":";;gBAAgB,CAAC,+B"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sm, err := parseSourceMap(data)
		if err != nil {
			return
		}
		for l := range sm.lines {
			if seg, ok := sm.lookup(l, 10); ok && (seg.src < 0 || int(seg.src) >= len(sm.sources)) {
				t.Fatalf("lookup(%d, 10) = %+v with %d sources", l, seg, len(sm.sources))
			}
		}
	})
}

func FuzzRewriteStack(f *testing.F) {
	b := mustBuild(f, Options{Dir: writeProject(f, twoFileProject), Entry: "src/index.ts"})
	f.Add("Error: x\n    at helper (worker.js:30:10)\n    at worker.js:41:5")
	f.Add("    at f (worker.js:1)")
	f.Add("    at (worker.js:")
	f.Fuzz(func(t *testing.T, stack string) {
		got := b.RewriteStack(stack, "worker.js")
		if strings.Count(got, "\n") != strings.Count(stack, "\n") {
			t.Fatalf("RewriteStack(%q) = %q; line count changed", stack, got)
		}
	})
}

func TestRewriteStack_hammer(t *testing.T) {
	b := mustBuild(t, Options{Dir: writeProject(t, twoFileProject), Entry: "src/index.ts"})
	il, ic := position(t, b.Code, `"marker-index "`)
	stack := "    at fetch (worker.js:" + strconv.Itoa(il) + ":" + strconv.Itoa(ic) + ")"
	const want = "    at fetch (src/index.ts:8:21)"
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if got := b.RewriteStack(stack, "worker.js"); got != want {
					errs <- got
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		t.Errorf("RewriteStack(%q) = %q; want %q", stack, got, want)
	}
}
