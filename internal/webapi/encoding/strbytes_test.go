package encoding

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

func TestStringBytes(t *testing.T) {
	tests := []struct {
		name, in string
		want     []byte
	}{
		{"empty", "", []byte{'s'}},
		{"ascii", "ab", []byte{'s', 'a', 'b'}},
		{"latin1", "é\u00ff", []byte{'s', 0xe9, 0xff}},
		{"wide", "a€", []byte{'w', 'a', 0, 0xac, 0x20}},
		{"astral", "😀", []byte{'w', 0x3d, 0xd8, 0x00, 0xde}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := StringBytes(tt.in)
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("StringBytes(%q) = %v; want %v", tt.in, got, tt.want)
			}
			back, ok := StringFrom(got[1:], got[0] == 'w')
			if !ok || back != tt.in {
				t.Errorf("StringFrom(%v) = %q, %v; want %q", got[1:], back, ok, tt.in)
			}
		})
	}
}

func TestStringFromLoneSurrogate(t *testing.T) {
	for _, b := range [][]byte{{0x00, 0xd8}, {0x00, 0xdc, 0x61, 0}, {0x00, 0xd8, 0x61, 0}, {0x61}} {
		if s, ok := StringFrom(b, true); ok {
			t.Errorf("StringFrom(%v, true) = %q, true; want false", b, s)
		}
	}
}

func FuzzStringBytes(f *testing.F) {
	for _, s := range []string{"", "abc", "é€😀", "\u00ff\u0100"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		b := StringBytes(s)
		back, ok := StringFrom(b[1:], b[0] == 'w')
		if !ok || back != s {
			t.Fatalf("StringFrom(StringBytes(%q)) = %q, %v", s, back, ok)
		}
	})
}
