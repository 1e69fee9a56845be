package config

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// scope says where a worker object sits in the file, which decides the keys
// it may hold.
type scope int

const (
	scopeTop    scope = iota // the top level
	scopeEnv                 // env.<name>
	scopeInline              // workers[i], the isola extension
)

// decoder turns a positioned tree into Go values, collecting diagnostics.
type decoder struct {
	file string
	ds   *diags
}

func (d *decoder) errorf(p pos, format string, args ...any) {
	d.ds.add(SeverityError, d.file, p, format, args...)
}

func (d *decoder) warnf(p pos, format string, args ...any) {
	d.ds.add(SeverityWarning, d.file, p, format, args...)
}

func (d *decoder) infof(p pos, format string, args ...any) {
	d.ds.add(SeverityInfo, d.file, p, format, args...)
}

// join builds a key path for messages: join("env.dev", "vars") = "env.dev.vars".
func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func index(prefix string, i int) string { return fmt.Sprintf("%s[%d]", prefix, i) }

// typed reports an error unless n has kind k.
func (d *decoder) typed(n *node, k kind, path, what string) bool {
	if n.kind == k {
		return true
	}
	d.errorf(n.pos, "%q must be %s, not %s", path, what, describe(n))
	return false
}

func describe(n *node) string {
	switch n.kind {
	case kindString:
		return fmt.Sprintf("%s %q", n.kind, n.str)
	case kindNumber:
		return fmt.Sprintf("%s %s", n.kind, strconv.FormatFloat(n.num, 'f', -1, 64))
	case kindBool:
		return fmt.Sprintf("%s %v", n.kind, n.b)
	case kindArray:
		return "an array"
	case kindObject:
		return "an object"
	}
	return n.kind.String()
}

func (d *decoder) str(n *node, path string) string {
	if !d.typed(n, kindString, path, "a string") {
		return ""
	}
	return n.str
}

// reqStr decodes a required non-empty string.
func (d *decoder) reqStr(n *node, path string) string {
	s := d.str(n, path)
	if n.kind == kindString && s == "" {
		d.errorf(n.pos, "%q must not be empty", path)
	}
	return s
}

func (d *decoder) boolean(n *node, path string) bool {
	if !d.typed(n, kindBool, path, "a boolean") {
		return false
	}
	return n.b
}

// integer decodes a whole number in [lo, hi].
func (d *decoder) integer(n *node, path string, lo, hi int64) (int64, bool) {
	if !d.typed(n, kindNumber, path, "an integer") {
		return 0, false
	}
	if n.num != math.Trunc(n.num) || math.IsInf(n.num, 0) {
		d.errorf(n.pos, "%q must be an integer, not %v", path, n.num)
		return 0, false
	}
	if n.num < float64(lo) || n.num > float64(hi) {
		d.errorf(n.pos, "%q must be from %d to %d, not %v", path, lo, hi, n.num)
		return 0, false
	}
	return int64(n.num), true
}

func (d *decoder) strList(n *node, path string) ([]string, []pos) {
	if !d.typed(n, kindArray, path, "an array of strings") {
		return nil, nil
	}
	var out []string
	var poss []pos
	for i, e := range n.elems {
		if d.typed(e, kindString, index(path, i), "a string") {
			out = append(out, e.str)
			poss = append(poss, e.pos)
		}
	}
	return out, poss
}

// fields calls f for every member of the object n; f returns false for a key
// it does not know, which is reported as a warning, as wrangler does.
func (d *decoder) fields(n *node, path, what string, f func(m *member, path string) bool) bool {
	if !d.typed(n, kindObject, path, what) {
		return false
	}
	for i := range n.members {
		m := &n.members[i]
		p := join(path, m.key)
		if !f(m, p) {
			d.warnf(m.keyPos, "unknown key %q", p)
		}
	}
	return true
}

// objects decodes an array of objects, calling f for each member of each.
func (d *decoder) objects(n *node, path string, f func(i int, obj *node, m *member, path string) bool) {
	if !d.typed(n, kindArray, path, "an array of objects") {
		return
	}
	for i, e := range n.elems {
		d.fields(e, index(path, i), "an object", func(m *member, p string) bool { return f(i, e, m, p) })
	}
}

