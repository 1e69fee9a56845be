package fetch

import (
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
)

func TestStreamOwnership(t *testing.T) {
	a, b := &host{}, &host{}
	s := newSource(io.NopCloser(strings.NewReader("x")), nil, nil)
	defer s.end()
	if _, err := lookup(a, s.id); err != nil {
		t.Fatalf("lookup(a) = %v; want a claims it", err)
	}
	if _, err := lookup(b, s.id); !errors.Is(err, errStreamNotFound) {
		t.Fatalf("lookup(b) = %v; want errStreamNotFound", err)
	}
	if _, err := lookup(nil, s.id); err != nil {
		t.Fatalf("lookup(server) = %v; want found", err)
	}
}

func TestStreamRead(t *testing.T) {
	ended := false
	s := newSource(io.NopCloser(strings.NewReader("hello")), nil, func() { ended = true })
	var got []byte
	for {
		b, err := s.read(2)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if b == nil {
			break
		}
		got = append(got, b...)
	}
	if string(got) != "hello" || !ended {
		t.Fatalf("read = %q, ended %v; want hello, true", got, ended)
	}
	if _, err := lookup(nil, s.id); !errors.Is(err, errStreamNotFound) {
		t.Fatalf("lookup after end = %v; want errStreamNotFound", err)
	}
}

func TestDecodeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", "abc"},
		{"\xef\xbb\xbfabc", "abc"},
		{"a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		if got := decodeText([]byte(tt.in)); got != tt.want {
			t.Errorf("decodeText(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestStreams_hammer races registration, lookups, reads, pipe writes and
// ends across goroutines.
func TestStreams_hammer(t *testing.T) {
	h := &host{}
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				s := newSource(io.NopCloser(strings.NewReader(strings.Repeat("x", 100))), nil, nil)
				var rw sync.WaitGroup
				rw.Add(2)
				go func() {
					defer rw.Done()
					if got, err := lookup(h, s.id); err == nil {
						got.read(7)
					}
				}()
				go func() {
					defer rw.Done()
					s.end()
				}()
				rw.Wait()

				p := newPipe(h)
				r := p.take()
				go func() {
					p.pw.Write([]byte("abc"))
					p.pw.Close()
				}()
				if b, err := io.ReadAll(r); err != nil || string(b) != "abc" {
					t.Errorf("pipe read = %q, %v", b, err)
				}
				r.Close()
			}
		}()
	}
	wg.Wait()
}
