// Package server runs a project: it loads the wrangler config, bundles each
// worker, starts them in one worker.Registry, serves the main worker over
// HTTP, fires cron triggers, reloads on file change (dev) and shuts down
// gracefully (serve). It owns process lifecycle, not request semantics.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/isola-run/isola/internal/actor"
	"github.com/isola-run/isola/internal/bundle"
	"github.com/isola-run/isola/internal/cluster"
	"github.com/isola-run/isola/internal/config"
	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/loader"
	"github.com/isola-run/isola/internal/storage"
	"github.com/isola-run/isola/internal/websocket"
	"github.com/isola-run/isola/internal/worker"
	"github.com/isola-run/isola/js"
)

// Options configures a Server. The zero value serves on 127.0.0.1:8787.
type Options struct {
	// Path is a project directory (with a wrangler config) or an entry file.
	Path string
	// Config is an explicit config file; it wins over Path's discovery.
	Config string
	// Env selects a named environment of the config.
	Env string
	// Flags are the command-line overrides (port, ip, persist-to, vars,
	// limits); see config.Resolve for the layering.
	Flags config.Flags
	// Environ is the process environment for config.Resolve (ISOLA_*);
	// default none.
	Environ []string
	// IdleTimeout evicts idle Durable Objects; default 70 s.
	IdleTimeout time.Duration
	// HibernationTimeout evicts an object whose only work is hibernatable
	// WebSockets; default 10 s (workerd's).
	HibernationTimeout time.Duration
	// MaxOpenDatabases bounds the Durable Object databases kept open between
	// events; default 1024, or an eighth of the file limit when lower.
	MaxOpenDatabases int
	// MaxWebSocketMessage caps a received WebSocket message in bytes;
	// default 32 MiB (workerd's).
	MaxWebSocketMessage int64
	// Watch reloads workers when a source file or the config changes.
	Watch bool
	// Dev enables dev-only endpoints (/__scheduled).
	Dev bool
	// Logger receives logs; default slog.Default().
	Logger *slog.Logger
	// Ready, if set, is called with the URL once the server listens.
	Ready func(url string)
	// Grace is how long Shutdown waits for in-flight requests; default 30s.
	Grace time.Duration
	// Runtimes per worker; default GOMAXPROCS.
	Runtimes int
}

// Server is a running project. It is goroutine-safe.
type Server struct {
	opts Options
	log  *slog.Logger

	mu      sync.RWMutex // guards following
	project *config.Project
	reg     *worker.Registry
	main    *worker.Worker
	inputs  []string
	loadErr error

	resolved *config.Runtime
	store    *storage.Store
	actors   *actor.Manager
	loaders  []*loader.Loader // Dynamic Workers: the worker_loaders bindings

	node *cluster.Node // cluster mode (cluster.go); nil otherwise

	crons *cron.Cron
	http  *http.Server
	ln    net.Listener
}

// New loads and builds the project. A broken project is an error when not
// watching; when watching, the server starts and answers 500 with the error
// until the files are fixed.
func New(opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Grace <= 0 {
		opts.Grace = 30 * time.Second
	}
	if opts.MaxOpenDatabases <= 0 {
		opts.MaxOpenDatabases = maxOpenDatabases()
	}
	s := &Server{opts: opts, log: opts.Logger}
	if opts.MaxWebSocketMessage > 0 {
		websocket.Default.Configure(websocket.Options{MaxMessage: opts.MaxWebSocketMessage})
	}
	// A path that does not exist is a mistake to report, not a project to
	// wait for.
	for _, p := range []string{opts.Config, opts.Path} {
		if p != "" {
			if _, err := os.Stat(p); err != nil {
				return nil, fmt.Errorf("server: %w", err)
			}
		}
	}
	if err := s.load(); err != nil {
		if !opts.Watch {
			return nil, err
		}
		s.log.Error(err.Error())
	}
	return s, nil
}