// required reports keys missing from obj.
func (d *decoder) required(obj *node, path string, keys ...string) {
	if obj.kind != kindObject {
		return
	}
	for _, k := range keys {
		if obj.get(k) == nil {
			d.errorf(obj.pos, "%q is missing required key %q", path, k)
		}
	}
}

// Keys that wrangler knows and isola accepts without using them. The value
// is why, printed in an info diagnostic.
var ignoredKeys = map[string]string{
	"account_id":              "ignored by isola (deploy only)",
	"workers_dev":             "ignored by isola (deploy only)",
	"preview_urls":            "ignored by isola (deploy only)",
	"routes":                  "ignored by isola (deploy only); isola serves every path",
	"route":                   "ignored by isola (deploy only); isola serves every path",
	"zone_id":                 "ignored by isola (deploy only)",
	"minify":                  "ignored by isola",
	"keep_names":              "ignored by isola",
	"node_compat":             "ignored by isola; use compatibility_flags [\"nodejs_compat\"]",
	"build":                   "ignored by isola: run your build step before isola",
	"placement":               "ignored by isola",
	"tsconfig":                "ignored by isola",
	"upload_source_maps":      "ignored by isola; source maps are always used",
	"usage_model":             "ignored by isola",
	"logpush":                 "ignored by isola",
	"tail_consumers":          "ignored by isola",
	"compliance_region":       "ignored by isola",
	"find_additional_modules": "ignored by isola",
	"base_dir":                "ignored by isola",
	"preserve_file_names":     "ignored by isola",
	"no_bundle":               "ignored by isola",
	"first_party_worker":      "ignored by isola",
}

// Binding and feature keys wrangler knows that isola does not implement.
var unsupportedKeys = []string{
	"d1_databases", "queues", "vectorize", "hyperdrive", "analytics_engine_datasets",
	"send_email", "browser", "workflows", "dispatch_namespaces", "mtls_certificates",
	"images", "version_metadata", "containers", "secrets_store_secrets", "unsafe",
	"pipelines", "define", "alias", "site", "wasm_modules", "text_blobs", "data_blobs",
	"cloudchamber", "logfwdr", "jsx_factory", "jsx_fragment", "python_modules",
	"unsafe_hello_world", "ratelimits", "vpc_services", "migrations_dir",
}

// topOnlyKeys may appear only at the top level of the file.
var topOnlyKeys = map[string]bool{
	"dev": true, "env": true, "workers": true, "keep_vars": true,
	"send_metrics": true, "legacy_env": true, "$schema": true,
	"cluster": true,
}

// nonInheritable are the keys a named environment does not inherit from the
// top level (wrangler's rule: bindings and vars must be repeated per env).
var nonInheritable = map[string]bool{
	"vars": true, "services": true, "durable_objects": true, "worker_loaders": true,
	"kv_namespaces": true, "r2_buckets": true, "ai": true,
}

