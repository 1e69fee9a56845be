package loader

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/isola-run/isola/internal/bundle"
	"github.com/isola-run/isola/internal/worker"
	"github.com/isola-run/isola/js"
)

// parent is a test worker with one LOADER binding.
type parent struct {
	w *worker.Worker
	l *Loader
}

// newParent starts a worker from the ES module src with env.LOADER bound
// to a loader made with opts.
func newParent(tb testing.TB, src string, opts Options) *parent {
	tb.Helper()
	return newParentExtra(tb, map[string]string{"index.js": src}, opts, nil)
}

func newParentExtra(tb testing.TB, mods map[string]string, opts Options, reg *worker.Registry) *parent {
	tb.Helper()
	ms := map[string]bundle.Module{}
	for k, v := range mods {
		ms[k] = bundle.Module{Type: bundle.ESModule, Source: v}
	}
	b, err := bundle.BuildModules(ms, "index.js", js.Modules)
	if err != nil {
		tb.Fatalf("BuildModules: %v", err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Name == "" {
		opts.Name = "parent/LOADER"
	}
	l := New(opts)
	tb.Cleanup(l.Close)
	if reg == nil {
		reg = worker.NewRegistry()
	}
	w, err := worker.New(worker.Spec{
		Name:         "parent",
		Script:       b.Code,
		RewriteStack: func(s string) string { return b.RewriteStack(s, "worker.js") },
		Runtimes:     2,
		Services:     map[string]worker.Target{"SELF": {Service: "parent", Entrypoint: "Self"}},
		Logger:       opts.Logger,
		Extensions:   []worker.Extension{Extension(map[string]*Loader{"LOADER": l})},
		Env:          map[string]any{"loaders": EnvDescriptor(map[string]string{"LOADER": "LOADER"})},
	}, reg)
	if err != nil {
		tb.Fatalf("worker.New: %v", err)
	}
	reg.Put(w)
	tb.Cleanup(w.Close)
	return &parent{w: w, l: l}
}

// get sends GET path to the parent and returns status and body.
func (p *parent) get(tb testing.TB, path string) (int, string) {
	tb.Helper()
	return p.do(tb, "GET", path, "")
}

func (p *parent) do(tb testing.TB, method, path, body string) (int, string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	init := map[string]any{"method": method, "url": "http://parent" + path, "headers": []any{}}
	if body != "" {
		init["body"] = []byte(body)
	}
	v, err := p.w.FetchInit(ctx, "", init)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, p.w.Describe(err))
	}
	m, err := worker.BufferResponse(v, 64<<20)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	b, _ := m["body"].([]byte)
	return m["status"].(int), string(b)
}

// mustGet is get expecting status 200.
func (p *parent) mustGet(tb testing.TB, path string) string {
	tb.Helper()
	st, body := p.get(tb, path)
	if st != 200 {
		tb.Fatalf("GET %s = %d %q; want 200", path, st, body)
	}
	return body
}

func contains(tb testing.TB, what, got string, wants ...string) {
	tb.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			tb.Errorf("%s = %q; want it to contain %q", what, got, w)
		}
	}
}
