// Command build bundles isola's runtime JS (js/src/runtime.js and what it
// imports, including the npm polyfills under js/node_modules) into
// js/dist/runtime.js; the same without the Durable Object runtime, the ai
// binding and the parent side of Dynamic Workers (js/src/sandbox replaces
// actor.js, ai.js and loader.js) into
// js/dist/sandbox.js, the bundle of Dynamic Workers' runtimes; and each
// lazy chunk into js/dist/chunks/NAME.js. Package js embeds them. Run it
// from the repo root after `npm ci --prefix js`:
//
//	go run ./js/build
//
// The output is committed so that `go build` needs neither node nor npm.
//
// A chunk is code a runtime evaluates only when first asked for it: the
// npm polyfills in js/src/chunks (WHATWG streams, URLPattern) and the
// runtime modules listed in lazyModules. Most workers never touch them,
// and evaluating them in every new runtime was most of building one. A
// chunk is a script whose completion value is a function of one argument,
// __isola_import, returning the chunk's exports; host.js's chunk(name)
// calls it. A chunk's imports of runtime modules (./NAME.js in js/src) are
// not bundled into it: they become __isola_import("NAME"), which host.js
// answers with the runtime's own module (the bundles provide the ones
// chunks import, see bundlePlugin) or, for a lazy module, by loading it.
// A bundle's modules must not import a lazy module (the build fails if one
// does): they reach it through host.js's lazy(name) when they need it.
package main

import (
	"encoding/json"
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

// lazyModules are the runtime modules in js/src that are chunks rather than
// part of the bundles. js/src/lazy.js declares each (lazyModule) with the
// globals it installs, so that they exist before it is loaded; the build
// checks that the two lists agree.
var lazyModules = []string{"blob", "clone", "compression", "console", "crypto", "encoding", "events", "formdata", "url", "websocket"}

// runtimeImport matches an import of a runtime module by relative path.
var runtimeImport = regexp.MustCompile(`^\./([a-z_]+)\.js$`)

func main() {
	src, err := filepath.Abs("js/src")
	if err != nil {
		fail(err)
	}
	if err := os.RemoveAll("js/dist/chunks"); err != nil {
		fail(err)
	}
	if err := checkDeclared(); err != nil {
		fail(err)
	}
	// Chunks first: the bundles provide the runtime modules they import.
	shared := map[string]bool{}
	ok := true
	polyfills, _ := filepath.Glob("js/src/chunks/*.js")
	entries := polyfills
	for _, m := range lazyModules {
		entries = append(entries, filepath.Join("js/src", m+".js"))
	}
	names := map[string]string{}
	for _, c := range entries {
		name := strings.TrimSuffix(filepath.Base(c), ".js")
		if prev, dup := names[name]; dup {
			fail(fmt.Errorf("chunks %s and %s have the same name", prev, c))
		}
		names[name] = c
		ok = buildChunk(c, filepath.Join("js/dist/chunks", name+".js"), importsPlugin(src, c, shared)) && ok
	}
	if !ok {
		os.Exit(1)
	}
	var provided []string
	for m := range shared {
		if !slices.Contains(lazyModules, m) {
			provided = append(provided, m)
		}
	}
	sort.Strings(provided)
	ok = build(api.BuildOptions{
		EntryPoints: []string{"js/src/runtime.js"},
		Format:      api.FormatIIFE,
		Outfile:     "js/dist/runtime.js",
		Plugins:     []api.Plugin{bundlePlugin(src, provided, false)},
	})
	ok = build(api.BuildOptions{
		EntryPoints: []string{"js/src/runtime.js"},
		Format:      api.FormatIIFE,
		Outfile:     "js/dist/sandbox.js",
		Plugins:     []api.Plugin{bundlePlugin(src, provided, true)},
	}) && ok
	if !ok {
		os.Exit(1)
	}
}

// checkDeclared reports a lazy module that js/src/lazy.js does not declare,
// or one it declares that is not lazy.
func checkDeclared() error {
	b, err := os.ReadFile("js/src/lazy.js")
	if err != nil {
		return err
	}
	var declared []string
	for _, m := range regexp.MustCompile(`(?m)^lazyModule\("([a-z_]+)"`).FindAllStringSubmatch(string(b), -1) {
		declared = append(declared, m[1])
	}
	for _, m := range lazyModules {
		if !slices.Contains(declared, m) {
			return fmt.Errorf("js/src/lazy.js does not declare lazy module %q (lazyModule(%q, [its globals]))", m, m)
		}
	}
	for _, m := range declared {
		if !slices.Contains(lazyModules, m) {
			return fmt.Errorf("js/src/lazy.js declares %q, which is not in js/build's lazyModules", m)
		}
	}
	return nil
}

// importsPlugin turns a chunk's imports of runtime modules into
// __isola_import calls, recording the modules in shared. Each becomes
// `export const { a, b } = __isola_import("NAME")` with NAME's export
// names: plain property reads of the object of the runtime module's
// exports, so no function user code could have replaced runs on the way.
func importsPlugin(src, entry string, shared map[string]bool) api.Plugin {
	self, _ := filepath.Abs(entry)
	return api.Plugin{
		Name: "chunk-imports",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `^\./[a-z_]+\.js$`}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				p := filepath.Join(a.ResolveDir, a.Path)
				if a.ResolveDir != src || p == self {
					return api.OnResolveResult{}, nil
				}
				name := runtimeImport.FindStringSubmatch(a.Path)[1]
				shared[name] = true
				return api.OnResolveResult{Path: name, Namespace: "isola-import"}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: "isola-import"}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
				exports, err := exportsOf(filepath.Join(src, a.Path+".js"))
				if err != nil {
					return api.OnLoadResult{}, err
				}
				js := fmt.Sprintf("export const { %s } = __isola_import(%q);\n", strings.Join(exports, ", "), a.Path)
				return api.OnLoadResult{Contents: &js, Loader: api.LoaderJS}, nil
			})
		},
	}
}

