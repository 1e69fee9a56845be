// Package config reads and validates a Workers project's wrangler config
// (wrangler.jsonc, wrangler.json or wrangler.toml) and its .dev.vars secrets,
// and layers defaults, the file, ISOLA_* environment variables and command
// line flags into the settings `isola dev` and `isola serve` run with.
//
// It owns the mapping from wrangler's keys to plain Go structs and the
// diagnostics for them (every problem, each with file:line:col). It does not
// read the worker's source, bundle it or start anything: callers get values.
//
// Loading is not goroutine-safe per call, but the returned values are plain
// data that callers may share once they stop mutating them.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Config file names, in the order Find looks for them (wrangler's order).
var configNames = []string{"wrangler.jsonc", "wrangler.json", "wrangler.toml"}

// DefaultCompatibilityDate is the compatibility date of a project made by
// FromEntry and of a config without compatibility_date. It is fixed, not
// today's date, so that behaviour does not change from one day to the next.
const DefaultCompatibilityDate = "2025-09-01"

// ErrNotFound is returned by Find when a directory has none of
// wrangler.jsonc, wrangler.json and wrangler.toml.
var ErrNotFound = errors.New("config: no wrangler.jsonc, wrangler.json or wrangler.toml")

// Project is a loaded config: one or more workers that run in one process.
type Project struct {
	// Path is the config file, or the entry file for FromEntry.
	Path string
	// Dir is the directory relative paths in the config are resolved
	// against: the config file's directory.
	Dir string
	// Env is the selected named environment; "" means the top level.
	Env string
	// Workers holds the main worker (from the top level, with Env applied)
	// first, then the workers of the "workers" key in file order. It is
	// never empty for a successfully loaded project.
	//
	// "workers" is an isola extension to wrangler's format: a list of inline
	// worker configs with the same keys as the top level (but no env, dev or
	// workers of their own). Each needs a unique "name"; its "main" is
	// relative to the config file. They all run in one process, so service
	// bindings and Durable Object script_name references between them work
	// without a dev registry, like workerd's config or miniflare's "workers"
	// option. Environments and .dev.vars apply to the main worker only.
	Workers []*Worker
	// Dev is the "dev" table; zero fields mean "use the default".
	Dev Dev
	// KeepVars is "keep_vars"; it only matters to wrangler deploy.
	KeepVars bool
	// Cluster is isola's "cluster" table (cluster.go); nil when absent.
	Cluster *Cluster `json:",omitempty"`
}

// Main returns the main worker, or nil for an empty project.
func (p *Project) Main() *Worker {
	if p == nil || len(p.Workers) == 0 {
		return nil
	}
	return p.Workers[0]
}

// Worker returns the worker named name, or nil.
func (p *Project) Worker(name string) *Worker {
	for _, w := range p.Workers {
		if w.Name == name {
			return w
		}
	}
	return nil
}

// Dev holds the "dev" table: settings for the local server.
type Dev struct {
	// Port is "dev.port"; 0 means unset (Resolve then uses 8787).
	Port int
	// IP is "dev.ip"; "" means unset (Resolve then uses 127.0.0.1).
	IP string
}

// Worker is one worker's configuration. A zero Worker is valid but runs
// nothing: it has no entry module.
type Worker struct {
	// Name is "name". Default for the main worker: the config directory's
	// base name. For a named environment without its own name, wrangler's
	// rule applies: "<top-level name>-<env>".
	Name string
	// Main is "main", made absolute relative to the config directory.
	// Empty only for an assets-only worker.
	Main string
	// CompatibilityDate is "compatibility_date", YYYY-MM-DD.
	// Default DefaultCompatibilityDate (with a warning).
	CompatibilityDate string
	// CompatibilityFlags is "compatibility_flags". Default none.
	CompatibilityFlags []string
	// Vars holds "vars" merged with the secrets of .dev.vars. Values are
	// what encoding/json produces: string, float64, bool, nil, []any and
	// map[string]any. Default empty.
	Vars map[string]any
	// Secrets names the Vars entries that came from .dev.vars, sorted, so
	// that logs can redact them. Default none.
	Secrets []string
	// Services is "services": service bindings. Default none.
	Services []ServiceBinding
	// Triggers is "triggers". Default no crons.
	Triggers Triggers
	// Limits is "limits". Zero fields mean "use the default".
	Limits Limits
	// DurableObjects is "durable_objects". Default no bindings.
	DurableObjects DurableObjects
	// Migrations is "migrations", in file order. Default none.
	Migrations []Migration
	// WorkerLoaders is "worker_loaders": Dynamic Worker loaders.
	WorkerLoaders []WorkerLoaderBinding
	// Rules is "rules": which imported files are text, data or wasm modules.
	// Default none (the bundler's own defaults apply).
	Rules []Rule
	// KVNamespaces is "kv_namespaces". Default none.
	KVNamespaces []KVNamespace
	// R2Buckets is "r2_buckets". Default none.
	R2Buckets []R2Bucket
	// AI is "ai"; nil when absent.
	AI *AIBinding
	// Assets is "assets"; nil when absent.
	Assets *Assets
	// Observability is "observability"; nil when absent. Parsed, not used.
	Observability *Observability

	// Positions of keys whose checks happen after environments are applied.
	mainPos, namePos, objPos pos
	// present records which top-level keys the source object had.
	present map[string]pos
	// varPos records where each of Vars was defined.
	varPos map[string]pos
}

