// Package encoding is the Go half of TextEncoder, TextDecoder, atob and btoa
// (js/src/encoding.js): UTF-8 encoding and decoding per the WHATWG Encoding
// standard, and forgiving base64. The JS side keeps the per-decoder state
// (a streaming decoder's unfinished bytes, the BOM flag); this package holds
// none.
package encoding

import (
	"encoding/base64"
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrInvalidUTF8 is returned by DecodeUTF8 in fatal mode for malformed input.
var ErrInvalidUTF8 = errors.New("encoding: invalid utf-8")

// ErrInvalidBase64 is returned by AtoB for input that is not forgiving base64.
var ErrInvalidBase64 = errors.New("encoding: invalid base64")

// ErrNotLatin1 is returned by BtoA for a string with a character above U+00FF.
var ErrNotLatin1 = errors.New("encoding: character outside latin1")

// DecodeUTF8 decodes b as the WHATWG UTF-8 decoder does: each maximal
// invalid subpart becomes one U+FFFD (or, if fatal, ErrInvalidUTF8). With
// stream set, an incomplete sequence at the end of b is not decoded; its
// length is returned as pending and the caller passes those bytes again,
// in front of the next chunk.
func DecodeUTF8(b []byte, fatal, stream bool) (s string, pending int, err error) {
	if utf8.Valid(b) {
		return string(b), 0, nil
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	i := 0
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf {
			sb.WriteByte(c)
			i++
			continue
		}
		n, lo, hi := seqInfo(c)
		if n == 0 { // not a lead byte
			if fatal {
				return "", 0, ErrInvalidUTF8
			}
			sb.WriteRune(utf8.RuneError)
			i++
			continue
		}
		j := i + 1
		for ; j < i+n && j < len(b); j++ {
			x := b[j]
			if j == i+1 {
				if x < lo || x > hi {
					break
				}
			} else if x < 0x80 || x > 0xBF {
				break
			}
		}
		switch {
		case j == i+n: // complete
			sb.Write(b[i:j])
		case j == len(b) && stream: // truncated at the end of a chunk
			return sb.String(), len(b) - i, nil
		default: // maximal subpart b[i:j] is invalid
			if fatal {
				return "", 0, ErrInvalidUTF8
			}
			sb.WriteRune(utf8.RuneError)
		}
		i = j
	}
	return sb.String(), 0, nil
}

// seqInfo returns the length of the sequence a lead byte starts and the
// bounds of its second byte (WHATWG UTF-8 decoder), or n = 0.
func seqInfo(c byte) (n int, lo, hi byte) {
	switch {
	case c >= 0xC2 && c <= 0xDF:
		return 2, 0x80, 0xBF
	case c == 0xE0:
		return 3, 0xA0, 0xBF
	case c == 0xED:
		return 3, 0x80, 0x9F
	case c >= 0xE1 && c <= 0xEF:
		return 3, 0x80, 0xBF
	case c == 0xF0:
		return 4, 0x90, 0xBF
	case c >= 0xF1 && c <= 0xF3:
		return 4, 0x80, 0xBF
	case c == 0xF4:
		return 4, 0x80, 0x8F
	}
	return 0, 0, 0
}

// EncodeInto encodes as much of s (valid UTF-8, as the bridge delivers a
// USVString) as fits in capacity bytes without splitting a character. It
// returns the bytes and how many UTF-16 code units of s they cover.
func EncodeInto(s string, capacity int) ([]byte, int) {
	if len(s) <= capacity {
		return []byte(s), utf16Len(s)
	}
	n, read := 0, 0
	for _, r := range s {
		l := utf8.RuneLen(r)
		if n+l > capacity {
			break
		}
		n += l
		read += utf16.RuneLen(r)
	}
	return []byte(s[:n]), read
}

func utf16Len(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x80 || c >= 0xC0 && c < 0xF0:
			n++ // ASCII, or lead of a 2- or 3-byte sequence: one unit
		case c >= 0xF0:
			n += 2 // lead of a 4-byte sequence: a surrogate pair
		}
	}
	return n
}

// BtoA is btoa: s's characters are bytes (at most U+00FF); it returns their
// standard base64 encoding.
func BtoA(s string) (string, error) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return "", ErrNotLatin1
		}
		b = append(b, byte(r))
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// AtoB is atob: it decodes s by the forgiving-base64 algorithm of the HTML
// standard and returns the bytes as a string of U+0000..U+00FF characters
// (in UTF-8, as Go strings are).
func AtoB(s string) (string, error) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\t', '\n', '\f', '\r', ' ':
		default:
			b = append(b, c)
		}
	}
	if len(b)%4 == 0 {
		if len(b) > 0 && b[len(b)-1] == '=' {
			b = b[:len(b)-1]
			if len(b) > 0 && b[len(b)-1] == '=' {
				b = b[:len(b)-1]
			}
		}
	}
	if len(b)%4 == 1 {
		return "", ErrInvalidBase64
	}
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return "", ErrInvalidBase64
		}
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(b)))
	n, err := base64.RawStdEncoding.Decode(out, b)
	if err != nil {
		return "", ErrInvalidBase64
	}
	out = out[:n]
	var sb strings.Builder
	sb.Grow(len(out) * 2)
	for _, c := range out {
		if c < utf8.RuneSelf {
			sb.WriteByte(c)
		} else {
			sb.WriteRune(rune(c))
		}
	}
	return sb.String(), nil
}

// StringBytes returns s (valid UTF-8: a well-formed JS string) as the
// serializer of structured clone writes it (js/src/clone.js): a tag byte,
// 's' and one byte per character when every character is at most U+00FF,
// else 'w' and its UTF-16 code units, little-endian.
func StringBytes(s string) []byte {
	wide := false
	for _, r := range s {
		if r > 0xFF {
			wide = true
			break
		}
	}
	if !wide {
		out := make([]byte, 1, 1+len(s))
		out[0] = 's'
		for _, r := range s {
			out = append(out, byte(r))
		}
		return out
	}
	out := make([]byte, 1, 1+2*utf16Len(s))
	out[0] = 'w'
	for _, r := range s {
		if r >= 0x10000 {
			a, b := utf16.EncodeRune(r)
			out = append(out, byte(a), byte(a>>8), byte(b), byte(b>>8))
		} else {
			out = append(out, byte(r), byte(r>>8))
		}
	}
	return out
}

// StringFrom is the inverse of StringBytes for the bytes after the tag:
// latin1 characters, or UTF-16LE code units when wide. It reports false
// for UTF-16 with a lone surrogate (or an odd length), which a Go string
// cannot hold; the caller decodes those itself.
func StringFrom(b []byte, wide bool) (string, bool) {
	var sb strings.Builder
	if !wide {
		sb.Grow(len(b) + len(b)/4)
		for _, c := range b {
			sb.WriteRune(rune(c))
		}
		return sb.String(), true
	}
	if len(b)%2 != 0 {
		return "", false
	}
	sb.Grow(len(b))
	for i := 0; i < len(b); i += 2 {
		u := rune(b[i]) | rune(b[i+1])<<8
		switch {
		case u >= 0xD800 && u <= 0xDBFF:
			if i+3 >= len(b) {
				return "", false
			}
			v := rune(b[i+2]) | rune(b[i+3])<<8
			if v < 0xDC00 || v > 0xDFFF {
				return "", false
			}
			sb.WriteRune(utf16.DecodeRune(u, v))
			i += 2
		case u >= 0xDC00 && u <= 0xDFFF:
			return "", false
		default:
			sb.WriteRune(u)
		}
	}
	return sb.String(), true
}
