// Package bundle turns a Workers project (TypeScript, JSX, ES modules across
// files, npm packages from node_modules, text and data modules per wrangler
// `rules`, virtual modules such as cloudflare:workers) or a Dynamic Worker's
// in-memory module map into one IIFE script for the engine, with its source
// map. It owns the esbuild configuration, module resolution rules and the
// mapping of generated positions and stack traces back to original sources.
//
// It must not evaluate code or import the JS engine; the virtual modules'
// sources are given by the caller. Build reads only the files the entry
// imports and the tsconfig.json and package.json files esbuild consults;
// BuildModules touches no file system at all.
//
// The output assigns the entry module's namespace object (default and named
// exports) to the global variable named by GlobalName.
package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
)

// GlobalName is the global variable the bundle assigns the entry module's
// namespace object to.
const GlobalName = "__isola_entry"

// Plugin namespaces. They show up in esbuild's messages and source maps and
// are stripped before reaching the caller.
const (
	nsVirtual = "isola-virtual" // Options.Virtual modules
	nsRaw     = "isola-raw"     // bytes of a Data module, binary loader
	nsModule  = "isola-mod"     // BuildModules' in-memory modules

	rawPrefix = "isola-raw:"
)

// Options configures Build. The zero value is not valid: Dir and Entry are
// required.
type Options struct {
	// Dir is the project root: relative paths in messages and source maps
	// are relative to it, and npm packages are resolved from its
	// node_modules. Made absolute with the working directory.
	Dir string
	// Entry is the entry module, relative to Dir or absolute.
	Entry string
	// Virtual maps module names (e.g. "cloudflare:workers") to ES module
	// source. An import of one of these names resolves to that source,
	// ahead of node_modules. Default: none.
	Virtual map[string]string
	// Rules are checked before DefaultRules, as wrangler's `rules`.
	// Default: DefaultRules only.
	Rules []Rule
	// Define replaces global expressions with constant expressions, as
	// esbuild's define. Default: process.env.NODE_ENV is "production",
	// as wrangler does.
	Define map[string]string
	// Minify minifies whitespace, identifiers and syntax. Names of
	// functions and classes are kept either way. Default: false.
	Minify bool
}

// Bundle is one built script. It is immutable once returned and safe for
// concurrent use.
type Bundle struct {
	// Code is the IIFE script; it assigns the entry module's namespace to
	// the global GlobalName.
	Code string
	// SourceMap is the source map v3 JSON for Code. Sources are relative
	// to the project directory (or module names for BuildModules).
	SourceMap []byte
	// Inputs are the absolute paths of every file read, sorted, for a file
	// watcher. Empty for BuildModules.
	Inputs []string
	// Warnings are the build's warnings.
	Warnings []Message
	// Hash is the hex SHA-256 of Code, a key for the bytecode cache.
	Hash string

	mapOnce sync.Once
	smap    *sourceMap // decoded lazily by Map; nil if SourceMap is bad
}

// Build bundles the project in opts.Dir from opts.Entry. On failure the
// error is an *Error listing every problem esbuild found with file:line:col.
func Build(opts Options) (*Bundle, error) {
	if opts.Dir == "" {
		return nil, errorf("no project directory")
	}
	if opts.Entry == "" {
		return nil, errorf("no entry module")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, errorf("project directory %q: %v", opts.Dir, err)
	}
	rules, err := compileRules(opts.Rules)
	if err != nil {
		return nil, &Error{Messages: []Message{{Text: strings.TrimPrefix(err.Error(), "bundle: ")}}}
	}
	entry := opts.Entry
	if !filepath.IsAbs(entry) {
		entry = filepath.Join(dir, entry)
	}

	fp := &filePlugin{dir: dir, virtual: opts.Virtual, rules: rules, inputs: map[string]bool{}}
	define := map[string]string{"process.env.NODE_ENV": `"production"`}
	for k, v := range opts.Define {
		define[k] = v
	}
	bo := baseOptions(opts.Minify)
	bo.AbsWorkingDir = dir
	bo.Outfile = filepath.Join(dir, "worker.js")
	bo.EntryPoints = []string{entry}
	bo.Define = define
	bo.Plugins = []api.Plugin{{Name: "isola", Setup: fp.setup}}

	res := api.Build(bo)
	if len(res.Errors) == 0 && fp.asyncContext() {
		fp.lowerAsync = true
		// AsyncLocalStorage needs its context carried across `await`, which
		// QuickJS cannot hook: lower async functions to generators driven
		// by Promise.prototype.then, which the node:async_hooks module
		// patches (js/agents/node/async_hooks.js).
		bo.Supported = map[string]bool{"async-await": false, "async-generator": false, "for-await": false}
		res = api.Build(bo)
	}
	inputs := fp.inputList()
	if len(res.Errors) > 0 {
		return nil, &Error{Messages: convertMessages(res.Errors), Inputs: inputs}
	}
	b, err := fromResult(res)
	if err != nil {
		return nil, &Error{Messages: []Message{{Text: err.Error()}}, Inputs: inputs}
	}
	b.Inputs = inputs
	return b, nil
}