// ServiceBinding is one entry of "services".
type ServiceBinding struct {
	// Binding is the name the worker sees in env. Required.
	Binding string
	// Service is the name of the target worker. Required.
	Service string
	// Entrypoint is the target's named export; "" means the default export.
	Entrypoint string

	pos pos // of the entry
}

// Triggers is the "triggers" table.
type Triggers struct {
	// Crons are 5-field cron expressions (UTC), as Cloudflare accepts them.
	Crons []string
}

// Limits is the "limits" table.
type Limits struct {
	// CPUMs is "limits.cpu_ms", the CPU time a request may use, in
	// milliseconds. 0 means unset; Resolve fills in 30000.
	CPUMs int
}

// DurableObjects is the "durable_objects" table.
type DurableObjects struct {
	// Bindings is "durable_objects.bindings".
	Bindings []DurableObjectBinding
}

// DurableObjectBinding is one Durable Object namespace binding.
type DurableObjectBinding struct {
	// Name is the binding's name in env. Required.
	Name string
	// ClassName is the exported class. Required.
	ClassName string
	// ScriptName is the worker that exports ClassName; "" means this one.
	ScriptName string

	pos, classPos pos // of the entry and of class_name
}

// Migration is one entry of "migrations". Tags must be unique and the
// entries are applied in order.
type Migration struct {
	// Tag identifies the migration. Required.
	Tag string
	// NewClasses creates classes with key-value storage.
	NewClasses []string
	// NewSQLiteClasses creates classes with SQLite storage.
	NewSQLiteClasses []string
	// RenamedClasses renames existing classes.
	RenamedClasses []RenamedClass
	// DeletedClasses deletes existing classes and their objects.
	DeletedClasses []string
	// TransferredClasses moves classes from another worker.
	TransferredClasses []TransferredClass

	tagPos                        pos
	newPos, sqlitePos, deletedPos []pos
	renamedPos                    [][2]pos // from, to
	transferredPos                []pos    // to
}

// RenamedClass is one entry of "renamed_classes".
type RenamedClass struct{ From, To string }

// TransferredClass is one entry of "transferred_classes".
type TransferredClass struct{ From, FromScript, To string }

// WorkerLoaderBinding is one entry of "worker_loaders".
type WorkerLoaderBinding struct {
	// Binding is the name in env. Required.
	Binding string
	// Isolation is isola's "isolation": "isolate" (default: a fresh JS
	// runtime in the server process) or "process" (a sandbox child process).
	Isolation string
	// CacheSize is isola's "cache_size": how many dynamic workers stay
	// loaded; default 128 ("isolate") or 8 ("process").
	CacheSize int

	pos pos
}

// Rule is one entry of "rules".
type Rule struct {
	// Type is one of "ESModule", "CommonJS", "CompiledWasm", "Text", "Data",
	// "PythonModule", "PythonRequirement". Required.
	Type string
	// Globs are the file patterns the rule matches. Required.
	Globs []string
	// Fallthrough lets later rules of the same type apply too. Default false.
	Fallthrough bool
}

// KVNamespace is one entry of "kv_namespaces".
type KVNamespace struct {
	// Binding is the name in env. Required.
	Binding string
	// ID is the namespace id; "" lets the runtime use a local namespace.
	ID string
	// PreviewID is "preview_id".
	PreviewID string

	pos pos
}

// R2Bucket is one entry of "r2_buckets".
type R2Bucket struct {
	// Binding is the name in env. Required.
	Binding string
	// BucketName is "bucket_name".
	BucketName string
	// PreviewBucketName is "preview_bucket_name".
	PreviewBucketName string
	// Jurisdiction is "jurisdiction".
	Jurisdiction string

	pos pos
}