// worker decodes one worker object. For the top level it also fills the
// project-level fields of proj.
func (d *decoder) worker(obj *node, path string, sc scope, proj *Project, envs map[string]*envDecl, inline *[]*inlineDecl) *Worker {
	w := &Worker{present: map[string]pos{}, namePos: obj.pos, objPos: obj.pos}
	d.fields(obj, path, "an object", func(m *member, p string) bool {
		w.present[m.key] = m.keyPos
		v := m.val
		if topOnlyKeys[m.key] && sc != scopeTop {
			d.warnf(m.keyPos, "%q is only allowed at the top level; ignored", p)
			return true
		}
		switch m.key {
		case "$schema", "legacy_env":
			// Editor and wrangler hints; nothing to do.
		case "send_metrics":
			d.boolean(v, p)
		case "keep_vars":
			proj.KeepVars = d.boolean(v, p)
		case "dev":
			proj.Dev = d.dev(v, p)
		case "cluster":
			proj.Cluster = d.cluster(v, p) // isola's key: cluster.go
		case "env":
			d.fields(v, p, "an object of named environments", func(em *member, ep string) bool {
				if em.val.kind == kindObject {
					envs[em.key] = &envDecl{keyPos: em.keyPos, w: d.worker(em.val, ep, scopeEnv, proj, nil, nil)}
				} else {
					d.typed(em.val, kindObject, ep, "an object")
				}
				return true
			})
		case "workers":
			if d.typed(v, kindArray, p, "an array of worker configs") {
				for i, e := range v.elems {
					ip := index(p, i)
					if d.typed(e, kindObject, ip, "an object") {
						*inline = append(*inline, &inlineDecl{obj: e, w: d.worker(e, ip, scopeInline, proj, nil, nil)})
					}
				}
			}
		case "name":
			w.Name = d.str(v, p)
			w.namePos = v.pos
			if w.Name != "" && !validName.MatchString(w.Name) {
				d.errorf(v.pos, "%q must be lower-case letters, digits, \"-\" and \"_\", not %q", p, w.Name)
			}
		case "main":
			w.Main = d.reqStr(v, p)
			w.mainPos = v.pos
		case "compatibility_date":
			w.CompatibilityDate = d.str(v, p)
			if v.kind == kindString && !validDate(w.CompatibilityDate) {
				d.errorf(v.pos, "%q must be a date in the form YYYY-MM-DD, not %q", p, w.CompatibilityDate)
			}
		case "compatibility_flags":
			w.CompatibilityFlags, _ = d.strList(v, p)
		case "vars":
			if d.typed(v, kindObject, p, "an object") {
				w.Vars = map[string]any{}
				w.varPos = map[string]pos{}
				for _, vm := range v.members {
					w.Vars[vm.key] = vm.val.toAny()
					w.varPos[vm.key] = vm.keyPos
				}
			}
		case "services":
			w.Services = d.services(v, p)
		case "triggers":
			w.Triggers = d.triggers(v, p)
		case "limits":
			w.Limits = d.limits(v, p)
		case "durable_objects":
			w.DurableObjects = d.durableObjects(v, p)
		case "migrations":
			w.Migrations = d.migrations(v, p)
		case "worker_loaders":
			// "isolation" and "cache_size" are isola's keys (internal/loader,
			// docs/dynamic-workers.md).
			var lbs []WorkerLoaderBinding
			d.objects(v, p, func(i int, obj *node, m *member, p string) bool {
				for len(lbs) <= i {
					lbs = append(lbs, WorkerLoaderBinding{})
				}
				switch m.key {
				case "binding":
					lbs[i].Binding, lbs[i].pos = d.reqStr(m.val, p), m.val.pos
				case "isolation":
					lbs[i].Isolation = d.str(m.val, p)
					if lbs[i].Isolation != "isolate" && lbs[i].Isolation != "process" {
						d.errorf(m.val.pos, "%q must be \"isolate\" or \"process\", not %q", p, lbs[i].Isolation)
					}
				case "cache_size":
					n, _ := d.integer(m.val, p, 1, 1<<20)
					lbs[i].CacheSize = int(n)
				default:
					return false
				}
				return true
			})
			for _, b := range lbs {
				if b.Binding != "" {
					w.WorkerLoaders = append(w.WorkerLoaders, b)
				}
			}
		case "rules":
			w.Rules = d.rules(v, p)
		case "kv_namespaces":
			w.KVNamespaces = d.kvNamespaces(v, p)
		case "r2_buckets":
			w.R2Buckets = d.r2Buckets(v, p)
		case "ai":
			w.AI = d.ai(v, p)
		case "assets":
			w.Assets = d.assets(v, p)
		case "observability":
			w.Observability = d.observability(v, p)
		default:
			if why, ok := ignoredKeys[m.key]; ok {
				d.infof(m.keyPos, "%q is %s", p, why)
				return true
			}
			for _, k := range unsupportedKeys {
				if k == m.key {
					d.warnf(m.keyPos, "%q is not supported by isola; ignored", p)
					return true
				}
			}
			return false
		}
		return true
	})
	return w
}

// validName is wrangler's rule for worker names.
var validName = regexp.MustCompile(`^[a-z0-9_][a-z0-9_-]*$`)

var datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func validDate(s string) bool {
	if !datePattern.MatchString(s) {
		return false
	}
	var y, m, day int
	fmt.Sscanf(s, "%d-%d-%d", &y, &m, &day)
	if m < 1 || m > 12 || day < 1 {
		return false
	}
	days := []int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return day <= days
}