// baseOptions are the esbuild options shared by Build and BuildModules,
// modelled on wrangler's.
func baseOptions(minify bool) api.BuildOptions {
	return api.BuildOptions{
		LogLevel:       api.LogLevelSilent,
		LogLimit:       0,
		Bundle:         true,
		Write:          false,
		Format:         api.FormatIIFE,
		GlobalName:     GlobalName,
		Platform:       api.PlatformNeutral,
		Target:         api.ES2022,
		Conditions:     []string{"workerd", "worker", "browser"},
		MainFields:     []string{"browser", "module", "main"},
		Sourcemap:      api.SourceMapExternal,
		SourcesContent: api.SourcesContentExclude,
		KeepNames:      true,
		Charset:        api.CharsetUTF8,
		// ES modules are strict mode code; the IIFE that carries them must
		// be too (a frozen-property assignment throws, as in workerd).
		Banner:            map[string]string{"js": `"use strict";`},
		MinifyWhitespace:  minify,
		MinifyIdentifiers: minify,
		MinifySyntax:      minify,
		// wrangler lets .js files hold JSX.
		Loader: map[string]api.Loader{
			".js":  api.LoaderJSX,
			".mjs": api.LoaderJSX,
			".cjs": api.LoaderJSX,
		},
	}
}

// fromResult picks the script and its map out of a successful build.
func fromResult(res api.BuildResult) (*Bundle, error) {
	b := &Bundle{Warnings: convertMessages(res.Warnings)}
	for _, f := range res.OutputFiles {
		switch {
		case strings.HasSuffix(f.Path, ".js.map"):
			b.SourceMap = f.Contents
		case strings.HasSuffix(f.Path, ".js"):
			b.Code = string(f.Contents)
		}
	}
	if b.Code == "" {
		return nil, fmt.Errorf("esbuild produced no script")
	}
	sum := sha256.Sum256([]byte(b.Code))
	b.Hash = hex.EncodeToString(sum[:])
	return b, nil
}

// filePlugin resolves virtual modules, rejects unsupported built-ins, loads
// text and data modules per rules and records every file read.
type filePlugin struct {
	dir     string
	virtual map[string]string
	rules   []compiledRule

	mu     sync.Mutex      // guards following
	inputs map[string]bool // absolute paths read
	als    bool            // node:async_hooks was imported

	lowerAsync bool // set between builds: async functions are lowered
}

// asyncFunctionIdiom matches the usual ways of getting the AsyncFunction
// constructor, which lowered async functions are not instances of.
var asyncFunctionIdiom = regexp.MustCompile(`Object\.getPrototypeOf\(\s*async\s*(?:\(\s*\)\s*=>\s*\{\s*\}|function\s*\(\s*\)\s*\{\s*\})\s*\)\.constructor|\(\s*async\s*(?:\(\s*\)\s*=>\s*\{\s*\}|function\s*\(\s*\)\s*\{\s*\})\s*\)\.constructor`)

