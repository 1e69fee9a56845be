// Package dom is the Go half of the small platform objects in js/src/dom.js,
// js/src/events.js and js/src/clone.js: DOMException, navigator, performance,
// Event/EventTarget, AbortController/AbortSignal and structuredClone. Only
// performance needs Go (a monotonic clock); the rest is JS, tested here in
// real runtimes.
package dom

import (
	"time"

	"github.com/isola-run/isola/internal/engine"
)

// Register adds the clock behind performance.now() and performance.timeOrigin:
//
//	perf.now() -> milliseconds on Go's monotonic clock since Register ran
//	perf.timeOrigin() -> that instant in Unix milliseconds
//
// A HostSet is built per runtime, so the origin is the runtime's start.
// Unlike workerd, whose clock stands still between I/O events (a Spectre
// mitigation), this one advances while JS runs; both have microsecond
// resolution at most.
func Register(hs *engine.HostSet) {
	origin := time.Now()
	hs.Sync("perf.now", func([]any) (any, error) {
		return float64(time.Since(origin).Microseconds()) / 1e3, nil
	})
	hs.Sync("perf.timeOrigin", func([]any) (any, error) {
		return float64(origin.UnixMicro()) / 1e3, nil
	})
}
