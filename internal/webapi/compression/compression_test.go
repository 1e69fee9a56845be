package compression

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	text := []byte(strings.Repeat("compress me ", 500))
	for _, format := range []string{"gzip", "deflate", "deflate-raw"} {
		t.Run(format, func(t *testing.T) {
			c, err := newCodec(format, false)
			if err != nil {
				t.Fatal(err)
			}
			var comp []byte
			for i := 0; i < len(text); i += 700 {
				out, err := c.push(text[i:min(i+700, len(text))])
				if err != nil {
					t.Fatal(err)
				}
				comp = append(comp, out.([]byte)...)
			}
			out, err := c.end()
			if err != nil {
				t.Fatal(err)
			}
			comp = append(comp, out.([]byte)...)
			if len(comp) >= len(text) {
				t.Errorf("%s: %d bytes compressed to %d", format, len(text), len(comp))
			}
			d, _ := newCodec(format, true)
			var back []byte
			for i := 0; i < len(comp); i += 5 { // tiny chunks: streaming input
				out, err := d.push(comp[i:min(i+5, len(comp))])
				if err != nil {
					t.Fatal(err)
				}
				back = append(back, out.([]byte)...)
			}
			out, err = d.end()
			if err != nil {
				t.Fatal(err)
			}
			back = append(back, out.([]byte)...)
			if !bytes.Equal(back, text) {
				t.Errorf("%s: round trip lost data (%d bytes back of %d)", format, len(back), len(text))
			}
		})
	}
}

func TestGzipIsStandard(t *testing.T) {
	c, _ := newCodec("gzip", false)
	head, _ := c.push([]byte("hello"))
	out, _ := c.end()
	r, err := gzip.NewReader(bytes.NewReader(append(head.([]byte), out.([]byte)...)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	if string(b) != "hello" {
		t.Errorf("stdlib gunzip = %q", b)
	}
}

func TestBadInput(t *testing.T) {
	if _, err := newCodec("brotli", false); err == nil {
		t.Errorf("newCodec(brotli) succeeded")
	}
	d, _ := newCodec("gzip", true)
	d.push([]byte{1, 2, 3})
	if _, err := d.end(); err == nil || !strings.Contains(err.Error(), "Decompression failed") {
		t.Errorf("corrupt gzip end() = %v; want a decompression error", err)
	}
	// A stream dropped midway releases its goroutine.
	d, _ = newCodec("deflate", true)
	d.push([]byte{0x78})
	d.abort()
}
