package main

import "github.com/isola-run/isola/conformance/harness"

// scenarios is the table of benchmarks. Each runs the same worker on every
// runtime under the same load. To add one, add a worker under workers/ and a
// row here; a scenario that needs other bindings (a worker loader) or another
// load generator (WebSockets) adds the fields it needs to scenario and
// harness.Worker.
var scenarios = []scenario{
	{
		Name:        "hello",
		Group:       "http",
		Description: "GET, `new Response(\"hello\")`",
		Main:        "hello.js",
		Method:      "GET",
		Path:        "/",
		Want:        "hello",
	},
	{
		Name:        "json-echo",
		Group:       "http",
		Description: "POST of a 200-byte JSON object, `Response.json(await request.json())`",
		Main:        "json-echo.js",
		Method:      "POST",
		Path:        "/echo",
		Headers:     map[string]string{"Content-Type": "application/json"},
		Body:        `{"id":12345,"name":"isola benchmark","tags":["alpha","beta","gamma"],"nested":{"ok":true,"ratio":0.75,"list":[1,2,3,4,5,6,7,8,9,10]},"text":"The quick brown fox jumps over the lazy dog."}`,
		Want:        `{"id":12345,"name":"isola benchmark","tags":["alpha","beta","gamma"],"nested":{"ok":true,"ratio":0.75,"list":[1,2,3,4,5,6,7,8,9,10]},"text":"The quick brown fox jumps over the lazy dog."}`,
	},
	{
		Name:           "do-one",
		Group:          "durable-objects",
		Description:    "GET to one Durable Object through `stub.fetch`; the object does one SQL upsert per request and answers the count",
		Main:           "do-counter.js",
		DurableObjects: counterBinding,
		Method:         "GET",
		Path:           "/do?name=one",
		Want:           "1",
	},
	{
		Name:           "do-spread",
		Group:          "durable-objects",
		Description:    "as do-one, each request to one of 1,000 objects picked at random (wrk Lua `math.random`)",
		Main:           "do-counter.js",
		DurableObjects: counterBinding,
		Method:         "GET",
		Path:           "/do?name=o0",
		Want:           "1",
		LuaRequest:     `request = function() return wrk.format(nil, "/do?name=o" .. math.random(0, 999)) end`,
	},
	{
		Name:           "do-rpc",
		Group:          "durable-objects",
		Description:    "GET that makes one JS RPC call `stub.ping()` to one object, which answers a constant (no storage)",
		Main:           "do-counter.js",
		DurableObjects: counterBinding,
		Method:         "GET",
		Path:           "/rpc?name=one",
		Want:           "pong",
	},
	{
		Name:           "do-memory",
		Group:          "durable-objects",
		Description:    "resident memory (VmRSS) before and after one request (one SQL write) to each of 10,000 distinct objects, 32 at a time",
		Main:           "do-counter.js",
		DurableObjects: counterBinding,
		Method:         "GET",
		Path:           "/do?name=warm",
		Want:           "1",
		Touch:          10_000,
		TouchPath:      "/do?name=m%d",
	},
}

var counterBinding = []harness.DurableObject{{Binding: "COUNTER", ClassName: "Counter"}}

// scenario is one benchmark: a worker and the request that loads it.
type scenario struct {
	Name        string // flag -scenarios matches it
	Group       string // results go to results/<date>-<group>.md
	Description string // one line for the report
	Main        string // entry module under workers/
	Modules     []string
	Method      string
	Path        string
	Headers     map[string]string
	Body        string
	// Want is the body every runtime must answer before it is measured, so
	// a broken worker is never benchmarked.
	Want string
	// DurableObjects are the worker's SQLite-backed Durable Object classes.
	DurableObjects []harness.DurableObject
	// LuaRequest, if set, is Lua appended to the wrk script, typically a
	// request() function that varies the path.
	LuaRequest string
	// Touch, if above 0, makes this a memory scenario instead of a load:
	// after the check, one GET of TouchPath (a fmt pattern taking the
	// number 0..Touch-1) per object, and the server's RSS before and after.
	Touch     int
	TouchPath string
	// Paced, if above 0, makes this a latency scenario at a fixed rate
	// instead of a wrk load: PacedCount GETs of PacedPath (a fmt pattern
	// taking the number 0..PacedCount-1), one every 1/Paced s on one
	// connection, each sent at its time (or right after the previous one
	// if that ran late). It measures one request's latency on a server that
	// is not saturated, which wrk at one connection (back to back) is not.
	Paced      int
	PacedCount int
	PacedPath  string
	// WorkerLoaders are the worker's Dynamic Worker loader bindings.
	WorkerLoaders []harness.WorkerLoader
	// Runtimes, if set, limits the scenario to these runtimes (isola's
	// process isolation has no workerd counterpart).
	Runtimes []string
}
