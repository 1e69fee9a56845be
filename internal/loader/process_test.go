package loader

import (
	"testing"
	"time"
)

func processOptions() Options {
	return Options{Isolation: Process, Pool: &Pool{Warm: 1}, CPULimit: 2 * time.Second, WallLimit: 5 * time.Second, MemoryLimit: 32 << 20}
}

func TestProcessGetFetch(t *testing.T) {
	p := newParent(t, basicParent, processOptions())
	t.Cleanup(p.l.opts.Pool.Close)
	if got := p.mustGet(t, "/a?id=one"); got != "hello from /a calls=1" {
		t.Fatalf("first get = %q", got)
	}
	if got := p.mustGet(t, "/b?id=one"); got != "hello from /b calls=0" {
		t.Fatalf("cached get = %q", got)
	}
}

// forModes runs f with opts in both isolation modes.
func forModes(t *testing.T, opts Options, f func(*testing.T, Options)) {
	t.Run("isolate", func(t *testing.T) { f(t, opts) })
	t.Run("process", func(t *testing.T) {
		o := opts
		o.Isolation = Process
		o.Pool = &Pool{Warm: 1}
		t.Cleanup(o.Pool.Close)
		f(t, o)
	})
}
