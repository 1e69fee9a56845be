// Package webapi assembles the host functions of every Web API family
// (one subpackage each) into the engine.HostSet a runtime is created with.
// The JS halves of these APIs live in js/src and are bundled into the
// runtime script; this package only wires the Go halves.
package webapi

import (
	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/webapi/compression"
	"github.com/isola-run/isola/internal/webapi/crypto"
	"github.com/isola-run/isola/internal/webapi/dom"
	"github.com/isola-run/isola/internal/webapi/encoding"
	"github.com/isola-run/isola/internal/webapi/fetch"
	"github.com/isola-run/isola/internal/webapi/url"
	"github.com/isola-run/isola/internal/websocket"
)

// Options configures what the Go halves may do for one runtime.
type Options struct{}

// Register adds the host functions of every Web API family to hs.
// Each family's package adds one line here.
func Register(hs *engine.HostSet, opts Options) {
	compression.Register(hs)
	crypto.Register(hs)
	encoding.Register(hs)
	url.Register(hs)
	fetch.Register(hs)
	dom.Register(hs)
	websocket.Register(hs)
}
