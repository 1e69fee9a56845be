package loader_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/isola-run/isola/conformance/harness"
)

var updateExpectations = flag.Bool("update-differential", false, "drop entries of testdata/differential/expectations.json that now match workerd")

const differentialDir = "testdata/differential"

// diffCase is one request to the parent worker of testdata/differential:
// Req is the JSON it POSTs (see parent.js).
type diffCase struct {
	name string
	req  map[string]any
}

func wc(mods map[string]any, extra map[string]any) map[string]any {
	c := map[string]any{"compatibilityDate": "2025-09-01", "mainModule": "index.js", "modules": mods, "globalOutbound": nil}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

func js1(src string) map[string]any { return map[string]any{"index.js": src} }

const echoEntrypoint = `import { WorkerEntrypoint } from "cloudflare:workers";
export default class extends WorkerEntrypoint {
  echo(x) { return x; }
  types(x) { return Object.entries(x).map(([k, v]) => k + ":" + Object.prototype.toString.call(v)); }
  async useTools(t) { return [await t.add(2, 3), await t.fail().catch(e => e.name + ": " + e.message)]; }
  fetch(req) { return new Response("class fetch " + new URL(req.url).pathname); }
}
export class Named extends WorkerEntrypoint {
  who() { return "named " + JSON.stringify(this.ctx.props); }
}`

var diffCases = []diffCase{
	{"good fetch", map[string]any{"code": wc(js1(`export default { fetch(req) { return new Response("hello " + new URL(req.url).pathname, { status: 201, headers: { "x-dyn": "yes" } }) } }`), nil), "path": "a/b"}},
	{"post body", map[string]any{"code": wc(js1(`export default { async fetch(req) { return new Response(req.method + " " + await req.text()) } }`), nil), "method": "POST", "body": "payload"}},
	{"syntax error", map[string]any{"code": wc(js1(`export default { fetch( { return new Response('x') } };`), nil)}},
	{"syntax error, no operand", map[string]any{"code": wc(js1("export default {\n  fetch() { return 1 +; }\n}"), nil)}},
	{"syntax error, identifier", map[string]any{"code": wc(js1(`export default { fetch() { let a = 1 b = 2 } }`), nil)}},
	{"syntax error, end of input", map[string]any{"code": wc(js1(`export default { fetch() {`), nil)}},
	{"top-level throw", map[string]any{"code": wc(js1(`throw new Error("top-level boom"); export default {};`), nil)}},
	{"top-level TypeError", map[string]any{"code": wc(js1(`null.x; export default {};`), nil)}},
	{"missing mainModule", map[string]any{"code": map[string]any{"compatibilityDate": "2025-09-01", "mainModule": "nope.js", "modules": js1(`export default {}`), "globalOutbound": nil}}},
	{"missing import", map[string]any{"code": wc(js1(`import x from "./missing.js"; export default { fetch() { return new Response(x) } }`), nil)}},
	{"two-type module", map[string]any{"code": wc(map[string]any{"index.js": map[string]any{"js": "export default {}", "text": "x"}}, nil)}},
	{"module without type", map[string]any{"code": wc(map[string]any{"index.js": map[string]any{}}, nil)}},
	{"text and json modules", map[string]any{"code": wc(map[string]any{
		"index.js": `import t from "./t.txt"; import j from "./j.json"; export default { fetch() { return new Response(t + " " + j.a) } }`,
		"t.txt":    map[string]any{"text": "some text"},
		"j.json":   map[string]any{"json": map[string]any{"a": 1}},
	}, nil)}},
	{"throwing handler", map[string]any{"code": wc(js1("export default {\n  fetch() {\n    throw new TypeError(\"boom\");\n  }\n}"), nil)}},
	{"rejecting handler", map[string]any{"code": wc(js1(`export default { async fetch() { throw new RangeError("async boom") } }`), nil)}},
	{"no fetch handler", map[string]any{"code": wc(js1(`export default {}`), nil)}},
	{"non-Response result", map[string]any{"code": wc(js1(`export default { fetch() { return "text" } }`), nil)}},
	{"async non-Response result", map[string]any{"code": wc(js1(`export default { async fetch() { return "text" } }`), nil)}},
	{"no such entrypoint", map[string]any{"code": wc(js1(`export default { fetch() { return new Response("x") } }`), nil), "entry": "Nope"}},
	{"globalOutbound null, caught", map[string]any{"code": wc(js1(`export default { async fetch() { try { await fetch("http://127.0.0.1:9/"); return new Response("reached") } catch (e) { return new Response(e.name + ": " + e.message) } } }`), nil)}},
	{"globalOutbound null, uncaught", map[string]any{"code": wc(js1(`export default { async fetch() { return fetch("http://127.0.0.1:9/") } }`), nil)}},
	{"env plain values", map[string]any{"code": wc(js1(`export default { fetch(req, env) { return Response.json(env) } }`), map[string]any{"env": map[string]any{"A": "x", "N": map[string]any{"deep": []any{1, true, nil}}}})}},
	{"no require, no process", map[string]any{"code": wc(js1(`export default { fetch() { return Response.json([typeof require, typeof process, typeof module]) } }`), nil)}},
	{"class entrypoint fetch", map[string]any{"code": wc(js1(echoEntrypoint), nil), "path": "p"}},
	{"rpc structured values", map[string]any{"code": wc(js1(echoEntrypoint), nil), "rpc": "echo", "args": "structured"}},
	{"rpc structured types seen", map[string]any{"code": wc(js1(echoEntrypoint), nil), "rpc": "types", "args": "structured"}},
	{"rpc RpcTarget argument", map[string]any{"code": wc(js1(echoEntrypoint), nil), "rpc": "useTools", "args": "tools"}},
	{"rpc named entrypoint with props", map[string]any{"code": wc(js1(echoEntrypoint), nil), "entry": "Named", "options": map[string]any{"props": map[string]any{"user": "u1"}}, "rpc": "who"}},
	{"rpc unknown method", map[string]any{"code": wc(js1(echoEntrypoint), nil), "rpc": "nope"}},
	{"rpc on object export", map[string]any{"code": wc(js1(`export default { fetch() { return new Response("x") }, hello(x) { return "hi " + x } }`), nil), "rpc": "hello", "args": []any{"there"}}},
	{"limits cpuMs", map[string]any{"code": wc(js1(`export default { fetch() { let x = 0; for (let i = 0; i < 2e8; i++) x += i; return new Response("done " + x) } }`), map[string]any{"limits": map[string]any{"cpuMs": 50}})}},
	{"cpu kill caught in async code", map[string]any{"code": wc(js1(`export default { async fetch() { try { await (async () => { for (let i = 0; i < 2e8; i++); })() } catch (e) { return new Response("caught " + e.message) } return new Response("done") } }`), map[string]any{"limits": map[string]any{"cpuMs": 50}})}},
}

// diffExpectations are the known differences: case name (or "process/"
// + name for one mode only) -> reason. The file only shrinks.
func diffExpectations(tb testing.TB) map[string]string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(differentialDir, "expectations.json"))
	if err != nil {
		tb.Fatalf("expectations: %v", err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("expectations: %v", err)
	}
	return m
}

