package bundle

import (
	"fmt"
	"path"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// ModuleType is the kind of an in-memory module, as the keys of a workerd
// WorkerCode module object: {js}, {cjs}, {text}, {data}, {json}.
type ModuleType int

const (
	// ESModule is JavaScript with import/export (workerd's "js").
	ESModule ModuleType = iota
	// CommonJS is JavaScript with require/module.exports ("cjs").
	CommonJS
	// Text modules default-export Source as a string ("text").
	Text
	// Data modules default-export Data as an ArrayBuffer ("data").
	Data
	// JSON modules default-export the parsed Source ("json").
	JSON
)

func (t ModuleType) String() string {
	switch t {
	case ESModule:
		return "js"
	case CommonJS:
		return "cjs"
	case Text:
		return "text"
	case Data:
		return "data"
	case JSON:
		return "json"
	}
	return fmt.Sprintf("ModuleType(%d)", int(t))
}

// Module is one module of a Dynamic Worker.
type Module struct {
	Type ModuleType
	// Source is the module's text; unused for Data.
	Source string
	// Data is the module's bytes; only for Data.
	Data []byte
}

// BuildModules bundles the in-memory modules mods, starting at main, without
// touching any file system. Module names are slash-separated paths such as
// "index.js" or "lib/util.js". A relative import ("./x.js", "../x.js")
// resolves against the importing module's name, an absolute one ("/x.js")
// against the root, and a bare one ("x.js", "cloudflare:workers") names a
// module or a virtual module exactly; there is no extension guessing and no
// node_modules. On failure the error is an *Error whose messages name the
// module, line and column ("index.js:1:33").
func BuildModules(mods map[string]Module, main string, virtual map[string]string) (*Bundle, error) {
	byName := make(map[string]Module, len(mods))
	for name, m := range mods {
		byName[CleanModuleName(name)] = m
	}
	main = CleanModuleName(main)
	if _, ok := byName[main]; !ok {
		return nil, errorf("main module %q is not among the modules", main)
	}
	for name, m := range byName {
		if m.Type < ESModule || m.Type > JSON {
			return nil, &Error{Messages: []Message{{File: name, Text: fmt.Sprintf("unknown module type %d", int(m.Type))}}}
		}
	}

	mp := &modulePlugin{mods: byName, virtual: virtual}
	bo := baseOptions(false)
	// No file is read: every path is resolved by the plugin into its own
	// namespace, and tsconfig lookup is replaced by an empty one.
	bo.AbsWorkingDir = "/"
	bo.Outfile = "/worker.js"
	bo.TsconfigRaw = "{}"
	bo.EntryPoints = []string{main}
	bo.Plugins = []api.Plugin{{Name: "isola-modules", Setup: mp.setup}}

	res := api.Build(bo)
	if len(res.Errors) > 0 {
		return nil, &Error{Messages: convertMessages(res.Errors)}
	}
	b, err := fromResult(res)
	if err != nil {
		return nil, &Error{Messages: []Message{{Text: err.Error()}}}
	}
	return b, nil
}

// CleanModuleName turns "/lib/./util.js" into "lib/util.js", the name
// module "./util.js" imported from "lib/index.js" resolves to.
func CleanModuleName(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

// modulePlugin resolves and loads BuildModules' in-memory modules.
type modulePlugin struct {
	mods    map[string]Module
	virtual map[string]string
}

func (p *modulePlugin) setup(build api.PluginBuild) {
	setupVirtual(build, p.virtual, "", nil)
	setupBuiltins(build)
	setupData(build, func(name string) ([]byte, error) {
		m, ok := p.mods[name]
		if !ok {
			return nil, fmt.Errorf("no module %q", name)
		}
		return m.Data, nil
	})

	build.OnResolve(api.OnResolveOptions{Filter: `.*`},
		func(args api.OnResolveArgs) (api.OnResolveResult, error) {
			var name string
			switch {
			case args.Kind == api.ResolveEntryPoint:
				name = args.Path
			case strings.HasPrefix(args.Path, "./"), strings.HasPrefix(args.Path, "../"):
				name = CleanModuleName(path.Join(path.Dir(args.Importer), args.Path))
			default:
				name = CleanModuleName(args.Path)
			}
			if _, ok := p.mods[name]; !ok {
				text := fmt.Sprintf("no such module %q", name)
				if args.Importer != "" {
					text += fmt.Sprintf(" imported from %q", args.Importer)
				}
				return api.OnResolveResult{Errors: []api.Message{{Text: text}}}, nil
			}
			return api.OnResolveResult{Path: name, Namespace: nsModule}, nil
		})

	build.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: nsModule},
		func(args api.OnLoadArgs) (api.OnLoadResult, error) {
			m := p.mods[args.Path]
			res := api.OnLoadResult{Contents: &m.Source}
			switch m.Type {
			case ESModule, CommonJS:
				res.Loader = api.LoaderJS
			case Text:
				res.Loader = api.LoaderText
			case JSON:
				res.Loader = api.LoaderJSON
			case Data:
				s := dataWrapper(rawPrefix + args.Path)
				res.Contents, res.Loader = &s, api.LoaderJS
			}
			return res, nil
		})
}