// AIBinding is the "ai" table. On isola the binding forwards env.AI.run
// to an OpenAI-compatible chat completions endpoint (isola's extension of
// wrangler's table; see docs/agents.md).
type AIBinding struct {
	// Binding is the name in env. Required.
	Binding string
	// BaseURL is "base_url", the endpoint's base URL, e.g.
	// "http://127.0.0.1:11434/v1" (POST BaseURL/chat/completions).
	// Default "": env.AI.run throws a clear error.
	BaseURL string
	// APIKeyVar is "api_key_var", the name of the var or .dev.vars secret
	// holding the bearer token sent to BaseURL. Default "": no token.
	APIKeyVar string
	// Model is "model", the model asked of the endpoint for every run,
	// whatever model the code names (e.g. a "@cf/..." catalog name).
	// Default "": the model the code names.
	Model string
	// Isolation is isola's "isolation": "isolate" (default: a fresh JS
	// runtime in the server process) or "process" (a sandbox child process).
	Isolation string
	// CacheSize is isola's "cache_size": how many dynamic workers stay
	// loaded; default 128 ("isolate") or 8 ("process").
	CacheSize int

	pos pos
}

// Assets is the "assets" table.
type Assets struct {
	// Directory is "assets.directory", made absolute relative to the
	// config directory; "" when unset.
	Directory string
	// Binding is the name of the assets Fetcher in env; "" for none.
	Binding string
	// HTMLHandling is "html_handling"; "" means wrangler's default,
	// "auto-trailing-slash".
	HTMLHandling string
	// NotFoundHandling is "not_found_handling"; "" means "none".
	NotFoundHandling string
	// RunWorkerFirst is "run_worker_first": a bool or a list of route
	// patterns ([]any of strings); nil when unset (false).
	RunWorkerFirst any

	dirPos, bindingPos pos
}

// Observability is the "observability" table. Parsed and kept; isola prints
// logs regardless.
type Observability struct {
	// Enabled is "observability.enabled". Default false.
	Enabled bool
	// HeadSamplingRate is "head_sampling_rate", 0 to 1; 0 means unset (1).
	HeadSamplingRate float64
}

// Find returns the config file in dir, trying wrangler.jsonc, wrangler.json
// and wrangler.toml in that order. It returns an error wrapping ErrNotFound
// when there is none.
func Find(dir string) (string, error) {
	for _, name := range configNames {
		path := filepath.Join(dir, name)
		st, err := os.Stat(path)
		if err == nil && !st.IsDir() {
			return path, nil
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("config: find in %s: %w", dir, err)
		}
	}
	return "", fmt.Errorf("%w in %s", ErrNotFound, dir)
}

// Load reads the config file at path with no named environment; see LoadEnv.
func Load(path string) (*Project, []Diagnostic, error) {
	return LoadEnv(path, "")
}

// LoadEnv reads the config file at path (JSONC if it ends in .json or .jsonc,
// TOML otherwise), applies the named environment envName ("" for the top
// level) and the .dev.vars secrets, and validates the result.
//
// The diagnostics list every problem found, sorted by position; warnings
// (unknown keys) and infos (keys isola ignores) do not stop the load. When
// any diagnostic is an error, the returned error is an *Error listing them,
// and the Project, if not nil, must not be run. An error that is not an
// *Error means the file could not be read.
func LoadEnv(path, envName string) (*Project, []Diagnostic, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	p, list := load(path, src, envName, osFS{})
	return p, list, errorOf(list)
}

// sourceKind tells the parser to use for a file name.
func isTOML(path string) bool {
	return strings.EqualFold(filepath.Ext(path), ".toml")
}

// entryExts are the file extensions FromEntry accepts.
var entryExts = map[string]bool{".js": true, ".mjs": true, ".cjs": true, ".ts": true, ".mts": true, ".cts": true, ".jsx": true, ".tsx": true}

// FromEntry builds a Project for a lone entry module (a .js or .ts file, or
// .mjs, .cjs, .mts, .cts, .jsx, .tsx) without a config file. The worker is
// named after the file's base name without extension (lower-cased, with
// characters wrangler would reject replaced by "-"), its compatibility date
// is DefaultCompatibilityDate and it has no bindings. A .dev.vars next to the
// file is not read: secrets belong to projects with a config.
func FromEntry(path string) (*Project, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: entry %s: %w", path, err)
	}
	ext := strings.ToLower(filepath.Ext(abs))
	if !entryExts[ext] {
		return nil, fmt.Errorf("config: entry %s: not a JavaScript or TypeScript file", path)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("config: entry: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("config: entry %s: is a directory", path)
	}
	base := strings.TrimSuffix(filepath.Base(abs), filepath.Ext(abs))
	w := &Worker{
		Name:              sanitizeName(base),
		Main:              abs,
		CompatibilityDate: DefaultCompatibilityDate,
		Vars:              map[string]any{},
	}
	return &Project{Path: abs, Dir: filepath.Dir(abs), Workers: []*Worker{w}}, nil
}

// sanitizeName turns s into a valid worker name: lower-case letters, digits
// and "-", not starting or ending with "-". It returns "worker" for a name
// with nothing usable.
func sanitizeName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-")
	if name == "" {
		return "worker"
	}
	return name
}
