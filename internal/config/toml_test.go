package config

import (
	"reflect"
	"testing"
)

// tomlCases are valid TOML documents with the value they parse to; the fuzz
// tests are seeded from them.
var tomlCases = []struct {
	name, src string
	want      map[string]any
}{
	{"scalars", "s = 'x'\ni = 1_000\nh = 0x10\nf = 2.5\nb = true\nd = 2024-01-02",
		map[string]any{"s": "x", "i": 1000.0, "h": 16.0, "f": 2.5, "b": true, "d": "2024-01-02"}},
	{"tables", "[a]\nx = 1\n[a.b]\ny = 2",
		map[string]any{"a": map[string]any{"x": 1.0, "b": map[string]any{"y": 2.0}}}},
	{"dotted keys", "a.b.c = 1\na.d = [1, 'two']",
		map[string]any{"a": map[string]any{"b": map[string]any{"c": 1.0}, "d": []any{1.0, "two"}}}},
	{"array of tables", "[[m]]\ntag = 'v1'\n[[m]]\ntag = 'v2'\n[m.sub]\nk = 1",
		map[string]any{"m": []any{map[string]any{"tag": "v1"}, map[string]any{"tag": "v2", "sub": map[string]any{"k": 1.0}}}}},
	{"inline tables", "x = { a = 1, b = { c = [ { d = 'e' } ] } }",
		map[string]any{"x": map[string]any{"a": 1.0, "b": map[string]any{"c": []any{map[string]any{"d": "e"}}}}}},
	{"nested array tables", "[[env.dev.services]]\nbinding = 'A'",
		map[string]any{"env": map[string]any{"dev": map[string]any{"services": []any{map[string]any{"binding": "A"}}}}}},
}

func TestParseTOML(t *testing.T) {
	for _, tc := range tomlCases {
		t.Run(tc.name, func(t *testing.T) {
			root, err := parseTOML([]byte(tc.src))
			if err != nil {
				t.Fatalf("parseTOML(%q) error: %v", tc.src, err)
			}
			if got := root.toAny(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseTOML(%q) = %#v; want %#v", tc.src, got, tc.want)
			}
		})
	}
}

func TestParseTOMLPositions(t *testing.T) {
	src := "name = \"x\"\n[limits]\ncpu_ms = 5\n\n[[migrations]]\n  tag = \"v1\"\n  new_classes = [\"A\", \"B\"]\n"
	root, err := parseTOML([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	limits := root.get("limits")
	cpu := limits.val.get("cpu_ms")
	mig := root.get("migrations").val.elems[0]
	nc := mig.get("new_classes")
	tests := []struct {
		what string
		got  pos
		want pos
	}{
		{"key name", root.get("name").keyPos, pos{1, 1}},
		{"value name", root.get("name").val.pos, pos{1, 8}},
		{"table limits", limits.val.pos, pos{2, 2}},
		{"key cpu_ms", cpu.keyPos, pos{3, 1}},
		{"value cpu_ms", cpu.val.pos, pos{3, 10}},
		{"array table", mig.pos, pos{5, 3}},
		{"tag value", mig.get("tag").val.pos, pos{6, 9}},
		{"array (at its key)", nc.val.pos, pos{7, 3}},
		{"array element", nc.val.elems[1].pos, pos{7, 23}},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("position of %s = %v; want %v", tc.what, tc.got, tc.want)
		}
	}
}

func TestParseTOMLErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      pos
	}{
		{"duplicate key", "a = 1\na = 2", pos{2, 1}},
		{"bad value", "a = \n", pos{1, 5}},
		{"redefined table", "[a]\n[a]", pos{2, 2}},
		{"unterminated string", "a = \"x", pos{1, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseTOML([]byte(tc.src))
			se, ok := err.(*syntaxError)
			if !ok {
				t.Fatalf("parseTOML(%q) error = %v; want a syntax error", tc.src, err)
			}
			if se.pos.line != tc.want.line {
				t.Errorf("parseTOML(%q) error at %v (%s); want line %d", tc.src, se.pos, se.msg, tc.want.line)
			}
		})
	}
}
