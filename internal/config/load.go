package config

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// fileSystem is what loading needs from the host, so that tests and fuzzing
// can run without touching the disk.
type fileSystem interface {
	Stat(name string) (fs.FileInfo, error)
	ReadFile(name string) ([]byte, error)
}

type osFS struct{}

func (osFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }
func (osFS) ReadFile(name string) ([]byte, error)  { return os.ReadFile(name) }

// envDecl is a decoded env.<name> table.
type envDecl struct {
	keyPos pos
	w      *Worker
}

// inlineDecl is a decoded entry of the isola-specific "workers" key.
type inlineDecl struct {
	obj *node
	w   *Worker
}

// load parses and validates src, the contents of the config file at path.
func load(path string, src []byte, envName string, fsys fileSystem) (*Project, []Diagnostic) {
	ds := &diags{}
	d := &decoder{file: path, ds: ds}
	dir := filepath.Dir(path)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}

	var root *node
	var err error
	if isTOML(path) {
		root, err = parseTOML(src)
	} else {
		var dups []member
		root, dups, err = parseJSONC(src)
		for _, m := range dups {
			d.warnf(m.keyPos, "duplicate key %q; the last one wins", m.key)
		}
	}
	var se *syntaxError
	if errors.As(err, &se) {
		d.errorf(se.pos, "%s", se.msg)
		return nil, ds.sorted()
	}
	if root.kind != kindObject {
		d.errorf(root.pos, "the top level must be an object, not %s", describe(root))
		return nil, ds.sorted()
	}

	proj := &Project{Path: path, Dir: dir, Env: envName}
	envs := map[string]*envDecl{}
	var inline []*inlineDecl
	main := d.worker(root, "", scopeTop, proj, envs, &inline)
	if envName != "" {
		if e, ok := envs[envName]; ok {
			main = d.applyEnv(main, e, envName)
		} else {
			names := make([]string, 0, len(envs))
			for n := range envs {
				names = append(names, n)
			}
			sort.Strings(names)
			have := "it has none"
			if len(names) > 0 {
				have = "it has " + strings.Join(names, ", ")
			}
			d.errorf(pos{}, "no environment %q in the config (%s)", envName, have)
		}
	}

	proj.Workers = []*Worker{main}
	if main.Name == "" {
		main.Name = sanitizeName(filepath.Base(dir))
	}
	for _, in := range inline {
		proj.Workers = append(proj.Workers, in.w)
	}
	for i, w := range proj.Workers {
		path := ""
		if i > 0 {
			path = index("workers", i-1)
			if w.Name == "" {
				d.errorf(w.objPos, "%q is missing required key %q", path, "name")
			}
		}
		d.finish(w, path, dir, fsys)
	}
	if vars, ok := d.devVars(envName, fsys); ok {
		main.addSecrets(vars)
	}
	d.checkProject(proj)
	return proj, ds.sorted()
}

// inheritable lists, for every worker key, how a named environment copies its
// value over the top level's. Keys in nonInheritable start empty instead of
// inheriting.
var envCopy = map[string]func(dst, src *Worker){
	"name":                func(dst, src *Worker) { dst.Name, dst.namePos = src.Name, src.namePos },
	"main":                func(dst, src *Worker) { dst.Main, dst.mainPos = src.Main, src.mainPos },
	"compatibility_date":  func(dst, src *Worker) { dst.CompatibilityDate = src.CompatibilityDate },
	"compatibility_flags": func(dst, src *Worker) { dst.CompatibilityFlags = src.CompatibilityFlags },
	"vars":                func(dst, src *Worker) { dst.Vars, dst.varPos = src.Vars, src.varPos },
	"services":            func(dst, src *Worker) { dst.Services = src.Services },
	"triggers":            func(dst, src *Worker) { dst.Triggers = src.Triggers },
	"limits":              func(dst, src *Worker) { dst.Limits = src.Limits },
	"durable_objects":     func(dst, src *Worker) { dst.DurableObjects = src.DurableObjects },
	"migrations":          func(dst, src *Worker) { dst.Migrations = src.Migrations },
	"worker_loaders":      func(dst, src *Worker) { dst.WorkerLoaders = src.WorkerLoaders },
	"rules":               func(dst, src *Worker) { dst.Rules = src.Rules },
	"kv_namespaces":       func(dst, src *Worker) { dst.KVNamespaces = src.KVNamespaces },
	"r2_buckets":          func(dst, src *Worker) { dst.R2Buckets = src.R2Buckets },
	"ai":                  func(dst, src *Worker) { dst.AI = src.AI },
	"assets":              func(dst, src *Worker) { dst.Assets = src.Assets },
	"observability":       func(dst, src *Worker) { dst.Observability = src.Observability },
}

