package loader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/loader/sandbox"
	"github.com/isola-run/isola/internal/worker"
)

// dyn is one loaded dynamic worker and its capability table. It is the
// sandbox.Host of its sandbox. Goroutine-safe.
type dyn struct {
	l      *Loader
	key    string
	bundle interface {
		RewriteStack(stack, scriptName string) string
	}
	limits sandbox.Limits
	c      conn

	mu        sync.Mutex // guards following
	grants    map[int64]capRef
	nextGrant int64
	inflight  int
	evicted   bool
	closed    bool
}

// capRef is a capability: entry local of the export table of runtime rt
// (js/src/loader.js).
type capRef struct {
	rt    *engine.Runtime
	local int64
}

// grant gives the worker capability local of rt and returns its grant id.
func (d *dyn) grant(rt *engine.Runtime, local int64) int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.nextGrant++
	d.grants[d.nextGrant] = capRef{rt: rt, local: local}
	return d.nextGrant
}

// revoke drops per-call grants (their exports are released by the JS that
// made them).
func (d *dyn) revoke(ids []int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, id := range ids {
		delete(d.grants, id)
	}
}

func (d *dyn) lookup(id int64) (capRef, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.grants[id]
	if !ok || c.rt == nil {
		return capRef{}, &engine.JSError{Name: "Error", Message: "The capability was revoked or never granted."}
	}
	return c, nil
}

// toLocals maps grant ids of this worker to local ids of rt's export
// table. A capability owned by another runtime cannot cross.
func (d *dyn) toLocals(rt *engine.Runtime, ids []int64) ([]int64, error) {
	out := make([]int64, len(ids))
	for i, id := range ids {
		c, err := d.lookup(id)
		if err != nil {
			return nil, err
		}
		if c.rt != rt {
			return nil, &engine.JSError{Name: "DataCloneError", Message: "A capability of another worker cannot be passed here."}
		}
		out[i] = c.local
	}
	return out, nil
}

// done ends a call; an evicted worker closes after its last call.
func (d *dyn) done() {
	d.mu.Lock()
	d.inflight--
	closeNow := d.evicted && d.inflight == 0 && !d.closed
	if closeNow {
		d.closed = true
	}
	d.mu.Unlock()
	if closeNow {
		d.close()
	}
}

// evict marks d unloaded; it closes now or after its calls in flight.
func (d *dyn) evict() {
	d.mu.Lock()
	d.evicted = true
	closeNow := d.inflight == 0 && !d.closed
	if closeNow {
		d.closed = true
	}
	d.mu.Unlock()
	if closeNow {
		d.close()
	}
}

func (d *dyn) close() {
	if d.c != nil {
		d.c.Close()
	}
	d.releaseAll()
}

// releaseAll returns every granted capability to its owner's export table.
func (d *dyn) releaseAll() {
	d.mu.Lock()
	byRT := map[*engine.Runtime][]int64{}
	for _, c := range d.grants {
		if c.rt != nil {
			byRT[c.rt] = append(byRT[c.rt], c.local)
		}
	}
	d.grants = map[int64]capRef{}
	d.mu.Unlock()
	for rt, locals := range byRT {
		releaseLocals(rt, locals)
	}
}

// releaseLocals drops entries of rt's export table (in the background).
func releaseLocals(rt *engine.Runtime, locals []int64) {
	var ids []any
	for _, l := range locals {
		if l > 0 {
			ids = append(ids, float64(l))
		}
	}
	if rt == nil || len(ids) == 0 {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = rt.Call(ctx, "loader.capRelease", ids)
	}()
}

// ---- sandbox.Host ------------------------------------------------------------

// Fetch is the inherited global outbound: the parent's network.
func (d *dyn) Fetch(ctx context.Context, req *sandbox.Request) (*sandbox.Response, error) {
	var body io.Reader
	if req.HasBody {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.URL, body)
	if err != nil {
		return nil, &engine.JSError{Name: "TypeError", Message: "Fetch API cannot load: " + req.URL}
	}
	for _, kv := range req.Headers {
		hr.Header.Add(kv[0], kv[1])
	}
	resp, err := d.l.client.Do(hr)
	if err != nil {
		return nil, &engine.JSError{Name: "Error", Message: "Network connection lost."}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, sandbox.MaxBody+1))
	if err != nil {
		return nil, &engine.JSError{Name: "Error", Message: "Network connection lost."}
	}
	if len(b) > sandbox.MaxBody {
		return nil, &engine.JSError{Name: "RangeError", Message: fmt.Sprintf("response body over %d bytes", sandbox.MaxBody)}
	}
	out := &sandbox.Response{Status: resp.StatusCode, StatusText: http.StatusText(resp.StatusCode), Body: b, HasBody: true}
	for k, vs := range resp.Header {
		for _, v := range vs {
			out.Headers = append(out.Headers, [2]string{k, v})
		}
	}
	return out, nil
}

