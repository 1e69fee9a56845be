package main

import "github.com/isola-run/isola/conformance/harness"

// Dynamic Worker scenarios (bench/workers/loader.js). Cold loads are
// measured as latency at one connection (p50/p99 of a load + first call)
// and as throughput at 32; memory per cached worker is the RSS growth over
// loaderMemoryWorkers distinct ids, all kept in isola's cache. Process
// isolation has no workerd counterpart, so those rows run on isola only.
// (A file of its own beside scenarios.go: other groups are added there.)
func init() {
	scenarios = append(scenarios, loaderScenarios...)
}

const loaderMemoryWorkers = 200

var (
	loaderBinding        = []harness.WorkerLoader{{Binding: "LOADER", CacheSize: 256}}
	loaderProcessBinding = []harness.WorkerLoader{{Binding: "LOADER", Isolation: "process", CacheSize: 8}}
)

var loaderScenarios = []scenario{
	{
		Name:          "loader-cold",
		Group:         "dynamic-workers",
		Description:   "GET that loads a never-seen id with `env.LOADER.get(id, cb)` (distinct source text per id) and calls its fetch once",
		Main:          "loader.js",
		WorkerLoaders: loaderBinding,
		Method:        "GET",
		Path:          "/cold",
		Want:          "ok",
	},
	{
		Name:          "loader-cold-paced",
		Group:         "dynamic-workers",
		Description:   "as loader-cold, 500 never-seen ids at 50 loads/s on one connection: the latency of one cold load on a server that is not saturated",
		Main:          "loader.js",
		WorkerLoaders: loaderBinding,
		Method:        "GET",
		Path:          "/cold",
		Want:          "ok",
		Paced:         50,
		PacedCount:    500,
		PacedPath:     "/cold?id=paced-%d",
	},
	{
		Name:          "loader-load",
		Group:         "dynamic-workers",
		Description:   "GET that creates a new sandbox with `env.LOADER.load(code)` (never cached) and calls its fetch once",
		Main:          "loader.js",
		WorkerLoaders: loaderBinding,
		Method:        "GET",
		Path:          "/load",
		Want:          "ok",
	},
	{
		Name:          "loader-warm",
		Group:         "dynamic-workers",
		Description:   "GET that calls the fetch of one cached dynamic worker (`env.LOADER.get(\"warm\", cb)`)",
		Main:          "loader.js",
		WorkerLoaders: loaderBinding,
		Method:        "GET",
		Path:          "/warm",
		Want:          "ok",
	},
	{
		Name:          "loader-memory",
		Group:         "dynamic-workers",
		Description:   "resident memory (VmRSS) before and after loading 200 distinct dynamic workers (one call each, 32 at a time), all kept cached",
		Main:          "loader.js",
		WorkerLoaders: loaderBinding,
		Method:        "GET",
		Path:          "/warm",
		Want:          "ok",
		Touch:         loaderMemoryWorkers,
		TouchPath:     "/cold?id=m%d",
	},
	{
		Name:          "loader-process-cold",
		Group:         "dynamic-workers",
		Description:   "as loader-cold with `\"isolation\": \"process\"`: each new id takes a sandbox child process from the warm pool (isola only)",
		Main:          "loader.js",
		WorkerLoaders: loaderProcessBinding,
		Method:        "GET",
		Path:          "/cold",
		Want:          "ok",
		Runtimes:      []string{"isola"},
	},
	{
		Name:          "loader-process-warm",
		Group:         "dynamic-workers",
		Description:   "as loader-warm with `\"isolation\": \"process\"`: one call over the pipe to a cached sandbox child (isola only)",
		Main:          "loader.js",
		WorkerLoaders: loaderProcessBinding,
		Method:        "GET",
		Path:          "/warm",
		Want:          "ok",
		Runtimes:      []string{"isola"},
	},
}