// copyProject copies the files of testdata/differential into a temp dir,
// with the loader's isolation set in wrangler.json.
func copyProject(tb testing.TB, isolation string) string {
	tb.Helper()
	dir := tb.TempDir()
	for _, f := range []string{"parent.js", "config.capnp"} {
		b, err := os.ReadFile(filepath.Join(differentialDir, f))
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	cfg := fmt.Sprintf(`{"name": "main", "main": "parent.js", "compatibility_date": "2025-09-01",
  "worker_loaders": [{ "binding": "LOADER", "isolation": %q }]}`, isolation)
	if err := os.WriteFile(filepath.Join(dir, "wrangler.json"), []byte(cfg), 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// TestDifferential runs the same requests on workerd (the reference, from
// npm) and on isola in both isolation modes, and compares the outcomes the
// parent worker reports (status and body, or error name and message).
func TestDifferential(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin, err := harness.FindWorkerd(root)
	if err != nil {
		t.Skipf("workerd is not installed, so there is nothing to compare with (run npm ci at the repo root): %v", err)
	}
	ctx := context.Background()
	wd, err := harness.StartWorkerd(ctx, bin, harness.Worker{Dir: copyProject(t, "isolate")}, "--experimental")
	if err != nil {
		t.Fatalf("start workerd: %v", err)
	}
	t.Cleanup(func() { wd.Close() })
	want := map[string]string{}
	for _, c := range diffCases {
		want[c.name] = outcomeOf(t, wd.URL, c)
	}
	expected := diffExpectations(t)
	matched := map[string]bool{}
	for _, mode := range []string{"isolate", "process"} {
		t.Run(mode, func(t *testing.T) {
			if mode == "process" && testing.Short() {
				t.Skip("process isolation in -short mode")
			}
			url := serve(t, filepath.Join(copyProject(t, mode), "wrangler.json"))
			for _, c := range diffCases {
				t.Run(c.name, func(t *testing.T) {
					got := outcomeOf(t, url, c)
					key := c.name
					if _, ok := expected[mode+"/"+c.name]; ok {
						key = mode + "/" + c.name
					}
					reason, listed := expected[key]
					switch {
					case got != want[c.name] && !listed:
						t.Errorf("isola differs from workerd (fix isola, or list %q in expectations.json with a reason):\nisola:   %s\nworkerd: %s", c.name, got, want[c.name])
					case got == want[c.name] && listed:
						matched[key] = true
						if !*updateExpectations {
							t.Errorf("now matches workerd: remove %q from expectations.json (%s)", key, reason)
						}
					case listed:
						t.Logf("known difference (%s):\nisola:   %s\nworkerd: %s", reason, got, want[c.name])
					}
				})
			}
		})
	}
	names := map[string]bool{}
	for _, c := range diffCases {
		names[c.name] = true
	}
	for k := range expected {
		if base := filepath.Base(k); !names[k] && !names[base] {
			t.Errorf("expectations.json lists %q: no such case", k)
		}
	}
	if *updateExpectations && len(matched) > 0 {
		for k := range matched {
			delete(expected, k)
		}
		writeExpectations(t, expected)
	}
}

func writeExpectations(tb testing.TB, m map[string]string) {
	tb.Helper()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, k := range keys {
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(m[k])
		fmt.Fprintf(&b, "  %s: %s", kb, vb)
		if i < len(keys)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	if err := os.WriteFile(filepath.Join(differentialDir, "expectations.json"), b.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// outcomeOf posts the case (with its name as the loader id) and returns
// the parent's answer, canonicalized.
func outcomeOf(tb testing.TB, url string, c diffCase) string {
	tb.Helper()
	req := map[string]any{"id": c.name}
	for k, v := range c.req {
		req[k] = v
	}
	b, _ := json.Marshal(req)
	st, body := post(tb, url, string(b))
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return fmt.Sprintf("status %d: %s", st, body)
	}
	out, _ := json.Marshal(v)
	return fmt.Sprintf("%d %s", st, out)
}
