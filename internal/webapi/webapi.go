// Package webapi assembles the host functions of every Web API family
// (one subpackage each) into the engine.HostSet a runtime is created with.
// The JS halves of these APIs live in js/src and are bundled into the
// runtime script; this package only wires the Go halves.
package webapi

import (
	"time"

	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/webapi/crypto"
	"github.com/isola-run/isola/internal/webapi/encoding"
	"github.com/isola-run/isola/internal/webapi/fetch"
	"github.com/isola-run/isola/internal/webapi/url"
)

// Options configures what the Go halves may do for one runtime.
type Options struct{}

// Register adds the host functions of every Web API family to hs.
// Each family's package adds one line here.
func Register(hs *engine.HostSet, opts Options) {
	crypto.Register(hs)
	encoding.Register(hs)
	url.Register(hs)
	fetch.Register(hs)
	registerPerformance(hs)
}

// registerPerformance adds the clock behind performance.now() and
// performance.timeOrigin (js/src/dom.js): milliseconds on Go's monotonic
// clock since this HostSet (one per runtime) was built, and that instant in
// Unix milliseconds. Unlike workerd, whose clock stands still between I/O
// events, this one advances while JS runs.
func registerPerformance(hs *engine.HostSet) {
	origin := time.Now()
	hs.Sync("perf.now", func([]any) (any, error) {
		return float64(time.Since(origin).Microseconds()) / 1e3, nil
	})
	hs.Sync("perf.timeOrigin", func([]any) (any, error) {
		return float64(origin.UnixMicro()) / 1e3, nil
	})
}