func (d *decoder) dev(n *node, path string) Dev {
	var dev Dev
	d.fields(n, path, "an object", func(m *member, p string) bool {
		switch m.key {
		case "port":
			if v, ok := d.integer(m.val, p, 0, 65535); ok {
				dev.Port = int(v)
			}
		case "ip":
			dev.IP = d.reqStr(m.val, p)
		case "local_protocol", "upstream_protocol", "host", "inspector_port", "enable_containers", "container_engine", "generate_types", "inspector_ip":
			d.infof(m.keyPos, "%q is ignored by isola", p)
		default:
			return false
		}
		return true
	})
	return dev
}

func (d *decoder) services(n *node, path string) []ServiceBinding {
	var out []ServiceBinding
	if !d.typed(n, kindArray, path, "an array of objects") {
		return nil
	}
	for i, e := range n.elems {
		ip := index(path, i)
		s := ServiceBinding{pos: e.pos}
		if !d.fields(e, ip, "an object", func(m *member, p string) bool {
			switch m.key {
			case "binding":
				s.Binding = d.reqStr(m.val, p)
			case "service":
				s.Service = d.reqStr(m.val, p)
			case "entrypoint":
				s.Entrypoint = d.reqStr(m.val, p)
			case "environment", "remote", "props":
				d.infof(m.keyPos, "%q is ignored by isola", p)
			default:
				return false
			}
			return true
		}) {
			continue
		}
		d.required(e, ip, "binding", "service")
		out = append(out, s)
	}
	return out
}

func (d *decoder) triggers(n *node, path string) Triggers {
	var t Triggers
	d.fields(n, path, "an object", func(m *member, p string) bool {
		if m.key != "crons" {
			return false
		}
		crons, poss := d.strList(m.val, p)
		for i, c := range crons {
			if err := validateCron(c); err != nil {
				d.errorf(poss[i], "%q: invalid cron expression %q: %v", p, c, err)
			}
		}
		t.Crons = crons
		return true
	})
	return t
}

func (d *decoder) limits(n *node, path string) Limits {
	var l Limits
	d.fields(n, path, "an object", func(m *member, p string) bool {
		switch m.key {
		case "cpu_ms":
			if v, ok := d.integer(m.val, p, 1, math.MaxInt32); ok {
				l.CPUMs = int(v)
			}
		case "subrequests":
			d.infof(m.keyPos, "%q is ignored by isola", p)
		default:
			return false
		}
		return true
	})
	return l
}

func (d *decoder) durableObjects(n *node, path string) DurableObjects {
	var dos DurableObjects
	d.fields(n, path, "an object", func(m *member, p string) bool {
		if m.key != "bindings" {
			return false
		}
		if !d.typed(m.val, kindArray, p, "an array of objects") {
			return true
		}
		for i, e := range m.val.elems {
			ip := index(p, i)
			b := DurableObjectBinding{pos: e.pos, classPos: e.pos}
			if !d.fields(e, ip, "an object", func(bm *member, bp string) bool {
				switch bm.key {
				case "name":
					b.Name = d.reqStr(bm.val, bp)
				case "class_name":
					b.ClassName = d.reqStr(bm.val, bp)
					b.classPos = bm.val.pos
				case "script_name":
					b.ScriptName = d.reqStr(bm.val, bp)
				case "environment":
					d.infof(bm.keyPos, "%q is ignored by isola", bp)
				default:
					return false
				}
				return true
			}) {
				continue
			}
			d.required(e, ip, "name", "class_name")
			dos.Bindings = append(dos.Bindings, b)
		}
		return true
	})
	return dos
}

