// Package compression is the Go half of CompressionStream and
// DecompressionStream ("gzip", "deflate", "deflate-raw"): the JS half
// (js/src/compression.js) wraps a TransformStream around three host calls
// per stream. It owns the per-runtime table of codecs, nothing else.
package compression

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"sync"

	"github.com/isola-run/isola/internal/engine"
)

// codec is one stream's state. A compressor writes into out; a
// decompressor is fed through a pipe by push and drained by a goroutine.
type codec struct {
	// compress
	w   io.WriteCloser
	out bytes.Buffer

	// decompress
	pw   *io.PipeWriter
	mu   sync.Mutex // guards dout and derr
	dout bytes.Buffer
	derr error
	done chan struct{}
}

// Register adds compression.new/push/end/free to hs.
func Register(hs *engine.HostSet) {
	var (
		mu     sync.Mutex // guards codecs, next
		codecs = map[int]*codec{}
		next   int
	)
	get := func(args []any) (*codec, int, error) {
		id := 0
		if len(args) > 0 {
			if f, ok := args[0].(float64); ok {
				id = int(f)
			}
		}
		mu.Lock()
		c := codecs[id]
		mu.Unlock()
		if c == nil {
			return nil, id, engine.Errorf("TypeError", "compression stream is closed")
		}
		return c, id, nil
	}
	hs.Sync("compression.new", func(args []any) (any, error) {
		format, _ := args[0].(string)
		decompress, _ := args[1].(bool)
		c, err := newCodec(format, decompress)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		next++
		id := next
		codecs[id] = c
		mu.Unlock()
		return id, nil
	})
	hs.Sync("compression.push", func(args []any) (any, error) {
		c, _, err := get(args)
		if err != nil {
			return nil, err
		}
		chunk, _ := args[1].([]byte)
		return c.push(chunk)
	})
	hs.Sync("compression.end", func(args []any) (any, error) {
		c, id, err := get(args)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		delete(codecs, id)
		mu.Unlock()
		return c.end()
	})
	hs.Sync("compression.free", func(args []any) (any, error) {
		c, id, err := get(args)
		if err != nil {
			return nil, nil
		}
		mu.Lock()
		delete(codecs, id)
		mu.Unlock()
		c.abort()
		return nil, nil
	})
}

var errFormat = engine.Errorf("TypeError", "The compression format must be either 'deflate', 'deflate-raw' or 'gzip'.")

func newCodec(format string, decompress bool) (*codec, error) {
	c := &codec{}
	if !decompress {
		var err error
		switch format {
		case "gzip":
			c.w = gzip.NewWriter(&c.out)
		case "deflate":
			c.w = zlib.NewWriter(&c.out)
		case "deflate-raw":
			c.w, err = flate.NewWriter(&c.out, flate.DefaultCompression)
		default:
			return nil, errFormat
		}
		return c, err
	}
	var open func(io.Reader) (io.ReadCloser, error)
	switch format {
	case "gzip":
		open = func(r io.Reader) (io.ReadCloser, error) {
			z, err := gzip.NewReader(r)
			if err == nil {
				z.Multistream(false)
			}
			return z, err
		}
	case "deflate":
		open = zlib.NewReader
	case "deflate-raw":
		open = func(r io.Reader) (io.ReadCloser, error) { return flate.NewReader(r), nil }
	default:
		return nil, errFormat
	}
	pr, pw := io.Pipe()
	c.pw = pw
	c.done = make(chan struct{})
	go func() {
		defer close(c.done)
		defer pr.Close()
		z, err := open(pr)
		if err == nil {
			buf := make([]byte, 32<<10)
			for {
				n, rerr := z.Read(buf)
				if n > 0 {
					c.mu.Lock()
					c.dout.Write(buf[:n])
					c.mu.Unlock()
				}
				if rerr == io.EOF {
					break
				}
				if rerr != nil {
					err = rerr
					break
				}
			}
			z.Close()
		}
		if err != nil {
			c.mu.Lock()
			c.derr = err
			c.mu.Unlock()
			pr.CloseWithError(err)
		}
	}()
	return c, nil
}

func failed(err error) error {
	return engine.Errorf("TypeError", "Decompression failed: %v", err)
}

func (c *codec) take() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := append([]byte(nil), c.dout.Bytes()...)
	c.dout.Reset()
	return b
}

func (c *codec) push(chunk []byte) (any, error) {
	if c.w != nil {
		if _, err := c.w.Write(chunk); err != nil {
			return nil, fmt.Errorf("compression: %w", err)
		}
		b := append([]byte(nil), c.out.Bytes()...)
		c.out.Reset()
		return b, nil
	}
	if _, err := c.pw.Write(chunk); err != nil {
		c.mu.Lock()
		derr := c.derr
		c.mu.Unlock()
		if derr == nil {
			derr = err
		}
		return nil, failed(derr)
	}
	return c.take(), nil
}

func (c *codec) end() (any, error) {
	if c.w != nil {
		if err := c.w.Close(); err != nil {
			return nil, fmt.Errorf("compression: %w", err)
		}
		return append([]byte(nil), c.out.Bytes()...), nil
	}
	c.pw.Close()
	<-c.done
	c.mu.Lock()
	derr := c.derr
	c.mu.Unlock()
	if derr != nil {
		return nil, failed(derr)
	}
	return c.take(), nil
}

func (c *codec) abort() {
	if c.pw != nil {
		c.pw.CloseWithError(io.ErrClosedPipe)
		<-c.done
	}
}