// exportClause is the statement that ends esbuild's ES module output: the
// entry's exports, followed by the legal comments of bundled packages.
var exportClause = regexp.MustCompile(`(?s)\nexport \{([^}]*)\};\n((?:\s*(?://[^\n]*|/\*.*?\*/))*\s*)$`)

// buildChunk bundles the chunk entry into out: a function expression
// (__isola_import) => exports. It is built as an ES module whose final
// export clause becomes the function's return of a plain object, so that
// producing the exports calls nothing user code could have replaced
// (esbuild's IIFE exports go through Object.getOwnPropertyNames and
// friends, read when the chunk runs).
func buildChunk(entry, out string, imports api.Plugin) bool {
	o := api.BuildOptions{
		EntryPoints: []string{entry},
		Format:      api.FormatESModule,
		Outfile:     out,
		Plugins:     []api.Plugin{imports},
	}
	setDefaults(&o)
	o.Write = false
	res := api.Build(o)
	if !report(res) {
		return false
	}
	if len(res.OutputFiles) != 1 {
		fmt.Fprintf(os.Stderr, "%s: %d output files, want 1\n", entry, len(res.OutputFiles))
		return false
	}
	code := string(res.OutputFiles[0].Contents)
	m := exportClause.FindStringSubmatchIndex(code)
	if m == nil {
		fmt.Fprintf(os.Stderr, "%s: the chunk exports nothing (no final export clause in esbuild's output)\n", entry)
		return false
	}
	var fields []string
	for _, item := range strings.Split(code[m[2]:m[3]], ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		local, exported, renamed := strings.Cut(item, " as ")
		if renamed {
			fields = append(fields, exported+": "+local)
		} else {
			fields = append(fields, local)
		}
	}
	body := code[:m[0]]
	header := generated + "\n"
	body = strings.TrimPrefix(body, header)
	js := header + "(function (__isola_import) {\n\"use strict\";\n" + body + "\nreturn { " + strings.Join(fields, ", ") + " };\n" + code[m[4]:m[5]] + "})\n"
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		fail(err)
	}
	if err := os.WriteFile(out, []byte(js), 0o644); err != nil {
		fail(err)
	}
	return true
}

// exported caches exportsOf by path: every chunk importing a module and
// both bundles ask for its names (from esbuild's plugin goroutines).
var (
	exportedMu sync.Mutex
	exported   = map[string][]string{}
)

