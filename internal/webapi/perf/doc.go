// Package perf measures what the Web APIs cost per operation in a real
// runtime (the bundled js.Runtime on the engine, every Web API registered):
// constructors and methods of URL, Headers, Request, Response, TextEncoder,
// structuredClone, and the worker.fetch dispatch that carries one HTTP
// exchange into the runtime and back. It has no code outside its tests; run
//
//	go test -run XXX -bench . ./internal/webapi/perf/
//
// and compare figures of one run only (the engine's cost per JS operation
// moves with the machine's load). RESULTS.md holds a before/after run.
package perf
