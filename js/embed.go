// Package js holds the JavaScript side of the isola runtime: the Web API
// glue and the cloudflare:workers module, written as real .js files in src/
// and bundled by `go run ./js/build` into dist/runtime.js, embedded here.
// It owns no Go logic; internal/engine evaluates Runtime in every new runtime.
package js

import _ "embed"

// Runtime is the bundled runtime script (an IIFE), evaluated once per JS
// runtime before any user code.
//
//go:embed dist/runtime.js
var Runtime string