// exportsOf lists the export names of the ES module at path.
func exportsOf(path string) ([]string, error) {
	exportedMu.Lock()
	defer exportedMu.Unlock()
	if names, ok := exported[path]; ok {
		return names, nil
	}
	res := api.Build(api.BuildOptions{
		EntryPoints: []string{path},
		Format:      api.FormatESModule,
		Metafile:    true,
		Outdir:      "out", // not written
		Write:       false,
	})
	if len(res.Errors) > 0 {
		return nil, fmt.Errorf("%s: %s", path, res.Errors[0].Text)
	}
	var meta struct {
		Outputs map[string]struct {
			EntryPoint string   `json:"entryPoint"`
			Exports    []string `json:"exports"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(res.Metafile), &meta); err != nil {
		return nil, err
	}
	for _, o := range meta.Outputs {
		if o.EntryPoint != "" {
			if len(o.Exports) == 0 {
				return nil, fmt.Errorf("%s exports nothing a chunk could import", path)
			}
			exported[path] = o.Exports
			return o.Exports, nil
		}
	}
	return nil, fmt.Errorf("%s: no entry point in the metafile", path)
}

// bundlePlugin serves the bundles: it refuses a static import of a lazy
// module, generates the module "isola:shared" (for each runtime module
// chunks import, a function returning its exports, which runtime.js hands
// to host.js), and for the sandbox bundle swaps actor.js, ai.js and
// loader.js for the stand-ins in js/src/sandbox, which a dynamic worker's
// runtime does without.
func bundlePlugin(src string, provided []string, sandbox bool) api.Plugin {
	return api.Plugin{
		Name: "bundle",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `^isola:shared$`}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				return api.OnResolveResult{Path: "shared", Namespace: "isola-shared"}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: "isola-shared"}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
				// Named imports, and an object of them made only when a
				// chunk asks: a namespace object (import * as) would cost
				// a getter per export in every runtime built.
				var imports, entries strings.Builder
				for _, m := range provided {
					exports, err := exportsOf(filepath.Join(src, m+".js"))
					if err != nil {
						return api.OnLoadResult{}, err
					}
					var names, fields []string
					for _, e := range exports {
						names = append(names, fmt.Sprintf("%s as %s$%s", e, m, e))
						fields = append(fields, fmt.Sprintf("%s: %s$%s", e, m, e))
					}
					fmt.Fprintf(&imports, "import { %s } from \"./%s.js\";\n", strings.Join(names, ", "), m)
					fmt.Fprintf(&entries, "  %s: () => ({ %s }),\n", m, strings.Join(fields, ", "))
				}
				js := imports.String() + "export default {\n" + entries.String() + "};\n"
				return api.OnLoadResult{Contents: &js, Loader: api.LoaderJS, ResolveDir: src}, nil
			})
			b.OnResolve(api.OnResolveOptions{Filter: `^\./[a-z_]+\.js$`}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				if a.ResolveDir != src {
					return api.OnResolveResult{}, nil
				}
				name := runtimeImport.FindStringSubmatch(a.Path)[1]
				if slices.Contains(lazyModules, name) {
					return api.OnResolveResult{}, fmt.Errorf("%s is a lazy module (js/build lazyModules): reach it with lazy(%q) from host.js, not an import", a.Path, name)
				}
				if sandbox && (name == "actor" || name == "ai" || name == "loader") {
					return api.OnResolveResult{Path: filepath.Join(src, "sandbox", name+".js")}, nil
				}
				return api.OnResolveResult{}, nil
			})
		},
	}
}

const generated = "// Code generated by go run ./js/build; DO NOT EDIT."

func build(o api.BuildOptions) bool {
	setDefaults(&o)
	return report(api.Build(o))
}

func setDefaults(o *api.BuildOptions) {
	o.Bundle = true
	o.Target = api.ES2022
	o.Platform = api.PlatformNeutral
	o.MainFields = []string{"module", "main"}
	o.Write = true
	o.LegalComments = api.LegalCommentsEndOfFile
	o.Charset = api.CharsetUTF8
	o.Banner = map[string]string{"js": generated}
}

func report(res api.BuildResult) bool {
	for _, m := range res.Errors {
		loc := ""
		if m.Location != nil {
			loc = fmt.Sprintf("%s:%d:%d: ", m.Location.File, m.Location.Line, m.Location.Column+1)
		}
		fmt.Fprintf(os.Stderr, "%serror: %s\n", loc, m.Text)
	}
	return len(res.Errors) == 0
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
