package loader

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/isola-run/isola/internal/loader/sandbox"
)

// SandboxCommand is the hidden subcommand that runs a sandbox child
// (cmd/isola dispatches it to sandbox.Main through RunChild).
const SandboxCommand = "__sandbox"

// Pool starts sandbox child processes and keeps a few warm. A child serves
// one dynamic worker for its whole life and is killed (SIGKILL) when the
// worker is unloaded or hits a limit. Goroutine-safe.
type Pool struct {
	// Command is the child's argv prefix; default [os.Executable(),
	// SandboxCommand].
	Command []string
	// Warm is how many idle children are kept started; default 2.
	Warm int
	// AddressSpace is each child's RLIMIT_AS; default 4 GiB (the Go
	// runtime reserves address space well beyond the JS heap limit).
	AddressSpace uint64
	// CPUSeconds is each child's RLIMIT_CPU over its whole life; default
	// 600.
	CPUSeconds uint64

	mu   sync.Mutex // guards idle
	idle []*proc
}

var (
	defaultPoolOnce sync.Once
	defaultPool     *Pool
)

// DefaultPool is the process-wide pool.
func DefaultPool() *Pool {
	defaultPoolOnce.Do(func() { defaultPool = &Pool{} })
	return defaultPool
}

func (p *Pool) argv() ([]string, error) {
	cmd := p.Command
	if len(cmd) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("loader: sandbox executable: %w", err)
		}
		cmd = []string{exe, SandboxCommand}
	}
	as, cpu := p.AddressSpace, p.CPUSeconds
	if as == 0 {
		as = 4 << 30
	}
	if cpu == 0 {
		cpu = 600
	}
	return append(append([]string(nil), cmd...), "-as", strconv.FormatUint(as, 10), "-cpu", strconv.FormatUint(cpu, 10)), nil
}

// ParseChildArgs reads the arguments Pool passes after SandboxCommand.
func ParseChildArgs(args []string) sandbox.ChildOptions {
	var o sandbox.ChildOptions
	for i := 0; i+1 < len(args); i += 2 {
		n, _ := strconv.ParseUint(args[i+1], 10, 64)
		switch args[i] {
		case "-as":
			o.AddressSpace = n
		case "-cpu":
			o.CPUSeconds = n
		}
	}
	return o
}

// RunChild is the body of `isola __sandbox ARGS...`; it returns the exit
// code.
func RunChild(args []string) int { return sandbox.Main(ParseChildArgs(args)) }

func (p *Pool) spawn() (*proc, error) {
	argv, err := p.argv()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = []string{} // nothing of the parent's environment
	cmd.Dir = "/"
	cmd.SysProcAttr = sysProcAttr()
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("loader: sandbox stdin: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("loader: sandbox stdout: %w", err)
	}
	stderr := &tailBuffer{max: 4096}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("loader: start sandbox: %w", err)
	}
	pr := &proc{cmd: cmd, in: in, stderr: stderr, pending: map[uint64]chan *sandbox.Msg{}, dead: make(chan struct{})}
	go pr.read(bufio.NewReader(out))
	return pr, nil
}

// take returns an idle child or a new one, and refills the warm set.
func (p *Pool) take() (*proc, error) {
	p.mu.Lock()
	var pr *proc
	for len(p.idle) > 0 && pr == nil {
		pr = p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if pr.isDead() {
			pr = nil
		}
	}
	p.mu.Unlock()
	go p.refill()
	if pr != nil {
		return pr, nil
	}
	return p.spawn()
}

func (p *Pool) refill() {
	warm := p.Warm
	if warm <= 0 {
		warm = 2
	}
	for {
		p.mu.Lock()
		n := len(p.idle)
		p.mu.Unlock()
		if n >= warm {
			return
		}
		pr, err := p.spawn()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.idle = append(p.idle, pr)
		p.mu.Unlock()
	}
}

// Close kills the idle children.
func (p *Pool) Close() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, pr := range idle {
		pr.kill()
	}
}

func (p *Pool) start(ctx context.Context, cfg sandbox.Config, host sandbox.Host) (conn, error) {
	pr, err := p.take()
	if err != nil {
		return nil, err
	}
	pr.host = host
	r, err := pr.call(ctx, &sandbox.Msg{Op: "start", Config: &cfg})
	if err != nil {
		pr.kill()
		return nil, err
	}
	pr.exports = r.Exports
	return pr, nil
}

// proc is one sandbox child: the parent side of the pipe. Goroutine-safe.
type proc struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	stderr  *tailBuffer
	host    sandbox.Host // set before the first request
	exports map[string]string

	wmu sync.Mutex // guards writes to in

	mu      sync.Mutex // guards following
	pending map[uint64]chan *sandbox.Msg
	nextID  uint64

	broken   atomic.Bool
	dead     chan struct{}
	deadOnce sync.Once
	killOnce sync.Once
}

func (pr *proc) isDead() bool {
	select {
	case <-pr.dead:
		return true
	default:
		return false
	}
}

