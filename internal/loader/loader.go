// Package loader implements Dynamic Workers: the worker_loaders binding
// (env.LOADER.get(id, callback) and load(code)), a bounded LRU cache of
// loaded workers per binding, the capability tables through which a
// dynamic worker reaches what its parent granted it (env stubs, a
// globalOutbound Fetcher), per-call limits, and the two isolation modes:
// a fresh engine runtime in this process (package sandbox) or a sandbox
// child process from a warm pool (process.go).
//
// It owns no JS (js/src/loader.js is the JS half) and does not run the
// parent worker (internal/worker); it plugs into a worker through
// Extension.
package loader

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/isola-run/isola/internal/bundle"
	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/loader/sandbox"
	"github.com/isola-run/isola/js"
)

// Isolation selects where dynamic workers run.
type Isolation string

const (
	// Isolate runs each dynamic worker in its own engine runtime inside
	// this process (the default).
	Isolate Isolation = "isolate"
	// Process runs each dynamic worker in a sandbox child process.
	Process Isolation = "process"
)

// evictDelay is how long an evicted worker waits before it is freed.
const evictDelay = 3 * time.Millisecond

// Defaults.
const (
	DefaultCacheSize        = 128
	DefaultProcessCacheSize = 8
	DefaultWallLimit        = 60 * time.Second
	DefaultSubRequests      = 1000
	// maxGrants caps the capabilities one dynamic worker may hold.
	maxGrants = 10000
)

// Options configures one loader binding. The zero value is valid.
type Options struct {
	// Name labels the binding in logs ("worker/BINDING").
	Name string
	// Isolation is Isolate (default) or Process.
	Isolation Isolation
	// CacheSize bounds the dynamic workers kept loaded; default
	// DefaultCacheSize, or DefaultProcessCacheSize for Process.
	CacheSize int
	// MemoryLimit caps each dynamic worker's JS heap; default 128 MiB.
	MemoryLimit int64
	// CPULimit caps the JS time of one call (and of start-up); default
	// 30 s. WorkerCode.limits.cpuMs and getEntrypoint's limits lower it.
	CPULimit time.Duration
	// WallLimit caps the wall-clock time of one call; default 60 s.
	WallLimit time.Duration
	// SubRequests caps the fetches and capability calls of one call;
	// default 1000. The limits of the code and the entrypoint lower it.
	SubRequests int
	// Logger receives the dynamic workers' console output; default
	// slog.Default().
	Logger *slog.Logger
	// Pool runs Process sandboxes; default a process-wide pool.
	Pool *Pool
	// Transport makes the outbound requests of workers that inherit the
	// parent's network; default a clone of http.DefaultTransport.
	Transport http.RoundTripper
}

// conn is a started dynamic worker, in this process or in a child.
type conn interface {
	HasEntrypoint(name string) bool
	Fetch(ctx context.Context, entry string, props any, lim sandbox.Limits, req *sandbox.Request) (*sandbox.Response, error)
	RPC(ctx context.Context, entry string, props any, lim sandbox.Limits, method string, args sandbox.Value) (sandbox.Value, error)
	Broken() bool
	Close()
}

// Loader is one worker_loaders binding: its cache and its dynamic workers.
// It is goroutine-safe.
type Loader struct {
	opts   Options
	client *http.Client

	mu       sync.Mutex // guards following
	lru      *list.List // of *dyn; front is the most recently used
	byHandle map[string]*list.Element
	loading  map[string]*loadCall
	nextAnon int64
	closed   bool

	bundles *bundleCache
}

type loadCall struct {
	done chan struct{}
	d    *dyn
	err  error
}