// CapFetch calls fetch() on a granted capability in its owner runtime.
func (d *dyn) CapFetch(ctx context.Context, grant int64, req *sandbox.Request) (*sandbox.Response, error) {
	c, err := d.lookup(grant)
	if err != nil {
		return nil, err
	}
	init := map[string]any{"method": req.Method, "url": req.URL, "headers": headerDoc(req.Headers)}
	if req.HasBody {
		init["body"] = req.Body
		if req.Body == nil {
			init["body"] = []byte{}
		}
	}
	v, err := c.rt.Call(ctx, "loader.capFetch", float64(c.local), init)
	if err != nil {
		return nil, ownerError(err)
	}
	m, err := worker.BufferResponse(v, sandbox.MaxBody)
	if err != nil {
		return nil, err
	}
	out := &sandbox.Response{}
	st, _ := m["status"].(int)
	out.Status = st
	out.StatusText, _ = m["statusText"].(string)
	if b, ok := m["body"].([]byte); ok {
		out.Body, out.HasBody = b, true
	}
	for _, h := range m["headers"].([]any) {
		kv := h.([]any)
		k, _ := kv[0].(string)
		v, _ := kv[1].(string)
		out.Headers = append(out.Headers, [2]string{k, v})
	}
	return out, nil
}

// CapCall calls a method of a granted capability in its owner runtime.
func (d *dyn) CapCall(ctx context.Context, grant int64, method string, args sandbox.Value) (sandbox.Value, error) {
	c, err := d.lookup(grant)
	if err != nil {
		return sandbox.Value{}, err
	}
	locals, err := d.toLocals(c.rt, args.Grants)
	if err != nil {
		return sandbox.Value{}, err
	}
	v, err := c.rt.Call(ctx, "loader.capInvoke", float64(c.local), method, args.Bytes, int64List(locals))
	if err != nil {
		return sandbox.Value{}, ownerError(err)
	}
	m, _ := v.(map[string]any)
	out := sandbox.Value{}
	out.Bytes, _ = m["bytes"].([]byte)
	refs, _ := m["refs"].([]any)
	d.mu.Lock()
	n := len(d.grants)
	d.mu.Unlock()
	if n+len(refs) > maxGrants {
		var ls []int64
		for _, r := range refs {
			f, _ := r.(float64)
			ls = append(ls, int64(f))
		}
		releaseLocals(c.rt, ls)
		return sandbox.Value{}, &engine.JSError{Name: "RangeError", Message: "Too many capabilities held by this dynamic worker."}
	}
	for _, r := range refs {
		f, _ := r.(float64)
		out.Grants = append(out.Grants, d.grant(c.rt, int64(f)))
	}
	return out, nil
}

// Log forwards console output.
func (d *dyn) Log(level, msg string) {
	lv := slog.LevelInfo
	switch level {
	case "error", "trace":
		lv = slog.LevelError
	case "warn":
		lv = slog.LevelWarn
	case "debug":
		lv = slog.LevelDebug
	}
	d.l.opts.Logger.Log(context.Background(), lv, msg, "worker", d.l.opts.Name, "dynamic", d.name(), "source", "console")
}

func (d *dyn) name() string {
	if len(d.key) > 0 && d.key[0] == 0 {
		return d.key[1:]
	}
	return d.key
}

// ownerError keeps the class of an exception thrown by the capability's
// owner (a tool throwing TypeError reaches the sandbox as TypeError).
func ownerError(err error) error {
	var e *engine.Error
	if errors.As(err, &e) {
		name := e.Name
		if name == "" {
			name = "Error"
		}
		return &engine.JSError{Name: name, Message: e.Message}
	}
	return err
}

func headerDoc(h [][2]string) []any {
	out := make([]any, len(h))
	for i, kv := range h {
		out[i] = []any{kv[0], kv[1]}
	}
	return out
}