// applyEnv returns the top-level worker with environment e applied, following
// wrangler: inheritable keys fall back to the top level, bindings and vars do
// not, and the name defaults to "<top-level name>-<env>".
func (d *decoder) applyEnv(top *Worker, e *envDecl, envName string) *Worker {
	w := *top
	w.Vars, w.varPos = nil, nil
	w.Services, w.DurableObjects, w.WorkerLoaders = nil, DurableObjects{}, nil
	w.KVNamespaces, w.R2Buckets, w.AI = nil, nil, nil
	for key := range e.w.present {
		if cp, ok := envCopy[key]; ok {
			cp(&w, e.w)
		}
	}
	if _, ok := e.w.present["name"]; !ok && top.Name != "" {
		w.Name = top.Name + "-" + envName
	}
	keys := make([]string, 0, len(nonInheritable))
	for k := range nonInheritable {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		_, inTop := top.present[k]
		_, inEnv := e.w.present[k]
		if inTop && !inEnv {
			d.warnf(e.keyPos, "%q exists at the top level, but not on \"env.%s\"; it is not inherited by environments", k, envName)
		}
	}
	w.present = maps.Clone(top.present)
	maps.Copy(w.present, e.w.present)
	w.objPos = e.w.objPos
	return &w
}

// finish fills defaults and resolves paths of one worker after environments
// have been applied. path prefixes messages ("" for the main worker).
func (d *decoder) finish(w *Worker, path, dir string, fsys fileSystem) {
	if _, set := w.present["compatibility_date"]; set && w.CompatibilityDate == "" {
		w.CompatibilityDate = DefaultCompatibilityDate // the error is reported
	}
	if w.CompatibilityDate == "" {
		d.warnf(w.objPos, "%s: no %q; using %s", label(path), "compatibility_date", DefaultCompatibilityDate)
		w.CompatibilityDate = DefaultCompatibilityDate
	}
	if w.Vars == nil {
		w.Vars = map[string]any{}
	}
	if w.Main == "" && w.Assets == nil {
		if _, set := w.present["main"]; !set {
			d.errorf(w.objPos, "%s: missing required key %q (the entry module)", label(path), "main")
		}
	}
	if w.Main != "" {
		w.Main = abs(dir, w.Main)
		if st, err := fsys.Stat(w.Main); err != nil {
			d.errorf(w.mainPos, "%q: entry module %s: %v", join(path, "main"), w.Main, notFound(err))
		} else if st.IsDir() {
			d.errorf(w.mainPos, "%q: entry module %s is a directory", join(path, "main"), w.Main)
		}
	}
	if a := w.Assets; a != nil && a.Directory != "" {
		cp := *a
		cp.Directory = abs(dir, a.Directory)
		if st, err := fsys.Stat(cp.Directory); err != nil || !st.IsDir() {
			d.errorf(a.dirPos, "%q: directory %s does not exist", join(path, "assets.directory"), cp.Directory)
		}
		w.Assets = &cp
	}
}

func label(path string) string {
	if path == "" {
		return "top level"
	}
	return path
}

func abs(dir, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, filepath.FromSlash(p))
}

func notFound(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "file does not exist"
	}
	return err.Error()
}

// addSecrets merges .dev.vars entries into Vars, overriding vars of the same
// name, and records their names in Secrets.
func (w *Worker) addSecrets(vars []dotenvVar) {
	names := map[string]bool{}
	for _, v := range vars {
		w.Vars[v.key] = v.value
		names[v.key] = true
	}
	for n := range names {
		w.Secrets = append(w.Secrets, n)
	}
	sort.Strings(w.Secrets)
}

