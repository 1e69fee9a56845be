package fetch

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/isola-run/isola/internal/engine"
)

// A body stream crosses the bridge as a number: the id of an entry in the
// process-wide registry below. There are two kinds:
//
//   - a source (Go -> JS): an io.ReadCloser JS pulls from with
//     callAsync("fetch.bodyRead", id, max) or reads whole with
//     callAsync("fetch.bodyReadAll", id, asText); an inbound request body or
//     the body of a fetch() response;
//   - a pipe (JS -> Go): JS pushes chunks with callAsync("fetch.bodyWrite",
//     id, chunk), each settled only when Go has consumed it, and ends it with
//     call("fetch.bodyClose", id, errorOrNull); Go reads the other end as an
//     io.Reader; an outbound request body or an inbound response body.
//
// Ids come from one atomic counter so that a stream made by the server for
// an Exchange and one made by a runtime never collide. Every entry has an
// owner, the per-runtime state of the HostSet that may use it; an entry made
// outside any runtime (an Exchange's request body) is claimed by the first
// runtime that touches it, and no other runtime can reach it afterwards.

var nextID atomic.Uint64

var registry = struct {
	mu sync.Mutex // guards m
	m  map[uint64]*stream
}{m: map[uint64]*stream{}}

type stream struct {
	id    uint64
	owner atomic.Pointer[host]

	// source
	src    io.ReadCloser
	readMu sync.Mutex // serializes reads of src
	onEnd  func()     // called once when src ends or is cancelled

	// pipe
	pr *io.PipeReader
	pw *io.PipeWriter

	endOnce sync.Once
}

// errStreamNotFound is returned for an id that is unknown, finished, or
// owned by another runtime.
var errStreamNotFound = errors.New("fetch: body stream not found")

func register(s *stream, owner *host) uint64 {
	s.id = nextID.Add(1)
	if owner != nil {
		s.owner.Store(owner)
	}
	registry.mu.Lock()
	registry.m[s.id] = s
	registry.mu.Unlock()
	return s.id
}

// newSource registers r as a source stream.
func newSource(r io.ReadCloser, owner *host, onEnd func()) *stream {
	s := &stream{src: r, onEnd: onEnd}
	register(s, owner)
	return s
}

// newPipe registers a pipe stream.
func newPipe(owner *host) *stream {
	pr, pw := io.Pipe()
	s := &stream{pr: pr, pw: pw}
	register(s, owner)
	return s
}

// lookup returns the stream id as seen by runtime h (nil h: the server).
func lookup(h *host, id uint64) (*stream, error) {
	registry.mu.Lock()
	s := registry.m[id]
	registry.mu.Unlock()
	if s == nil {
		return nil, fmt.Errorf("%w: %d", errStreamNotFound, id)
	}
	if h != nil {
		if !s.owner.CompareAndSwap(nil, h) && s.owner.Load() != h {
			return nil, fmt.Errorf("%w: %d", errStreamNotFound, id)
		}
	}
	return s, nil
}

// unregister drops id from the registry; it reports whether it was there.
func unregister(id uint64) bool {
	registry.mu.Lock()
	_, ok := registry.m[id]
	delete(registry.m, id)
	registry.mu.Unlock()
	return ok
}

// end closes a source stream and unregisters it (idempotent).
func (s *stream) end() {
	s.endOnce.Do(func() {
		unregister(s.id)
		if s.src != nil {
			s.src.Close()
		}
		if s.pr != nil {
			s.pr.CloseWithError(errBodyCanceled)
		}
		if s.onEnd != nil {
			s.onEnd()
		}
	})
}

var errBodyCanceled = errors.New("fetch: body stream canceled")

// take hands a stream to Go to consume directly: a source's reader (the
// runtime can no longer reach it), or a pipe's read end (the runtime keeps
// writing to it until it closes it; closing the reader unregisters it).
func (s *stream) take() io.ReadCloser {
	if s.src != nil {
		unregister(s.id)
		return &endReader{s: s}
	}
	return &pipeReader{s: s}
}

// pipeReader is the Go end of a pipe.
type pipeReader struct{ s *stream }

func (r *pipeReader) Read(p []byte) (int, error) { return r.s.pr.Read(p) }
func (r *pipeReader) Close() error {
	unregister(r.s.id)
	return r.s.pr.CloseWithError(errBodyCanceled)
}

// endReader reads a taken source and ends it on Close.
type endReader struct{ s *stream }

func (r *endReader) Read(p []byte) (int, error) { return r.s.src.Read(p) }
func (r *endReader) Close() error {
	r.s.end()
	return nil
}

// read reads at most max bytes from a source: nil at the end.
func (s *stream) read(max int) ([]byte, error) {
	if s.src == nil {
		return nil, engine.Errorf("TypeError", "fetch: stream %d is not readable", s.id)
	}
	if max <= 0 || max > 1<<20 {
		max = 64 << 10
	}
	s.readMu.Lock()
	defer s.readMu.Unlock()
	buf := make([]byte, max)
	for {
		n, err := s.src.Read(buf)
		if n > 0 {
			return buf[:n:n], nil
		}
		if err == io.EOF {
			s.end()
			return nil, nil
		}
		if err != nil {
			s.end()
			return nil, err
		}
	}
}

// readAll reads a source to its end.
func (s *stream) readAll() ([]byte, error) {
	if s.src == nil {
		return nil, engine.Errorf("TypeError", "fetch: stream %d is not readable", s.id)
	}
	s.readMu.Lock()
	defer s.readMu.Unlock()
	defer s.end()
	return io.ReadAll(s.src)
}

// StreamError is the error a JS body stream failed with, as Go sees it when
// reading a pipe: the JS error's "Name: message".
type StreamError struct {
	Message string
}

func (e *StreamError) Error() string { return "fetch: body stream errored: " + e.Message }
