package main

// scenarios is the table of benchmarks. Each runs the same worker on every
// runtime under the same load. To add one, add a worker under workers/ and a
// row here; a scenario that needs bindings (Durable Objects, a worker
// loader) or another load generator (WebSockets) adds the fields it needs to
// scenario and harness.Worker.
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
}

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
}