func (pr *proc) send(m *sandbox.Msg) error {
	pr.wmu.Lock()
	defer pr.wmu.Unlock()
	return sandbox.WriteFrame(pr.in, m)
}

// read dispatches frames from the child until its stdout closes.
func (pr *proc) read(r io.Reader) {
	defer pr.markDead()
	for {
		m, err := sandbox.ReadFrame(r)
		if err != nil {
			return
		}
		if m.Reply {
			pr.mu.Lock()
			ch := pr.pending[m.ID]
			delete(pr.pending, m.ID)
			pr.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		if m.Op == "log" {
			if pr.host != nil {
				pr.host.Log(m.Level, m.Text)
			}
			continue
		}
		go pr.serve(m)
	}
}

// serve answers a request of the child through the host.
func (pr *proc) serve(m *sandbox.Msg) {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultWallLimit)
	defer cancel()
	out := &sandbox.Msg{ID: m.ID, Reply: true}
	h := pr.host
	if h == nil {
		out.Err = sandbox.ToWire(errors.New("no host"))
	} else {
		switch m.Op {
		case "outbound", "capFetch":
			if m.Req == nil {
				out.Err = sandbox.ToWire(errors.New("missing request"))
				break
			}
			var resp *sandbox.Response
			var err error
			if m.Op == "outbound" {
				resp, err = h.Fetch(ctx, m.Req)
			} else {
				resp, err = h.CapFetch(ctx, m.Grant, m.Req)
			}
			out.Resp, out.Err = resp, sandbox.ToWire(err)
		case "capCall":
			var in sandbox.Value
			if m.Value != nil {
				in = *m.Value
			}
			v, err := h.CapCall(ctx, m.Grant, m.Method, in)
			if err == nil {
				out.Value = &v
			}
			out.Err = sandbox.ToWire(err)
		default:
			out.Err = sandbox.ToWire(fmt.Errorf("unknown op %q", m.Op))
		}
	}
	_ = pr.send(out)
}

func (pr *proc) markDead() {
	pr.deadOnce.Do(func() {
		close(pr.dead)
		pr.mu.Lock()
		for id, ch := range pr.pending {
			close(ch)
			delete(pr.pending, id)
		}
		pr.mu.Unlock()
	})
}

// call sends a request and waits for its reply. A call that outlives ctx
// (the wall-clock limit) kills the child: JS that ignores interrupts, or a
// child stuck in a native call, cannot be stopped any other way.
func (pr *proc) call(ctx context.Context, m *sandbox.Msg) (*sandbox.Msg, error) {
	ch := make(chan *sandbox.Msg, 1)
	pr.mu.Lock()
	if pr.isDead() {
		pr.mu.Unlock()
		return nil, sandbox.ErrProcess
	}
	pr.nextID++
	m.ID = pr.nextID
	pr.pending[m.ID] = ch
	pr.mu.Unlock()
	if err := pr.send(m); err != nil {
		pr.kill()
		return nil, sandbox.ErrProcess
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, sandbox.ErrProcess
		}
		if r.Broken {
			pr.broken.Store(true)
		}
		if r.Err != nil {
			err := sandbox.FromWire(r.Err)
			var le *sandbox.LimitError
			if errors.As(err, &le) {
				pr.broken.Store(true)
			}
			return nil, err
		}
		return r, nil
	case <-ctx.Done():
		pr.broken.Store(true)
		pr.kill()
		return nil, sandbox.ErrWall
	}
}

func (pr *proc) kill() {
	pr.killOnce.Do(func() {
		_ = pr.cmd.Process.Kill()
		_ = pr.in.Close()
		go func() {
			_ = pr.cmd.Wait()
			pr.markDead()
		}()
	})
}

func (pr *proc) HasEntrypoint(name string) bool {
	if name == "" {
		name = "default"
	}
	_, ok := pr.exports[name]
	return ok
}

func (pr *proc) Fetch(ctx context.Context, entry string, props any, lim sandbox.Limits, req *sandbox.Request) (*sandbox.Response, error) {
	r, err := pr.call(ctx, &sandbox.Msg{Op: "fetch", Entry: entry, Props: props, Limits: lim, Req: req})
	if err != nil {
		return nil, err
	}
	if r.Resp == nil {
		return nil, errors.New("loader: sandbox sent no response")
	}
	return r.Resp, nil
}

func (pr *proc) RPC(ctx context.Context, entry string, props any, lim sandbox.Limits, method string, args sandbox.Value) (sandbox.Value, error) {
	r, err := pr.call(ctx, &sandbox.Msg{Op: "rpc", Entry: entry, Props: props, Limits: lim, Method: method, Value: &args})
	if err != nil {
		return sandbox.Value{}, err
	}
	if r.Value == nil {
		return sandbox.Value{}, nil
	}
	return *r.Value, nil
}

func (pr *proc) Broken() bool { return pr.broken.Load() || pr.isDead() }

func (pr *proc) Close() { pr.kill() }

// tailBuffer keeps the last max bytes written (a child's stderr).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