// asyncFunctionClass stands for AsyncFunction in a bundle whose async
// functions are lowered: its instances are the functions esbuild lowered.
const asyncFunctionClass = `(globalThis[Symbol.for("isola.AsyncFunction")] ??= class AsyncFunction { static [Symbol.hasInstance](f) { return typeof f === "function" && /^[^{]*?(?:\{\s*return\s+|=>\s*)__async\d*\(/.test(Function.prototype.toString.call(f)); } })`

// rewriteAsyncFunction loads a JS or TS file for a lowered build, replacing
// the AsyncFunction idiom (e.g. agents' withAgentContext tells async
// methods from sync ones with it). Other files load as usual.
func rewriteAsyncFunction(path string) (api.OnLoadResult, error) {
	loaders := map[string]api.Loader{".js": api.LoaderJSX, ".mjs": api.LoaderJSX, ".cjs": api.LoaderJSX, ".jsx": api.LoaderJSX, ".ts": api.LoaderTS, ".mts": api.LoaderTS, ".cts": api.LoaderTS, ".tsx": api.LoaderTSX}
	loader, ok := loaders[filepath.Ext(path)]
	if !ok {
		return api.OnLoadResult{}, nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return api.OnLoadResult{}, fmt.Errorf("bundle: module: %w", err)
	}
	if !asyncFunctionIdiom.Match(src) {
		return api.OnLoadResult{}, nil
	}
	s := asyncFunctionIdiom.ReplaceAllLiteralString(string(src), asyncFunctionClass)
	return api.OnLoadResult{Contents: &s, Loader: loader, ResolveDir: filepath.Dir(path)}, nil
}

// asyncContextModules are the virtual modules whose import makes Build
// lower async functions so that AsyncLocalStorage works.
var asyncContextModules = map[string]bool{"node:async_hooks": true, "async_hooks": true}

func (p *filePlugin) asyncContext() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.als
}

func (p *filePlugin) usedVirtual(name string) {
	if asyncContextModules[name] {
		p.mu.Lock()
		p.als = true
		p.mu.Unlock()
	}
}

func (p *filePlugin) record(path string) {
	p.mu.Lock()
	p.inputs[path] = true
	p.mu.Unlock()
}

func (p *filePlugin) inputList() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.inputs))
	for k := range p.inputs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (p *filePlugin) setup(build api.PluginBuild) {
	setupVirtual(build, p.virtual, p.dir, p.usedVirtual)
	setupBuiltins(build)
	setupData(build, func(path string) ([]byte, error) {
		p.record(path)
		return os.ReadFile(path)
	})

	// A CompiledWasm import fails at the import, like an unsupported
	// built-in, so the message points at the importing line.
	build.OnResolve(api.OnResolveOptions{Filter: `.*`, Namespace: "file"},
		func(args api.OnResolveArgs) (api.OnResolveResult, error) {
			spec := strings.TrimPrefix(args.Path, "./")
			for _, r := range p.rules {
				if r.typ == RuleCompiledWasm && r.match.MatchString(spec) {
					return api.OnResolveResult{Errors: []api.Message{{
						Text: fmt.Sprintf("%q: WebAssembly modules (rule CompiledWasm, glob %q) are not supported by isola yet", args.Path, r.glob),
					}}}, nil
				}
			}
			return api.OnResolveResult{}, nil
		})

	build.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: "file"},
		func(args api.OnLoadArgs) (api.OnLoadResult, error) {
			p.record(args.Path)
			rel, err := filepath.Rel(p.dir, args.Path)
			if err != nil {
				rel = args.Path
			}
			r, ok := matchRule(p.rules, filepath.ToSlash(rel))
			if !ok {
				if p.lowerAsync {
					return rewriteAsyncFunction(args.Path)
				}
				return api.OnLoadResult{}, nil // esbuild's default loader
			}
			switch r.typ {
			case RuleText:
				src, err := os.ReadFile(args.Path)
				if err != nil {
					return api.OnLoadResult{}, fmt.Errorf("bundle: text module: %w", err)
				}
				s := string(src)
				return api.OnLoadResult{Contents: &s, Loader: api.LoaderText}, nil
			case RuleData:
				s := dataWrapper(rawPrefix + args.Path)
				return api.OnLoadResult{Contents: &s, Loader: api.LoaderJS}, nil
			case RuleCompiledWasm:
				return api.OnLoadResult{Errors: []api.Message{{
					Text: fmt.Sprintf("WebAssembly modules (rule CompiledWasm, glob %q) are not supported by isola yet", r.glob),
				}}}, nil
			case RuleCommonJS, RuleESModule:
				src, err := os.ReadFile(args.Path)
				if err != nil {
					return api.OnLoadResult{}, fmt.Errorf("bundle: module: %w", err)
				}
				s := string(src)
				return api.OnLoadResult{Contents: &s, Loader: api.LoaderJSX, ResolveDir: filepath.Dir(args.Path)}, nil
			}
			return api.OnLoadResult{}, nil
		})
}