func (d *decoder) migrations(n *node, path string) []Migration {
	var out []Migration
	if !d.typed(n, kindArray, path, "an array of objects") {
		return nil
	}
	for i, e := range n.elems {
		ip := index(path, i)
		mg := Migration{tagPos: e.pos}
		if !d.fields(e, ip, "an object", func(m *member, p string) bool {
			switch m.key {
			case "tag":
				mg.Tag = d.reqStr(m.val, p)
				mg.tagPos = m.val.pos
			case "new_classes":
				mg.NewClasses, mg.newPos = d.strList(m.val, p)
			case "new_sqlite_classes":
				mg.NewSQLiteClasses, mg.sqlitePos = d.strList(m.val, p)
			case "deleted_classes":
				mg.DeletedClasses, mg.deletedPos = d.strList(m.val, p)
			case "renamed_classes":
				d.objects(m.val, p, func(j int, obj *node, rm *member, rp string) bool {
					for len(mg.RenamedClasses) <= j {
						mg.RenamedClasses = append(mg.RenamedClasses, RenamedClass{})
						mg.renamedPos = append(mg.renamedPos, [2]pos{obj.pos, obj.pos})
					}
					switch rm.key {
					case "from":
						mg.RenamedClasses[j].From = d.reqStr(rm.val, rp)
						mg.renamedPos[j][0] = rm.val.pos
					case "to":
						mg.RenamedClasses[j].To = d.reqStr(rm.val, rp)
						mg.renamedPos[j][1] = rm.val.pos
					default:
						return false
					}
					return true
				})
				d.requiredEach(m.val, p, "from", "to")
			case "transferred_classes":
				d.objects(m.val, p, func(j int, obj *node, tm *member, tp string) bool {
					for len(mg.TransferredClasses) <= j {
						mg.TransferredClasses = append(mg.TransferredClasses, TransferredClass{})
						mg.transferredPos = append(mg.transferredPos, obj.pos)
					}
					switch tm.key {
					case "from":
						mg.TransferredClasses[j].From = d.reqStr(tm.val, tp)
					case "from_script":
						mg.TransferredClasses[j].FromScript = d.reqStr(tm.val, tp)
					case "to":
						mg.TransferredClasses[j].To = d.reqStr(tm.val, tp)
						mg.transferredPos[j] = tm.val.pos
					default:
						return false
					}
					return true
				})
				d.requiredEach(m.val, p, "from", "from_script", "to")
			default:
				return false
			}
			return true
		}) {
			continue
		}
		d.required(e, ip, "tag")
		out = append(out, mg)
	}
	return out
}

// requiredEach checks required keys in every object of an array.
func (d *decoder) requiredEach(n *node, path string, keys ...string) {
	if n.kind != kindArray {
		return
	}
	for i, e := range n.elems {
		d.required(e, index(path, i), keys...)
	}
}

// ruleTypes are the module types wrangler accepts in "rules".
var ruleTypes = []string{"ESModule", "CommonJS", "CompiledWasm", "Text", "Data", "PythonModule", "PythonRequirement"}