// loadProject finds and loads the config (or the single entry file).
func (s *Server) loadProject() (*config.Project, error) {
	path := s.opts.Config
	if path == "" {
		p := s.opts.Path
		if p == "" {
			p = "."
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		if !st.IsDir() {
			return config.FromEntry(p)
		}
		path, err = config.Find(p)
		if err != nil {
			return nil, fmt.Errorf("server: %s: %w", p, err)
		}
	}
	proj, diags, err := config.LoadEnv(path, s.opts.Env)
	for _, d := range diags {
		if d.Severity != config.SeverityError {
			s.log.Warn(d.String())
		}
	}
	if err != nil {
		return nil, err
	}
	return proj, nil
}

func (s *Server) load() error {
	proj, err := s.loadProject()
	if err != nil {
		s.setBroken(err, nil)
		return err
	}
	res, err := config.Resolve(proj, s.opts.Environ, s.opts.Flags)
	if err != nil {
		s.setBroken(err, nil)
		return err
	}
	if err := s.startCluster(proj, res.PersistTo); err != nil { // cluster.go
		s.setBroken(err, nil)
		return err
	}
	if s.store == nil {
		// Cluster mode replicates each commit's changeset.
		st, err := storage.OpenStore(res.PersistTo, storage.StoreOptions{MaxOpen: s.opts.MaxOpenDatabases, DB: storage.Options{CaptureChanges: s.node != nil, DeferSync: true}})
		if err != nil {
			return err
		}
		s.store = st
	}
	if err := applyMigrations(res.PersistTo, res.Workers, s.log); err != nil {
		s.setBroken(err, nil)
		return err
	}
	if s.actors != nil {
		// One owner per object: the old generation's objects commit and close
		// before the new one may open them.
		s.actors.Close()
	}
	reg := worker.NewRegistry()
	actors := actor.New(reg, actor.Options{Store: s.store, IdleTimeout: s.opts.IdleTimeout, HibernationTimeout: s.opts.HibernationTimeout, Logger: s.log, Cluster: s.node})
	for _, wc := range res.Workers {
		for _, b := range wc.DurableObjects.Bindings {
			owner := wc.Name
			if b.ScriptName != "" {
				owner = b.ScriptName
			}
			actors.AddClass(actor.Class{UniqueKey: actor.UniqueKey(owner, b.ClassName), Worker: owner, ClassName: b.ClassName})
		}
	}
	var inputs []string
	if proj.Path != "" {
		inputs = append(inputs, proj.Path)
	}
	var started []*worker.Worker
	var mainW *worker.Worker
	var loaders []*loader.Loader
	fail := func(err error) error {
		for _, l := range loaders {
			l.Close()
		}
		actors.Close()
		for _, w := range started {
			w.Close()
		}
		s.setBroken(err, inputs)
		return err
	}
	for _, wc := range res.Workers {
		if wc.Main == "" {
			continue
		}
		rules := make([]bundle.Rule, 0, len(wc.Rules))
		for _, r := range wc.Rules {
			rules = append(rules, bundle.Rule{Type: r.Type, Globs: r.Globs})
		}
		b, err := bundle.Build(bundle.Options{Dir: proj.Dir, Entry: wc.Main, Virtual: js.Modules, Rules: rules})
		if b != nil {
			inputs = append(inputs, b.Inputs...)
		}
		var be *bundle.Error
		if errors.As(err, &be) {
			inputs = append(inputs, be.Inputs...)
		}
		if err != nil {
			return fail(fmt.Errorf("worker %q: %w", wc.Name, err))
		}
		for _, m := range b.Warnings {
			s.log.Warn(m.String(), "worker", wc.Name)
		}
		vars := map[string]any{}
		for k, v := range wc.Vars {
			vars[k] = v
		}
		dos := map[string]any{}
		for _, b := range wc.DurableObjects.Bindings {
			owner := wc.Name
			if b.ScriptName != "" {
				owner = b.ScriptName
			}
			dos[b.Name] = actor.UniqueKey(owner, b.ClassName)
		}
		svcs := map[string]worker.Target{}
		for _, sb := range wc.Services {
			svcs[sb.Binding] = worker.Target{Service: sb.Service, Entrypoint: sb.Entrypoint}
		}
		// Dynamic Workers (internal/loader): one Loader per worker_loaders binding.
		exts := []worker.Extension{actors.Extension()}
		lmap, ldesc := map[string]*loader.Loader{}, map[string]string{}
		for _, lb := range wc.WorkerLoaders {
			l := loader.New(loader.Options{Name: wc.Name + "/" + lb.Binding, Isolation: loader.Isolation(lb.Isolation),
				CacheSize: lb.CacheSize, MemoryLimit: res.MemoryLimit, Logger: s.log})
			lmap[lb.Binding], ldesc[lb.Binding] = l, lb.Binding
			loaders = append(loaders, l)
		}
		if len(lmap) > 0 {
			exts = append(exts, loader.Extension(lmap))
		}
		scriptName := wc.Name + ".js"
		bb := b
		w, err := worker.New(worker.Spec{
			Name:         wc.Name,
			ScriptName:   scriptName,
			Script:       b.Code,
			RewriteStack: func(st string) string { return bb.RewriteStack(st, scriptName) },
			Vars:         vars,
			Services:     svcs,
			CPULimit:     wc.CPULimit(),
			MemoryLimit:  res.MemoryLimit,
			Runtimes:     s.opts.Runtimes,
			Logger:       s.log,
			Extensions:   exts,
			Env:          map[string]any{"durableObjects": dos, "loaders": loader.EnvDescriptor(ldesc), "ai": aiDesc(wc)},
		}, reg)
		if err != nil {
			return fail(fmt.Errorf("worker %q: %w", wc.Name, err))
		}
		reg.Put(w)
		started = append(started, w)
		if mainW == nil {
			mainW = w
		}
	}
	if mainW == nil {
		return fail(errors.New("server: the project has no worker with a main module"))
	}
	if err := actors.Start(); err != nil {
		return fail(err)
	}
	s.mu.Lock()
	oldReg, oldLoaders := s.reg, s.loaders
	s.loaders = loaders
	s.project, s.reg, s.main, s.inputs, s.loadErr = proj, reg, mainW, inputs, nil
	s.resolved, s.actors = res, actors
	s.mu.Unlock()
	s.setupCrons(proj, reg)
	if oldReg != nil {
		go func() {
			closeRegistry(oldReg, proj)
			for _, l := range oldLoaders {
				l.Close()
			}
		}()
	}
	return nil
}

func closeRegistry(reg *worker.Registry, proj *config.Project) {
	for _, wc := range proj.Workers {
		if w := reg.Get(wc.Name); w != nil {
			w.Close()
		}
	}
}

func (s *Server) setBroken(err error, inputs []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loadErr = err
	if len(inputs) > 0 {
		s.inputs = inputs
	}
}

func (s *Server) setupCrons(proj *config.Project, reg *worker.Registry) {
	if s.crons != nil {
		s.crons.Stop()
		s.crons = nil
	}
	c := cron.New(cron.WithLocation(time.UTC))
	n := 0
	for _, wc := range proj.Workers {
		for _, expr := range wc.Triggers.Crons {
			name, expr := wc.Name, expr
			_, err := c.AddFunc(expr, func() {
				if w := reg.Get(name); w != nil {
					ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
					defer cancel()
					_ = w.Scheduled(ctx, expr, time.Now())
				}
			})
			if err != nil {
				s.log.Error("bad cron", "worker", name, "cron", expr, "error", err)
				continue
			}
			n++
		}
	}
	if n > 0 {
		c.Start()
		s.crons = c
	}
}

// ServeHTTP routes a request to the main worker (and dev endpoints).
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	w, loadErr := s.main, s.loadErr
	s.mu.RUnlock()
	if loadErr != nil {
		http.Error(rw, "isola: the worker failed to build or load:\n\n"+loadErr.Error(), http.StatusInternalServerError)
		return
	}
	if s.opts.Dev && r.URL.Path == "/__isola/objects" {
		// Dev-only inspection: Durable Objects holding hibernatable
		// WebSockets, and whether each is hibernated (evicted from memory
		// while its sockets stay open), which the reference cannot show.
		s.mu.RLock()
		actors := s.actors
		s.mu.RUnlock()
		rw.Header().Set("content-type", "application/json")
		info, resident := []actor.HibernationInfo{}, 0
		if actors != nil {
			info = append(info, actors.Hibernation()...)
			resident = actors.Resident()
		}
		_ = json.NewEncoder(rw).Encode(map[string]any{"resident": resident, "websocketObjects": info})
		return
	}
	if s.opts.Dev && r.URL.Path == "/__scheduled" {
		c := r.URL.Query().Get("cron")
		if err := w.Scheduled(r.Context(), c, time.Now()); err != nil {
			http.Error(rw, "scheduled handler failed: "+err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = rw.Write([]byte("Ran scheduled event"))
		return
	}
	w.ServeHTTP(rw, r)
}

// Listen binds the address and returns the URL.
func (s *Server) Listen() (string, error) {
	addr := s.Addr()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("server: listen %s: %w", addr, err)
	}
	s.ln = ln
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		MaxHeaderBytes:    128 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	ta := ln.Addr().(*net.TCPAddr)
	host := ta.IP.String()
	if ta.IP.To4() == nil {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("http://%s:%d", host, ta.Port), nil
}

// maxOpenDatabases bounds the object databases kept open between events:
// 1024 (about 150 KiB and 4 file descriptors each), or an eighth of the
// process's file limit when that is lower. A working set of objects larger
// than the bound reopens databases, which costs a checkpoint on close.
func maxOpenDatabases() int {
	n := 1024
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil && rl.Cur/8 < uint64(n) {
		n = max(int(rl.Cur/8), 16)
	}
	return n
}

// Addr is the address the server listens on: the resolved config's, or
// the flags' (and defaults) when the project failed to load.
func (s *Server) Addr() string {
	s.mu.RLock()
	res := s.resolved
	s.mu.RUnlock()
	if res != nil {
		return res.Addr()
	}
	r, err := config.Resolve(nil, s.opts.Environ, s.opts.Flags)
	if err != nil {
		return net.JoinHostPort(config.DefaultIP, fmt.Sprint(config.DefaultPort))
	}
	return r.Addr()
}

// Actors returns the Durable Object manager (for tests and tools).
func (s *Server) Actors() *actor.Manager {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.actors
}

// Serve serves until ctx ends, then shuts down gracefully: in-flight
// requests and ctx.waitUntil work get Options.Grace to finish.
func (s *Server) Serve(ctx context.Context) error {
	if s.ln == nil {
		if _, err := s.Listen(); err != nil {
			return err
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(s.ln) }()
	if s.opts.Watch {
		go s.watch(ctx)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.Grace)
	defer cancel()
	err := s.http.Shutdown(sctx)
	if s.crons != nil {
		<-s.crons.Stop().Done()
	}
	s.mu.RLock()
	reg, proj := s.reg, s.project
	s.mu.RUnlock()
	if reg != nil {
		for _, wc := range proj.Workers {
			if w := reg.Get(wc.Name); w != nil {
				w.Drain(sctx)
			}
		}
	}
	s.mu.RLock()
	actors := s.actors
	s.mu.RUnlock()
	if actors != nil {
		actors.Close()
	}
	if reg != nil {
		for _, wc := range proj.Workers {
			if w := reg.Get(wc.Name); w != nil {
				w.Close()
			}
		}
	}
	if s.node != nil {
		s.node.Close() // after the actors released their leases
	}
	if s.store != nil {
		s.store.Close()
	}
	return err
}

// watch polls the inputs' modification times and reloads on change. Polling
// (every 300 ms) needs no OS-specific notification API and is cheap for the
// few hundred files of a worker project.
func (s *Server) watch(ctx context.Context) {
	stamp := func() string {
		s.mu.RLock()
		in := append([]string(nil), s.inputs...)
		s.mu.RUnlock()
		var b strings.Builder
		for _, f := range in {
			if st, err := os.Stat(f); err == nil {
				fmt.Fprintf(&b, "%s %d %d\n", f, st.ModTime().UnixNano(), st.Size())
			}
		}
		// A .dev.vars file appearing also matters.
		if s.project != nil {
			if st, err := os.Stat(filepath.Join(s.project.Dir, ".dev.vars")); err == nil {
				fmt.Fprintf(&b, ".dev.vars %d\n", st.ModTime().UnixNano())
			}
		}
		return b.String()
	}
	last := stamp()
	t := time.NewTicker(300 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := stamp()
		if now == last {
			continue
		}
		last = now
		s.log.Info("change detected, reloading")
		if err := s.load(); err != nil {
			s.log.Error(err.Error())
		} else {
			s.log.Info("reloaded")
		}
		last = stamp()
	}
}

// Main returns the main worker (for tests and tools).
func (s *Server) Main() *worker.Worker {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.main
}

// SetCacheDir makes compiled bytecode persist under dir.
func SetCacheDir(dir string) { engine.SetDefaultCacheDir(dir) }

// aiDesc describes the worker's "ai" binding for js/src/ai.js: env.AI
// forwards to an OpenAI-compatible endpoint (internal/agents tests it).
func aiDesc(wc *config.Worker) map[string]any {
	if wc.AI == nil {
		return nil
	}
	key := ""
	if wc.AI.APIKeyVar != "" {
		if v, ok := wc.Vars[wc.AI.APIKeyVar].(string); ok {
			key = v
		}
	}
	return map[string]any{wc.AI.Binding: map[string]any{"baseURL": wc.AI.BaseURL, "apiKey": key, "model": wc.AI.Model}}
}