// setupVirtual resolves the names in virtual to their sources. Imports from
// a virtual module resolve from resolveDir ("" for none). used, if not nil,
// is called with the name of every virtual module resolved.
func setupVirtual(build api.PluginBuild, virtual map[string]string, resolveDir string, used func(name string)) {
	if len(virtual) == 0 {
		return
	}
	names := make([]string, 0, len(virtual))
	for name := range virtual {
		names = append(names, regexp.QuoteMeta(name))
	}
	slices.Sort(names)
	filter := `^(?:` + strings.Join(names, "|") + `)$`
	build.OnResolve(api.OnResolveOptions{Filter: filter},
		func(args api.OnResolveArgs) (api.OnResolveResult, error) {
			if _, ok := virtual[args.Path]; !ok {
				return api.OnResolveResult{}, nil
			}
			if used != nil {
				used(args.Path)
			}
			return api.OnResolveResult{Path: args.Path, Namespace: nsVirtual}, nil
		})
	build.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: nsVirtual},
		func(args api.OnLoadArgs) (api.OnLoadResult, error) {
			src, ok := virtual[args.Path]
			if !ok {
				return api.OnLoadResult{}, fmt.Errorf("bundle: virtual module %q vanished", args.Path)
			}
			return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS, ResolveDir: resolveDir}, nil
		})
}

// unsupportedFilter matches runtime built-ins that are not virtual modules.
const unsupportedFilter = `^(?:node|cloudflare|workerd):`

// setupBuiltins rejects imports of built-in modules that were not given as
// virtual modules. Must be set up after setupVirtual.
func setupBuiltins(build api.PluginBuild) {
	build.OnResolve(api.OnResolveOptions{Filter: unsupportedFilter},
		func(args api.OnResolveArgs) (api.OnResolveResult, error) {
			return api.OnResolveResult{Errors: []api.Message{{
				Text: fmt.Sprintf("%s is not supported by isola", args.Path),
			}}}, nil
		})
}

// setupData serves "isola-raw:PATH" imports with the bytes read(PATH)
// returns, through esbuild's binary loader (a Uint8Array).
func setupData(build api.PluginBuild, read func(path string) ([]byte, error)) {
	build.OnResolve(api.OnResolveOptions{Filter: `^` + regexp.QuoteMeta(rawPrefix)},
		func(args api.OnResolveArgs) (api.OnResolveResult, error) {
			return api.OnResolveResult{Path: strings.TrimPrefix(args.Path, rawPrefix), Namespace: nsRaw}, nil
		})
	build.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: nsRaw},
		func(args api.OnLoadArgs) (api.OnLoadResult, error) {
			data, err := read(args.Path)
			if err != nil {
				return api.OnLoadResult{}, fmt.Errorf("bundle: data module: %w", err)
			}
			s := string(data)
			return api.OnLoadResult{Contents: &s, Loader: api.LoaderBinary}, nil
		})
}

// dataWrapper is the module a Data import becomes: its default export is an
// ArrayBuffer holding exactly the bytes, as in wrangler and workerd.
func dataWrapper(rawSpec string) string {
	return fmt.Sprintf(`import b from %q;
export default b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b.buffer : b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
`, rawSpec)
}
