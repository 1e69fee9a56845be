package config

import (
	"reflect"
	"testing"
)

func TestParseDotenv(t *testing.T) {
	tests := []struct {
		name, src string
		want      map[string]string
		errLines  []int
	}{
		{"plain", "A=1\nB = two words \n", map[string]string{"A": "1", "B": "two words"}, nil},
		{"comments", "# top\nA=x # note\nB=y#z\n", map[string]string{"A": "x", "B": "y#z"}, nil},
		{"export", "export A=1\n  export   B=2", map[string]string{"A": "1", "B": "2"}, nil},
		{"quotes", `A='a # b'` + "\n" + `B="l1\nl2 \"q\""` + "\n" + "C=`x`", map[string]string{"A": "a # b", "B": "l1\nl2 \"q\"", "C": "x"}, nil},
		{"multiline", "A=\"one\ntwo\"\nB=3", map[string]string{"A": "one\ntwo", "B": "3"}, nil},
		{"empty", "A=\nB=''", map[string]string{"A": "", "B": ""}, nil},
		{"crlf", "A=1\r\nB=2\r\n", map[string]string{"A": "1", "B": "2"}, nil},
		{"dotted key", "my.key-1=v", map[string]string{"my.key-1": "v"}, nil},
		{"errors", "A=1\nnot a pair\n=3\nB=\"open\n", map[string]string{"A": "1"}, []int{2, 3, 4}},
		{"text after quote", "A='x' y", map[string]string{}, []int{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vars, errs := parseDotenv([]byte(tc.src))
			got := map[string]string{}
			for _, v := range vars {
				got[v.key] = v.value
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseDotenv(%q) = %q; want %q", tc.src, got, tc.want)
			}
			var lines []int
			for _, e := range errs {
				lines = append(lines, e.pos.line)
			}
			if !reflect.DeepEqual(lines, tc.errLines) {
				t.Errorf("parseDotenv(%q) error lines = %v; want %v (%v)", tc.src, lines, tc.errLines, errs)
			}
		})
	}
}
