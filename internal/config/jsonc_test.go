package config

import (
	"reflect"
	"testing"
)

// jsoncCases are valid JSONC documents with the value they parse to; the
// fuzz tests are seeded from them.
var jsoncCases = []struct {
	name, src string
	want      any
}{
	{"empty object", `{}`, map[string]any{}},
	{"scalars", `{"s": "x", "n": -1.5e2, "i": 42, "t": true, "f": false, "z": null}`,
		map[string]any{"s": "x", "n": -150.0, "i": 42.0, "t": true, "f": false, "z": nil}},
	{"line comment", "{\n// hi\n\"a\": 1 // after\n}", map[string]any{"a": 1.0}},
	{"block comment", "{/* a\n b */\"a\": /* in */ [1, 2]}", map[string]any{"a": []any{1.0, 2.0}}},
	{"trailing commas", `{"a": [1, 2,], "b": {"c": 3,},}`, map[string]any{"a": []any{1.0, 2.0}, "b": map[string]any{"c": 3.0}}},
	{"escapes", `{"a": "q\"b\\s\/n\nt\tu\u00e9\ud83d\ude00"}`, map[string]any{"a": "q\"b\\s/n\nt\tué😀"}},
	{"bom", "\uFEFF{\"a\": 1}", map[string]any{"a": 1.0}},
	{"duplicate key last wins", `{"a": 1, "a": 2}`, map[string]any{"a": 2.0}},
	{"top-level array", `[1]`, []any{1.0}},
}

func TestParseJSONC(t *testing.T) {
	for _, tc := range jsoncCases {
		t.Run(tc.name, func(t *testing.T) {
			root, _, err := parseJSONC([]byte(tc.src))
			if err != nil {
				t.Fatalf("parseJSONC(%q) error: %v", tc.src, err)
			}
			if got := root.toAny(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseJSONC(%q) = %#v; want %#v", tc.src, got, tc.want)
			}
		})
	}
}

func TestParseJSONCErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      string // line:col: message
	}{
		{"empty", "", "1:1: empty file: expected a JSON object"},
		{"comment only", "// nothing\n", "2:1: empty file: expected a JSON object"},
		{"missing comma", "{\n  \"a\": 1\n  \"b\": 2\n}", `3:3: unexpected '"': expected "," or "}"`},
		{"unterminated string", `{"a": "b`, "1:9: unterminated string"},
		{"newline in string", "{\"a\": \"b\n\"}", "1:9: unterminated string: newline in string"},
		{"bad escape", `{"a": "\x"}`, `1:8: invalid escape "\x" in string`},
		{"unquoted key", `{a: 1}`, `1:2: unexpected 'a': expected a quoted key or "}"`},
		{"leading zero", `{"a": 01}`, "1:7: invalid number: leading zero"},
		{"bad keyword", `{"a": tru}`, "1:7: unexpected 't': expected a value"},
		{"unterminated block comment", "{\n /* x", "2:2: unterminated /* comment"},
		{"trailing garbage", `{} x`, `1:4: unexpected 'x' after the top-level value`},
		{"lone slash", `{"a": 1 / 2}`, `1:9: unexpected "/"`},
		{"eof in array", `{"a": [1,`, `1:10: unexpected end of file: expected "]"`},
		{"double comma", `[1,,2]`, "1:4: unexpected ',': expected a value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := parseJSONC([]byte(tc.src))
			if err == nil || err.Error() != tc.want {
				t.Errorf("parseJSONC(%q) error = %v; want %s", tc.src, err, tc.want)
			}
		})
	}
}

func TestParseJSONCPositions(t *testing.T) {
	src := "{\n  \"a\": {\n    \"b\": [10, \"x\"]\n  },\n\t\"c\": true\n}"
	root, _, err := parseJSONC([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	a := root.get("a")
	b := a.val.get("b")
	c := root.get("c")
	tests := []struct {
		what string
		got  pos
		want pos
	}{
		{"key a", a.keyPos, pos{2, 3}},
		{"value a", a.val.pos, pos{2, 8}},
		{"key b", b.keyPos, pos{3, 5}},
		{"value b", b.val.pos, pos{3, 10}},
		{"b[0]", b.val.elems[0].pos, pos{3, 11}},
		{"b[1]", b.val.elems[1].pos, pos{3, 15}},
		{"key c", c.keyPos, pos{5, 2}},
		{"value c", c.val.pos, pos{5, 7}},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("position of %s = %v; want %v", tc.what, tc.got, tc.want)
		}
	}
}

func TestParseJSONCDepth(t *testing.T) {
	src := make([]byte, 0, 2*(maxDepth+10))
	for range maxDepth + 10 {
		src = append(src, '[')
	}
	if _, _, err := parseJSONC(src); err == nil {
		t.Errorf("parseJSONC(%d nested arrays) = nil error; want a nesting error", maxDepth+10)
	}
}
