// Package js holds the JavaScript side of the isola runtime: the Web API
// glue and the cloudflare:workers module, written as real .js files in src/
// and bundled by `go run ./js/build` into dist/runtime.js, embedded here.
// It owns no Go logic; internal/engine evaluates Runtime in every new runtime.
package js

import (
	"embed"
	"strings"
)

// Runtime is the bundled runtime script (an IIFE), evaluated once per JS
// runtime before any user code.
//
//go:embed dist/runtime.js
var Runtime string

// Sandbox is Runtime without the Durable Object runtime, the ai binding and
// the parent side of the loader, for the runtimes of Dynamic Workers, which
// have none of them.
//
//go:embed dist/sandbox.js
var Sandbox string

// Chunks are the lazy parts of the runtime (the polyfills in js/src/chunks
// and the lazy modules of js/build), by name: each a script whose
// completion value is a function from the import function to its exports,
// evaluated in a runtime the first time its code asks for it (host.js
// chunk()).
var Chunks = map[string]string{}

//go:embed dist/chunks/*.js
var chunkFiles embed.FS

func init() {
	ents, err := chunkFiles.ReadDir("dist/chunks")
	if err != nil {
		panic(err)
	}
	for _, e := range ents {
		b, err := chunkFiles.ReadFile("dist/chunks/" + e.Name())
		if err != nil {
			panic(err)
		}
		Chunks[strings.TrimSuffix(e.Name(), ".js")] = string(b)
	}
}
