package encoding

import (
	"errors"
	"testing"
	"unicode/utf8"
)

func TestDecodeUTF8(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		fatal       bool
		stream      bool
		want        string
		wantPending int
		wantErr     error
	}{
		{"ascii", "abc", false, false, "abc", 0, nil},
		{"multibyte", "h\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", false, false, "hé€😀", 0, nil},
		{"lone continuation", "a\x80b", false, false, "a\uFFFDb", 0, nil},
		{"truncated 3-byte is one U+FFFD", "\xe2\x82a", false, false, "\uFFFDa", 0, nil},
		{"overlong 2-byte", "\xc0\xaf", false, false, "\uFFFD\uFFFD", 0, nil},
		{"overlong 3-byte", "\xe0\x80\xaf", false, false, "\uFFFD\uFFFD\uFFFD", 0, nil},
		{"surrogate", "\xed\xa0\x80", false, false, "\uFFFD\uFFFD\uFFFD", 0, nil},
		{"above U+10FFFF", "\xf4\x90\x80\x80", false, false, "\uFFFD\uFFFD\uFFFD\uFFFD", 0, nil},
		{"truncated at end, flush", "a\xf0\x9f\x98", false, false, "a\uFFFD", 0, nil},
		{"truncated at end, stream", "a\xf0\x9f\x98", false, true, "a", 3, nil},
		{"invalid at end, stream", "a\xf0\x41", false, true, "a\uFFFDA", 0, nil},
		{"fatal", "a\xff", true, false, "", 0, ErrInvalidUTF8},
		{"fatal truncated flush", "\xe2\x82", true, false, "", 0, ErrInvalidUTF8},
		{"fatal truncated stream", "\xe2\x82", true, true, "", 2, nil},
		{"empty", "", false, false, "", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, pending, err := DecodeUTF8([]byte(tt.in), tt.fatal, tt.stream)
			if !errors.Is(err, tt.wantErr) || got != tt.want || pending != tt.wantPending {
				t.Errorf("DecodeUTF8(%q, %v, %v) = %q, %d, %v; want %q, %d, %v", tt.in, tt.fatal, tt.stream, got, pending, err, tt.want, tt.wantPending, tt.wantErr)
			}
		})
	}
}

func TestDecodeUTF8StreamSplits(t *testing.T) {
	const text = "aé€😀z"
	b := []byte(text)
	for cut := 0; cut <= len(b); cut++ {
		s1, p, err := DecodeUTF8(b[:cut], false, true)
		if err != nil {
			t.Fatal(err)
		}
		rest := append(append([]byte{}, b[cut-p:cut]...), b[cut:]...)
		s2, _, err := DecodeUTF8(rest, false, false)
		if err != nil {
			t.Fatal(err)
		}
		if s1+s2 != text {
			t.Errorf("split at %d: %q + %q; want %q", cut, s1, s2, text)
		}
	}
}

func TestEncodeInto(t *testing.T) {
	tests := []struct {
		in       string
		capacity int
		want     string
		wantRead int
	}{
		{"abc", 10, "abc", 3},
		{"héllo", 3, "hé", 2},
		{"héllo", 2, "h", 1},
		{"😀x", 3, "", 0},
		{"😀x", 4, "😀", 2},
		{"😀x", 5, "😀x", 3},
		{"", 0, "", 0},
	}
	for _, tt := range tests {
		got, read := EncodeInto(tt.in, tt.capacity)
		if string(got) != tt.want || read != tt.wantRead {
			t.Errorf("EncodeInto(%q, %d) = %q, %d; want %q, %d", tt.in, tt.capacity, got, read, tt.want, tt.wantRead)
		}
	}
}

func TestBase64(t *testing.T) {
	atob := []struct {
		in, want string
		err      error
	}{
		{"aGk=", "hi", nil},
		{"aGk", "hi", nil},
		{" a G\nk = ", "hi", nil},
		{"", "", nil},
		{"/w==", "\u00ff", nil},
		{"aR==", "i", nil}, // non-zero padding bits are allowed
		{"a", "", ErrInvalidBase64},
		{"aGk==", "", ErrInvalidBase64},
		{"a=Gk", "", ErrInvalidBase64},
		{"aG-k", "", ErrInvalidBase64},
		{"aGk\v", "", ErrInvalidBase64},
	}
	for _, tt := range atob {
		got, err := AtoB(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("AtoB(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
	btoa := []struct {
		in, want string
		err      error
	}{
		{"hi", "aGk=", nil},
		{"\u00ff\u00fe", "//4=", nil},
		{"", "", nil},
		{"€", "", ErrNotLatin1},
	}
	for _, tt := range btoa {
		got, err := BtoA(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("BtoA(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func FuzzDecodeUTF8(f *testing.F) {
	for _, s := range []string{"abc", "\xe2\x82", "\xf0\x9f\x98\x80", "\xed\xa0\x80", "a\xffb"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, pending, err := DecodeUTF8(b, false, false)
		if err != nil || pending != 0 || !utf8.ValidString(s) {
			t.Fatalf("DecodeUTF8(%q) = %q, %d, %v", b, s, pending, err)
		}
		if utf8.Valid(b) && s != string(b) {
			t.Fatalf("DecodeUTF8(%q) = %q; valid input must be unchanged", b, s)
		}
		if _, _, err := DecodeUTF8(b, true, false); (err == nil) != utf8.Valid(b) {
			t.Fatalf("DecodeUTF8(%q, fatal) err = %v", b, err)
		}
		// Streaming at any cut gives the same text.
		cut := len(b) / 2
		s1, p, _ := DecodeUTF8(b[:cut], false, true)
		s2, _, _ := DecodeUTF8(append(append([]byte{}, b[cut-p:cut]...), b[cut:]...), false, false)
		if s1+s2 != s {
			t.Fatalf("DecodeUTF8(%q) split = %q + %q; want %q", b, s1, s2, s)
		}
	})
}