// devVars reads .dev.vars.<env> if an environment is selected and that file
// exists, else .dev.vars, from the config file's directory. ok is false when there is neither.
func (d *decoder) devVars(envName string, fsys fileSystem) ([]dotenvVar, bool) {
	candidates := []string{".dev.vars"}
	if envName != "" {
		candidates = []string{".dev.vars." + envName, ".dev.vars"}
	}
	for _, c := range candidates {
		// Named like the config path, so diagnostics read alike.
		file := filepath.Join(filepath.Dir(d.file), c)
		src, err := fsys.ReadFile(file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		fd := &decoder{file: file, ds: d.ds}
		if err != nil {
			fd.errorf(pos{}, "read: %v", err)
			return nil, false
		}
		vars, errs := parseDotenv(src)
		for _, e := range errs {
			fd.errorf(e.pos, "%s", e.msg)
		}
		return vars, true
	}
	return nil, false
}

// checkProject runs the checks that need every worker: unique names,
// bindings, migrations, Durable Object classes and service targets.
func (d *decoder) checkProject(p *Project) {
	names := map[string]bool{}
	for _, w := range p.Workers {
		if w.Name != "" && names[w.Name] {
			d.errorf(w.namePos, "worker name %q is used twice", w.Name)
		}
		names[w.Name] = true
	}
	classes := make([]map[string]bool, len(p.Workers))
	for i, w := range p.Workers {
		classes[i] = d.checkMigrations(w)
		d.checkBindings(w)
	}
	for i, w := range p.Workers {
		for _, b := range w.DurableObjects.Bindings {
			owner := i
			if b.ScriptName != "" && b.ScriptName != w.Name {
				owner = -1
				for j, o := range p.Workers {
					if o.Name == b.ScriptName {
						owner = j
					}
				}
				if owner < 0 {
					d.warnf(b.pos, "durable object binding %q: script_name %q is not a worker in this config; isola cannot reach it", b.Name, b.ScriptName)
					continue
				}
			}
			o := p.Workers[owner]
			switch {
			case b.ClassName == "":
			case len(o.Migrations) == 0:
				d.warnf(b.classPos, "durable object binding %q: worker %q has no migrations; add one with new_sqlite_classes [%q]", b.Name, o.Name, b.ClassName)
			case !classes[owner][b.ClassName]:
				d.errorf(b.classPos, "durable object binding %q: class %q does not exist in worker %q after its migrations", b.Name, b.ClassName, o.Name)
			}
		}
		for _, s := range w.Services {
			if s.Service != "" && !names[s.Service] {
				d.warnf(s.pos, "service %q is not a worker in this config; calls through this binding will fail", s.Service)
			}
		}
	}
}

// checkMigrations applies w's migrations in order, reporting duplicate tags
// and steps that contradict earlier ones, and returns the classes that exist
// afterwards.
func (d *decoder) checkMigrations(w *Worker) map[string]bool {
	classes := map[string]bool{}
	tags := map[string]bool{}
	for _, m := range w.Migrations {
		if m.Tag != "" {
			if tags[m.Tag] {
				d.errorf(m.tagPos, "migration tag %q is used twice", m.Tag)
			}
			tags[m.Tag] = true
		}
		create := func(c string, p pos) {
			if c == "" {
				return
			}
			if classes[c] {
				d.errorf(p, "migration %q: class %q already exists", m.Tag, c)
			}
			classes[c] = true
		}
		for i, c := range m.NewClasses {
			create(c, m.newPos[i])
		}
		for i, c := range m.NewSQLiteClasses {
			create(c, m.sqlitePos[i])
		}
		for i, r := range m.RenamedClasses {
			if r.From == "" || r.To == "" {
				continue
			}
			if !classes[r.From] {
				d.errorf(m.renamedPos[i][0], "migration %q: cannot rename class %q: it does not exist", m.Tag, r.From)
			}
			delete(classes, r.From)
			create(r.To, m.renamedPos[i][1])
		}
		for i, t := range m.TransferredClasses {
			create(t.To, m.transferredPos[i])
		}
		for i, c := range m.DeletedClasses {
			if c == "" {
				continue
			}
			if !classes[c] {
				d.errorf(m.deletedPos[i], "migration %q: cannot delete class %q: it does not exist", m.Tag, c)
			}
			delete(classes, c)
		}
	}
	return classes
}

// checkBindings reports two bindings of one worker with the same name. A
// secret may override a var, so Vars are checked only against bindings.
func (d *decoder) checkBindings(w *Worker) {
	seen := map[string]string{}
	add := func(name, kind string, p pos) {
		if name == "" {
			return
		}
		if prev, ok := seen[name]; ok {
			if prev == kind {
				d.errorf(p, "binding name %q is used twice in %s", name, kind)
			} else {
				d.errorf(p, "binding name %q is used by both %s and %s", name, prev, kind)
			}
			return
		}
		seen[name] = kind
	}
	varNames := make([]string, 0, len(w.varPos))
	for k := range w.varPos {
		varNames = append(varNames, k)
	}
	sort.Strings(varNames)
	for _, k := range varNames {
		add(k, "vars", w.varPos[k])
	}
	for _, s := range w.Services {
		add(s.Binding, "services", s.pos)
	}
	for _, b := range w.DurableObjects.Bindings {
		add(b.Name, "durable_objects", b.pos)
	}
	for _, b := range w.WorkerLoaders {
		add(b.Binding, "worker_loaders", b.pos)
	}
	for _, b := range w.KVNamespaces {
		add(b.Binding, "kv_namespaces", b.pos)
	}
	for _, b := range w.R2Buckets {
		add(b.Binding, "r2_buckets", b.pos)
	}
	if w.AI != nil {
		add(w.AI.Binding, "ai", w.AI.pos)
	}
	if w.Assets != nil {
		add(w.Assets.Binding, "assets", w.Assets.bindingPos)
	}
}