// New returns a loader binding.
func New(opts Options) *Loader {
	if opts.Isolation == "" {
		opts.Isolation = Isolate
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultCacheSize
		if opts.Isolation == Process {
			opts.CacheSize = DefaultProcessCacheSize
		}
	}
	if opts.MemoryLimit <= 0 {
		opts.MemoryLimit = sandbox.DefaultMemoryLimit
	}
	if opts.CPULimit <= 0 {
		opts.CPULimit = sandbox.DefaultCPULimit
	}
	if opts.WallLimit <= 0 {
		opts.WallLimit = DefaultWallLimit
	}
	if opts.SubRequests <= 0 {
		opts.SubRequests = DefaultSubRequests
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Transport == nil {
		opts.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	if opts.Isolation == Process && opts.Pool == nil {
		opts.Pool = DefaultPool()
	}
	return &Loader{
		opts:     opts,
		client:   &http.Client{Transport: opts.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		lru:      list.New(),
		byHandle: map[string]*list.Element{},
		loading:  map[string]*loadCall{},
		bundles:  newBundleCache(256),
	}
}

// Len is the number of dynamic workers loaded.
func (l *Loader) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// Close unloads every dynamic worker.
func (l *Loader) Close() {
	l.mu.Lock()
	l.closed = true
	var all []*dyn
	for e := l.lru.Front(); e != nil; e = e.Next() {
		all = append(all, e.Value.(*dyn))
	}
	l.lru.Init()
	l.byHandle = map[string]*list.Element{}
	l.mu.Unlock()
	for _, d := range all {
		d.evict()
	}
}

// Cached reports whether a worker named name is loaded, and marks it used.
func (l *Loader) Cached(name string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.byHandle[name]
	if e != nil {
		l.lru.MoveToFront(e)
	}
	return e != nil
}

// Release unloads the anonymous worker handle (from load()).
func (l *Loader) Release(handle string) {
	if !strings.HasPrefix(handle, anonPrefix) {
		return
	}
	l.mu.Lock()
	e := l.byHandle[handle]
	if e != nil {
		l.lru.Remove(e)
		delete(l.byHandle, handle)
	}
	l.mu.Unlock()
	if e != nil {
		go e.Value.(*dyn).evict() // off the caller's loop: closing a runtime takes a while
	}
}

const anonPrefix = "\x00load:"

// Code is a validated WorkerCode as js/src/loader.js hands it over.
type Code struct {
	MainModule string
	Modules    map[string]bundle.Module
	// Outbound is "none", "inherit" or "grant".
	Outbound string
	Limits   sandbox.Limits
}

// codeFrom reads the document loader.js builds.
func codeFrom(v any) (*Code, error) {
	m, _ := v.(map[string]any)
	if m == nil {
		return nil, engine.Errorf("TypeError", "WorkerCode must be an object.")
	}
	c := &Code{Modules: map[string]bundle.Module{}}
	c.MainModule, _ = m["mainModule"].(string)
	c.Outbound, _ = m["outbound"].(string)
	mods, _ := m["modules"].(map[string]any)
	for name, mv := range mods {
		md, _ := mv.(map[string]any)
		typ, _ := md["type"].(string)
		src, _ := md["source"].(string)
		var mod bundle.Module
		switch typ {
		case "js":
			mod = bundle.Module{Type: bundle.ESModule, Source: src}
		case "cjs":
			mod = bundle.Module{Type: bundle.CommonJS, Source: src}
		case "text":
			mod = bundle.Module{Type: bundle.Text, Source: src}
		case "json":
			mod = bundle.Module{Type: bundle.JSON, Source: src}
		case "data":
			b, _ := md["data"].([]byte)
			mod = bundle.Module{Type: bundle.Data, Data: b}
		default:
			return nil, engine.Errorf("TypeError", "Module %q has an unsupported type %q.", name, typ)
		}
		c.Modules[name] = mod
	}
	if lm, ok := m["limits"].(map[string]any); ok {
		c.Limits = limitsFrom(lm)
	}
	return c, nil
}

func limitsFrom(m map[string]any) sandbox.Limits {
	var lim sandbox.Limits
	if f, ok := m["cpuMs"].(float64); ok && f > 0 {
		lim.CPU = time.Duration(f * float64(time.Millisecond))
	}
	if f, ok := m["subRequests"].(float64); ok && f >= 0 {
		lim.SubRequests = int(f)
		if lim.SubRequests == 0 {
			lim.SubRequests = -1 // zero allowed: every subrequest fails
		}
	}
	return lim
}

// hash keys the bundle cache: the same modules bundle to the same script.
func (c *Code) hash() string {
	h := sha256.New()
	h.Write([]byte(c.MainModule))
	names := make([]string, 0, len(c.Modules))
	for n := range c.Modules {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		m := c.Modules[n]
		fmt.Fprintf(h, "\x00%s\x00%d\x00%d\x00", n, m.Type, len(m.Source)+len(m.Data))
		h.Write([]byte(m.Source))
		h.Write(m.Data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// StartError is what a failed load reports to the caller: workerd's
// "Failed to start Worker:\nUncaught ..." text.
func startErrorJS(err error, b stackRewriter) error {
	var se *sandbox.StartError
	if errors.As(err, &se) {
		where := ""
		if b != nil && se.Stack != "" {
			where = firstLocation(b.RewriteStack(se.Stack, sandbox.ScriptName))
		}
		msg := "Failed to start Worker:\nUncaught " + se.Name + ": " + se.Message
		if where != "" {
			msg += "\n  at " + where
		}
		return &engine.JSError{Name: "Error", Message: msg}
	}
	var le *sandbox.LimitError
	if errors.As(err, &le) {
		return &engine.JSError{Name: "Error", Message: "Failed to start Worker:\n" + le.Message}
	}
	var be *bundle.Error
	if errors.As(err, &be) && len(be.Messages) > 0 {
		m := be.Messages[0]
		if sm := noSuchModule.FindStringSubmatch(m.Text); sm != nil {
			// workerd: `Uncaught Error: No such module "x.js".\n  imported from "index.js"`.
			msg := "Failed to start Worker:\nUncaught Error: No such module " + sm[1] + "."
			if sm[2] != "" {
				msg += "\n  imported from " + sm[2]
			}
			return &engine.JSError{Name: "Error", Message: msg}
		}
		msg := "Failed to start Worker:\nUncaught SyntaxError: " + v8SyntaxText(m.Text)
		if m.File != "" && m.Line > 0 {
			// workerd counts the column of a syntax error from 0.
			msg += fmt.Sprintf("\n  at %s:%d:%d", m.File, m.Line, max(m.Col-1, 0))
		}
		return &engine.JSError{Name: "Error", Message: msg}
	}
	var je *engine.JSError
	if errors.As(err, &je) {
		return je
	}
	return &engine.JSError{Name: "Error", Message: "Failed to start Worker:\n" + err.Error()}
}

var (
	noSuchModule = regexp.MustCompile(`^no such module ("[^"]*")(?: imported from ("[^"]*"))?$`)
	esbuildFound = regexp.MustCompile(`^(?:Expected .* but found|Unexpected) ("(?:[^"\\]|\\.)*"|end of file)$`)
	jsIdent      = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)
	jsNumber     = regexp.MustCompile(`^[0-9.]`)
)

// v8Keywords are the reserved words V8 calls a "token" rather than an
// "identifier" in "Unexpected ..." messages.
var v8Keywords = map[string]bool{}

func init() {
	for _, k := range strings.Fields("await break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public") {
		v8Keywords[k] = true
	}
}

// v8SyntaxText rewrites esbuild's "unexpected token" messages in V8's
// words (`Expected ";" but found "x"` -> `Unexpected identifier 'x'`), so a
// model or a user sees what workerd would say; other messages pass as is.
func v8SyntaxText(text string) string {
	sm := esbuildFound.FindStringSubmatch(text)
	if sm == nil {
		return text
	}
	if sm[1] == "end of file" {
		return "Unexpected end of input"
	}
	tok, err := strconv.Unquote(sm[1])
	if err != nil {
		return text
	}
	switch {
	case jsIdent.MatchString(tok) && !v8Keywords[tok]:
		return "Unexpected identifier '" + tok + "'"
	case jsNumber.MatchString(tok):
		return "Unexpected number"
	case strings.HasPrefix(tok, `"`) || strings.HasPrefix(tok, "'"):
		return "Unexpected string"
	case strings.HasPrefix(tok, "`"):
		return "Unexpected template string"
	}
	return "Unexpected token '" + tok + "'"
}

// firstLocation returns "file:line:col" of the first frame of a stack that
// is not in the runtime's own code.
func firstLocation(stack string) string {
	for _, line := range strings.Split(stack, "\n") {
		l := strings.TrimSpace(line)
		if !strings.HasPrefix(l, "at ") {
			continue
		}
		l = strings.TrimSuffix(l, ")")
		if i := strings.LastIndexAny(l, "( "); i >= 0 {
			l = l[i+1:]
		}
		if strings.HasPrefix(l, "isola:") || l == "native" {
			continue
		}
		return l
	}
	return ""
}

// Load builds and starts a dynamic worker from code for parent (the
// runtime whose JS called LOADER.get/load) and caches it. name "" is an
// anonymous load(). env is the parent-serialized env whose externals are
// parent-local capability ids envRefs; outboundRef is the parent-local id
// of the globalOutbound Fetcher (Code.Outbound "grant"). It returns the
// handle calls name the worker by.
func (l *Loader) Load(ctx context.Context, parent *engine.Runtime, name string, code *Code, env []byte, envRefs []int64, outboundRef int64) (string, error) {
	if name != "" {
		l.mu.Lock()
		if e := l.byHandle[name]; e != nil {
			l.lru.MoveToFront(e)
			l.mu.Unlock()
			releaseLocals(parent, append(envRefs, outboundRef))
			return name, nil
		}
		if lc := l.loading[name]; lc != nil {
			l.mu.Unlock()
			releaseLocals(parent, append(envRefs, outboundRef))
			select {
			case <-lc.done:
			case <-ctx.Done():
				return "", ctx.Err()
			}
			if lc.err != nil {
				return "", lc.err
			}
			return name, nil
		}
		lc := &loadCall{done: make(chan struct{})}
		l.loading[name] = lc
		l.mu.Unlock()
		d, err := l.start(ctx, parent, name, code, env, envRefs, outboundRef)
		lc.d, lc.err = d, err
		l.mu.Lock()
		delete(l.loading, name)
		if err == nil {
			l.insertLocked(d)
		}
		l.mu.Unlock()
		close(lc.done)
		l.trim()
		return name, err
	}
	l.mu.Lock()
	l.nextAnon++
	handle := fmt.Sprintf("%s%d", anonPrefix, l.nextAnon)
	l.mu.Unlock()
	d, err := l.start(ctx, parent, handle, code, env, envRefs, outboundRef)
	if err != nil {
		return "", err
	}
	l.mu.Lock()
	l.insertLocked(d)
	l.mu.Unlock()
	l.trim()
	return handle, nil
}

func (l *Loader) insertLocked(d *dyn) {
	if l.closed {
		go d.evict()
		return
	}
	l.byHandle[d.key] = l.lru.PushFront(d)
}

// trim evicts least recently used workers beyond the cache size.
func (l *Loader) trim() {
	var out []*dyn
	l.mu.Lock()
	for l.lru.Len() > l.opts.CacheSize {
		e := l.lru.Back()
		d := e.Value.(*dyn)
		l.lru.Remove(e)
		delete(l.byHandle, d.key)
		out = append(out, d)
	}
	l.mu.Unlock()
	// In the background, and a little later: freeing a runtime costs about
	// as much as a load, and neither the request that caused the eviction
	// nor its CPU should wait for it (see sandbox.refillDelay).
	for _, d := range out {
		time.AfterFunc(evictDelay, d.evict)
	}
}

// drop evicts d if it is still cached (after it broke on a limit).
func (l *Loader) drop(d *dyn) {
	l.mu.Lock()
	e := l.byHandle[d.key]
	if e != nil && e.Value.(*dyn) == d {
		l.lru.Remove(e)
		delete(l.byHandle, d.key)
	} else {
		e = nil
	}
	l.mu.Unlock()
	if e != nil {
		d.evict()
	}
}

// acquire returns the worker for handle, counted as in use; nil if it is
// not loaded (evicted).
func (l *Loader) acquire(handle string) *dyn {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.byHandle[handle]
	if e == nil {
		return nil
	}
	l.lru.MoveToFront(e)
	d := e.Value.(*dyn)
	d.mu.Lock()
	d.inflight++
	d.mu.Unlock()
	return d
}

func (l *Loader) start(ctx context.Context, parent *engine.Runtime, key string, code *Code, env []byte, envRefs []int64, outboundRef int64) (*dyn, error) {
	fail := func(err error) (*dyn, error) {
		releaseLocals(parent, append(envRefs, outboundRef))
		return nil, startErrorJS(err, nil)
	}
	if _, ok := code.Modules[code.MainModule]; !ok {
		return fail(&engine.JSError{Name: "Error", Message: "Failed to start Worker:\nUncaught Error: No such module: " + code.MainModule})
	}
	cfg := sandbox.Config{
		Name:        l.opts.Name + ":" + strings.TrimPrefix(key, "\x00"),
		Env:         env,
		MemoryLimit: l.opts.MemoryLimit,
		CPULimit:    minDur(l.opts.CPULimit, code.Limits.CPU),
	}
	// ES modules alone run natively in isolate mode: bundling them would
	// cost more than the rest of the load. Anything else (CommonJS, text,
	// data or JSON modules, an import of a virtual module, code QuickJS
	// does not compile) is bundled, and so is every worker in process mode.
	if mods, main, ok := nativeModules(code); ok && l.opts.Isolation == Isolate {
		cfg.Modules, cfg.MainModule = mods, main
		d, err := l.run(ctx, parent, key, code, cfg, nativeStacks{}, envRefs, outboundRef)
		if !errors.Is(err, sandbox.ErrNotNative) {
			return d, err
		}
		cfg.Modules, cfg.MainModule = nil, ""
	}
	b, err := l.bundles.build(code)
	if err != nil {
		return fail(err)
	}
	cfg.Script = b.Code
	return l.run(ctx, parent, key, code, cfg, b, envRefs, outboundRef)
}

// stackRewriter maps a sandbox's stack traces to module names and lines.
type stackRewriter interface {
	RewriteStack(stack, scriptName string) string
}

// nativeStacks is the stackRewriter of natively run modules, whose frames
// already name their modules.
type nativeStacks struct{}

func (nativeStacks) RewriteStack(stack, _ string) string { return stack }

// nativeModules returns code's modules as sources by clean name if they
// are all ES modules.
func nativeModules(code *Code) (map[string]string, string, bool) {
	mods := make(map[string]string, len(code.Modules))
	for name, m := range code.Modules {
		if m.Type != bundle.ESModule {
			return nil, "", false
		}
		mods[bundle.CleanModuleName(name)] = m.Source
	}
	return mods, bundle.CleanModuleName(code.MainModule), true
}

// run starts the sandbox of cfg for key.
func (l *Loader) run(ctx context.Context, parent *engine.Runtime, key string, code *Code, cfg sandbox.Config, stacks stackRewriter, envRefs []int64, outboundRef int64) (*dyn, error) {
	var err error
	d := &dyn{l: l, key: key, bundle: stacks, limits: code.Limits, grants: map[int64]capRef{}}
	for _, local := range envRefs {
		cfg.EnvGrants = append(cfg.EnvGrants, d.grant(parent, local))
	}
	switch code.Outbound {
	case "none":
		cfg.Outbound = sandbox.OutboundNone
	case "grant":
		cfg.Outbound = sandbox.OutboundGrant
		cfg.OutboundGrant = d.grant(parent, outboundRef)
	default:
		cfg.Outbound = sandbox.OutboundInherit
	}
	sctx, cancel := context.WithTimeout(ctx, l.opts.WallLimit)
	defer cancel()
	var c conn
	if l.opts.Isolation == Process {
		c, err = l.opts.Pool.start(sctx, cfg, d)
	} else {
		c, err = sandbox.Start(sctx, cfg, d)
	}
	if errors.Is(err, sandbox.ErrNotNative) {
		// Nothing ran: the parent's references stay for the next try.
		return nil, err
	}
	if err != nil {
		d.releaseAll()
		return nil, startErrorJS(err, stacks)
	}
	d.c = c
	return d, nil
}

func minDur(a, b time.Duration) time.Duration {
	if b > 0 && (a <= 0 || b < a) {
		return b
	}
	return a
}

func minInt(a, b int) int {
	if b != 0 && (a == 0 || b < a) {
		return b
	}
	return a
}

// callLimits combines the loader's, the code's and the entrypoint's limits:
// the lowest wins.
func (l *Loader) callLimits(d *dyn, ep sandbox.Limits) sandbox.Limits {
	lim := sandbox.Limits{CPU: l.opts.CPULimit, SubRequests: l.opts.SubRequests}
	lim.CPU = minDur(minDur(lim.CPU, d.limits.CPU), ep.CPU)
	lim.SubRequests = minInt(minInt(lim.SubRequests, d.limits.SubRequests), ep.SubRequests)
	return lim
}

// errorDoc is the {error} result loader.js turns into a thrown error.
func (d *dyn) errorDoc(err error) map[string]any {
	var re *sandbox.RemoteError
	if errors.As(err, &re) {
		st := re.Stack
		if st != "" {
			st = d.bundle.RewriteStack(st, sandbox.ScriptName)
		}
		if st == "" || !strings.HasPrefix(st, re.Name) {
			st = re.Name + ": " + re.Message + "\n" + st
		}
		return map[string]any{"error": map[string]any{"name": re.Name, "message": re.Message, "stack": st, "remote": true}}
	}
	var le *sandbox.LimitError
	if errors.As(err, &le) {
		return map[string]any{"error": map[string]any{"name": "Error", "message": le.Message}}
	}
	var je *engine.JSError
	if errors.As(err, &je) {
		return map[string]any{"error": map[string]any{"name": je.Name, "message": je.Message}}
	}
	return map[string]any{"error": map[string]any{"name": "Error", "message": err.Error()}}
}

var errEvicted = map[string]any{"evicted": true}

// Fetch delivers req to the worker handle's entrypoint. The result is the
// document loader.js expects: {response}, {error} or {evicted}.
func (l *Loader) Fetch(ctx context.Context, handle, entry string, props any, ep sandbox.Limits, req *sandbox.Request) map[string]any {
	d := l.acquire(handle)
	if d == nil {
		return errEvicted
	}
	defer d.done()
	if !d.c.HasEntrypoint(entry) {
		return d.errorDoc(&engine.JSError{Name: "Error", Message: "Worker has no such entrypoint: " + orDefault(entry)})
	}
	cctx, cancel := context.WithTimeout(ctx, l.opts.WallLimit)
	defer cancel()
	resp, err := d.c.Fetch(cctx, entry, props, l.callLimits(d, ep), req)
	if d.c.Broken() {
		l.drop(d)
	}
	if err != nil {
		if errors.Is(err, sandbox.ErrClosed) {
			return errEvicted
		}
		return d.errorDoc(err)
	}
	return map[string]any{"response": sandbox.ResponseDoc(resp)}
}

// RPC calls method on the worker handle's entrypoint with args serialized
// by parent; refs are parent-local capability ids inside args. The result
// is {bytes, refs} (refs parent-local), {error} or {evicted}.
func (l *Loader) RPC(ctx context.Context, parent *engine.Runtime, handle, entry string, props any, ep sandbox.Limits, method string, args []byte, refs []int64) map[string]any {
	d := l.acquire(handle)
	if d == nil {
		return errEvicted
	}
	defer d.done()
	if !d.c.HasEntrypoint(entry) {
		return d.errorDoc(&engine.JSError{Name: "Error", Message: "Worker has no such entrypoint: " + orDefault(entry)})
	}
	// Capabilities passed as arguments are granted for the call only.
	grants := make([]int64, len(refs))
	for i, local := range refs {
		grants[i] = d.grant(parent, local)
	}
	defer d.revoke(grants)
	cctx, cancel := context.WithTimeout(ctx, l.opts.WallLimit)
	defer cancel()
	out, err := d.c.RPC(cctx, entry, props, l.callLimits(d, ep), method, sandbox.Value{Bytes: args, Grants: grants})
	if d.c.Broken() {
		l.drop(d)
	}
	if err != nil {
		if errors.Is(err, sandbox.ErrClosed) {
			return errEvicted
		}
		return d.errorDoc(err)
	}
	locals, err := d.toLocals(parent, out.Grants)
	if err != nil {
		return d.errorDoc(err)
	}
	return map[string]any{"bytes": out.Bytes, "refs": int64List(locals)}
}

func orDefault(s string) string {
	if s == "" {
		return "default"
	}
	return s
}

func int64List(v []int64) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// bundleCache keeps recent bundles by code hash, so loading the same code
// under many ids (or again after eviction) skips esbuild.
type bundleCache struct {
	mu  sync.Mutex // guards following
	max int
	lru *list.List // of bundleEntry
	m   map[string]*list.Element
}

type bundleEntry struct {
	key string
	b   *bundle.Bundle
}

func newBundleCache(max int) *bundleCache {
	return &bundleCache{max: max, lru: list.New(), m: map[string]*list.Element{}}
}

func (c *bundleCache) build(code *Code) (*bundle.Bundle, error) {
	key := code.hash()
	c.mu.Lock()
	if e := c.m[key]; e != nil {
		c.lru.MoveToFront(e)
		b := e.Value.(bundleEntry).b
		c.mu.Unlock()
		return b, nil
	}
	c.mu.Unlock()
	b, err := bundle.BuildModules(shadowRequire(code.Modules), code.MainModule, js.Modules)
	if err != nil {
		// The shadow may clash with the module's own declaration of
		// require; the error to report is that of the code as given.
		b, err = bundle.BuildModules(code.Modules, code.MainModule, js.Modules)
	}
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[key]; e != nil {
		return e.Value.(bundleEntry).b, nil
	}
	c.m[key] = c.lru.PushFront(bundleEntry{key, b})
	for c.lru.Len() > c.max {
		e := c.lru.Back()
		c.lru.Remove(e)
		delete(c.m, e.Value.(bundleEntry).key)
	}
	return b, nil
}

// requireShadow ends every ES module of a dynamic worker. Bundling turns a
// free "require" into esbuild's __require shim, so `typeof require` would be
// "function" in an ES module; in workerd (which does not bundle the modules
// of a WorkerCode) it is "undefined" without nodejs_compat. A hoisted var
// declared after the last line keeps the module's line numbers.
const requireShadow = "\n;var require;"

// shadowRequire returns mods with requireShadow appended to each ES module.
func shadowRequire(mods map[string]bundle.Module) map[string]bundle.Module {
	out := make(map[string]bundle.Module, len(mods))
	for name, m := range mods {
		if m.Type == bundle.ESModule {
			m.Source += requireShadow
		}
		out[name] = m
	}
	return out
}