func (d *decoder) rules(n *node, path string) []Rule {
	var out []Rule
	if !d.typed(n, kindArray, path, "an array of objects") {
		return nil
	}
	for i, e := range n.elems {
		ip := index(path, i)
		var r Rule
		if !d.fields(e, ip, "an object", func(m *member, p string) bool {
			switch m.key {
			case "type":
				r.Type = d.reqStr(m.val, p)
				if r.Type != "" && !contains(ruleTypes, r.Type) {
					d.errorf(m.val.pos, "%q must be one of %s, not %q", p, strings.Join(ruleTypes, ", "), r.Type)
				}
			case "globs":
				var poss []pos
				r.Globs, poss = d.strList(m.val, p)
				for j, g := range r.Globs {
					if g == "" {
						d.errorf(poss[j], "%q must not be empty", index(p, j))
					}
				}
			case "fallthrough":
				r.Fallthrough = d.boolean(m.val, p)
			default:
				return false
			}
			return true
		}) {
			continue
		}
		d.required(e, ip, "type", "globs")
		out = append(out, r)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (d *decoder) kvNamespaces(n *node, path string) []KVNamespace {
	var out []KVNamespace
	if !d.typed(n, kindArray, path, "an array of objects") {
		return nil
	}
	for i, e := range n.elems {
		ip := index(path, i)
		kv := KVNamespace{pos: e.pos}
		if !d.fields(e, ip, "an object", func(m *member, p string) bool {
			switch m.key {
			case "binding":
				kv.Binding = d.reqStr(m.val, p)
			case "id":
				kv.ID = d.str(m.val, p)
			case "preview_id":
				kv.PreviewID = d.str(m.val, p)
			case "remote":
				d.boolean(m.val, p)
			default:
				return false
			}
			return true
		}) {
			continue
		}
		d.required(e, ip, "binding")
		out = append(out, kv)
	}
	return out
}

func (d *decoder) r2Buckets(n *node, path string) []R2Bucket {
	var out []R2Bucket
	if !d.typed(n, kindArray, path, "an array of objects") {
		return nil
	}
	for i, e := range n.elems {
		ip := index(path, i)
		b := R2Bucket{pos: e.pos}
		if !d.fields(e, ip, "an object", func(m *member, p string) bool {
			switch m.key {
			case "binding":
				b.Binding = d.reqStr(m.val, p)
			case "bucket_name":
				b.BucketName = d.str(m.val, p)
			case "preview_bucket_name":
				b.PreviewBucketName = d.str(m.val, p)
			case "jurisdiction":
				b.Jurisdiction = d.str(m.val, p)
			case "remote":
				d.boolean(m.val, p)
			default:
				return false
			}
			return true
		}) {
			continue
		}
		d.required(e, ip, "binding")
		out = append(out, b)
	}
	return out
}

func (d *decoder) ai(n *node, path string) *AIBinding {
	a := AIBinding{pos: n.pos}
	if !d.fields(n, path, "an object", func(m *member, p string) bool {
		switch m.key {
		case "binding":
			a.Binding = d.reqStr(m.val, p)
		case "base_url":
			a.BaseURL = d.str(m.val, p)
		case "api_key_var":
			a.APIKeyVar = d.str(m.val, p)
		case "model":
			a.Model = d.str(m.val, p)
		case "staging", "remote":
			d.boolean(m.val, p)
		default:
			return false
		}
		return true
	}) {
		return nil
	}
	d.required(n, path, "binding")
	return &a
}

var (
	htmlHandlings     = []string{"auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"}
	notFoundHandlings = []string{"single-page-application", "404-page", "none"}
)

func (d *decoder) assets(n *node, path string) *Assets {
	a := Assets{dirPos: n.pos, bindingPos: n.pos}
	if !d.fields(n, path, "an object", func(m *member, p string) bool {
		switch m.key {
		case "directory":
			a.Directory = d.reqStr(m.val, p)
			a.dirPos = m.val.pos
		case "binding":
			a.Binding = d.reqStr(m.val, p)
			a.bindingPos = m.val.pos
		case "html_handling":
			a.HTMLHandling = d.oneOf(m.val, p, htmlHandlings)
		case "not_found_handling":
			a.NotFoundHandling = d.oneOf(m.val, p, notFoundHandlings)
		case "run_worker_first":
			switch m.val.kind {
			case kindBool:
				a.RunWorkerFirst = m.val.b
			case kindArray:
				list, _ := d.strList(m.val, p)
				rs := make([]any, len(list))
				for i, s := range list {
					rs[i] = s
				}
				a.RunWorkerFirst = rs
			default:
				d.errorf(m.val.pos, "%q must be a boolean or an array of strings, not %s", p, describe(m.val))
			}
		case "experimental_serve_directly":
			d.boolean(m.val, p)
		default:
			return false
		}
		return true
	}) {
		return nil
	}
	return &a
}

func (d *decoder) oneOf(n *node, path string, allowed []string) string {
	s := d.str(n, path)
	if n.kind == kindString && !contains(allowed, s) {
		d.errorf(n.pos, "%q must be one of %s, not %q", path, strings.Join(allowed, ", "), s)
		return ""
	}
	return s
}

func (d *decoder) observability(n *node, path string) *Observability {
	var o Observability
	if !d.fields(n, path, "an object", func(m *member, p string) bool {
		switch m.key {
		case "enabled":
			o.Enabled = d.boolean(m.val, p)
		case "head_sampling_rate":
			if d.typed(m.val, kindNumber, p, "a number") {
				if m.val.num < 0 || m.val.num > 1 {
					d.errorf(m.val.pos, "%q must be from 0 to 1, not %v", p, m.val.num)
				} else {
					o.HeadSamplingRate = m.val.num
				}
			}
		case "logs", "traces":
			d.typed(m.val, kindObject, p, "an object")
		default:
			return false
		}
		return true
	}) {
		return nil
	}
	return &o
}
