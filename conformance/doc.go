// Package conformance is the differential conformance test of isola against
// workerd, Cloudflare's open-source Workers runtime: every case under cases/
// runs on both, the same requests are sent to each, and status, chosen
// headers and body are compared. Known differences live in
// expectations.json ({"case/requestIndex": "reason"}), which may only
// shrink: a listed request that now matches fails the test until its entry
// is removed, except when the reason starts with "flaky:" (a difference that
// comes and goes, to be fixed first). `go test ./conformance/ -update`
// regenerates RESULTS.md with the compatibility table.
//
// The package has no code of its own outside its test; package harness
// starts the runtimes.
package conformance
