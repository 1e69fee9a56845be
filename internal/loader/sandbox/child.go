package sandbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/isola-run/isola/internal/engine"
)

func asJSError(err error) *engine.JSError {
	var je *engine.JSError
	if errors.As(err, &je) {
		return je
	}
	return nil
}

func jsErr(name, msg string) error { return &engine.JSError{Name: name, Message: msg} }

// ChildOptions are the OS limits a sandbox child applies to itself.
type ChildOptions struct {
	// AddressSpace is RLIMIT_AS in bytes (0: none).
	AddressSpace uint64
	// CPUSeconds is RLIMIT_CPU, the child's whole CPU time (0: none).
	CPUSeconds uint64
}

// Main is the body of the hidden `isola __sandbox` command: it hardens the
// process (rlimits, no new privileges, Landlock, seccomp; see harden_*.go),
// then serves one dynamic worker over stdin/stdout until stdin closes.
// It returns the process exit code.
func Main(opts ChildOptions) int {
	report, err := Harden(opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "isola sandbox: harden: %v\n", err)
		return 3
	}
	_ = report
	// A child serves one worker: a warm pool would only build runtimes
	// nobody takes.
	SetWarm(0)
	c := &child{w: bufio.NewWriter(os.Stdout), pending: map[uint64]chan *Msg{}}
	if err := c.serve(bufio.NewReader(os.Stdin)); err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintf(os.Stderr, "isola sandbox: %v\n", err)
		return 1
	}
	return 0
}

// child is the child side of the pipe; it is the Host of its Runner.
type child struct {
	wmu sync.Mutex // guards w
	w   *bufio.Writer

	mu      sync.Mutex // guards following
	pending map[uint64]chan *Msg
	nextID  uint64
	runner  *Runner
}

func (c *child) send(m *Msg) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := WriteFrame(c.w, m); err != nil {
		return err
	}
	return c.w.Flush()
}

func (c *child) serve(r io.Reader) error {
	for {
		m, err := ReadFrame(r)
		if err != nil {
			return err
		}
		if m.Reply {
			c.mu.Lock()
			ch := c.pending[m.ID]
			delete(c.pending, m.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		go c.handle(m)
	}
}

func (c *child) handle(m *Msg) {
	ctx := context.Background()
	out := &Msg{ID: m.ID, Reply: true}
	switch m.Op {
	case "start":
		if m.Config == nil {
			out.Err = ToWire(errors.New("start without config"))
			break
		}
		r, err := Start(ctx, *m.Config, c)
		if err != nil {
			out.Err = ToWire(err)
			break
		}
		c.mu.Lock()
		c.runner = r
		c.mu.Unlock()
		out.Exports = r.Exports()
	case "fetch", "rpc":
		c.mu.Lock()
		r := c.runner
		c.mu.Unlock()
		if r == nil {
			out.Err = ToWire(errors.New("not started"))
			break
		}
		if m.Op == "fetch" {
			resp, err := r.Fetch(ctx, m.Entry, m.Props, m.Limits, m.Req)
			out.Resp, out.Err = resp, ToWire(err)
		} else {
			var in Value
			if m.Value != nil {
				in = *m.Value
			}
			v, err := r.RPC(ctx, m.Entry, m.Props, m.Limits, m.Method, in)
			if err == nil {
				out.Value = &v
			}
			out.Err = ToWire(err)
		}
		out.Broken = r.Broken()
	default:
		out.Err = ToWire(fmt.Errorf("unknown op %q", m.Op))
	}
	_ = c.send(out)
}

// call sends a request to the parent and waits for its reply.
func (c *child) call(ctx context.Context, m *Msg) (*Msg, error) {
	ch := make(chan *Msg, 1)
	c.mu.Lock()
	c.nextID++
	m.ID = c.nextID
	c.pending[m.ID] = ch
	c.mu.Unlock()
	if err := c.send(m); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, FromWire(r.Err)
		}
		return r, nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pending, m.ID)
		c.mu.Unlock()
		return nil, ctx.Err()
	}
}

func (c *child) Fetch(ctx context.Context, req *Request) (*Response, error) {
	r, err := c.call(ctx, &Msg{Op: "outbound", Req: req})
	if err != nil {
		return nil, err
	}
	return r.Resp, nil
}

func (c *child) CapFetch(ctx context.Context, grant int64, req *Request) (*Response, error) {
	r, err := c.call(ctx, &Msg{Op: "capFetch", Grant: grant, Req: req})
	if err != nil {
		return nil, err
	}
	return r.Resp, nil
}

func (c *child) CapCall(ctx context.Context, grant int64, method string, args Value) (Value, error) {
	r, err := c.call(ctx, &Msg{Op: "capCall", Grant: grant, Method: method, Value: &args})
	if err != nil {
		return Value{}, err
	}
	if r.Value == nil {
		return Value{}, nil
	}
	return *r.Value, nil
}

func (c *child) Log(level, msg string) {
	_ = c.send(&Msg{Op: "log", Level: level, Text: msg})
}
