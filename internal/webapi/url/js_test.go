package url_test

import (
	"context"
	"encoding/json"
	"github.com/isola-run/isola/internal/webapi/webapitest"
	"os"
	"testing"
	"time"

	"github.com/isola-run/isola/internal/engine"
)

// newRuntime: a runtime with every Web API (webapitest.NewRuntime).
func newRuntime(t testing.TB) *engine.Runtime { t.Helper(); return webapitest.NewRuntime(t) }

// eval runs src and returns its (awaited) value.
func eval(t testing.TB, rt *engine.Runtime, src string) (any, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return rt.Eval(ctx, src)
}

// run: JSON.stringify of the awaited expression, or "throw Name: message"
// (webapitest.Run).
func run(t testing.TB, rt *engine.Runtime, src string) string {
	t.Helper()
	return webapitest.Run(t, rt, src)
}

type jsCase struct{ name, src, want string }

func runCases(t *testing.T, cases []jsCase) {
	t.Helper()
	rt := newRuntime(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := run(t, rt, c.src); got != c.want {
				t.Errorf("%s\n = %s\nwant %s", c.src, got, c.want)
			}
		})
	}
}

func TestURL(t *testing.T) {
	runCases(t, []jsCase{
		{"components", `(() => { const u = new URL("https://user:pw@Example.COM:8443/a/./b/../c?x=1#frag");
			return [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash] })()`,
			`["https://user:pw@example.com:8443/a/c?x=1#frag","https://example.com:8443","https:","user","pw","example.com:8443","example.com","8443","/a/c","?x=1","#frag"]`},
		{"relative", `new URL("../d?q", "https://e.com/a/b/c").href`, `"https://e.com/a/d?q"`},
		{"base URL object", `new URL("x", new URL("https://e.com/a/")).href`, `"https://e.com/a/x"`},
		{"invalid", `new URL("not a url")`, `throw TypeError: Invalid URL string.`},
		{"invalid base", `new URL("/x", "nope")`, `throw TypeError: Invalid URL string.`},
		{"no args", `new URL()`, `throw TypeError: Failed to construct 'URL': 1 argument required, but only 0 present.`},
		{"canParse", `[URL.canParse("https://a"), URL.canParse("a"), URL.canParse("a", "https://b/")]`, `[true,false,true]`},
		{"parse", `[URL.parse("https://a/x").href, URL.parse("::"), URL.parse("y", "https://a/x").href]`, `["https://a/x",null,"https://a/y"]`},
		{"setters", `(() => { const u = new URL("http://a.com/p?q#h"); u.protocol = "https"; u.username = "us er"; u.password = "p@ss";
			u.hostname = "b.org"; u.port = "8080"; u.pathname = "/x y"; u.search = "k=v w"; u.hash = "frag ment"; return u.href })()`,
			`"https://us%20er:p%40ss@b.org:8080/x%20y?k=v%20w#frag%20ment"`},
		{"port default dropped", `(() => { const u = new URL("https://a.com:8443/"); u.port = "443"; return [u.port, u.host] })()`, `["","a.com"]`},
		{"invalid href setter", `(() => { const u = new URL("https://a/"); u.href = "nope"; })()`, `throw TypeError: Failed to set the 'href' property on 'URL': the provided value is not of type 'valid URL string'.`},
		{"href setter", `(() => { const u = new URL("https://a/?x=1"); const sp = u.searchParams; u.href = "https://b/?y=2"; return [u.host, sp.get("y"), sp.get("x")] })()`, `["b","2",null]`},
		{"toString toJSON", `(() => { const u = new URL("https://a/b"); return [String(u), u.toJSON(), JSON.stringify({ u })] })()`, `["https://a/b","https://a/b","{\"u\":\"https://a/b\"}"]`},
		{"tag and name", `[Object.prototype.toString.call(new URL("https://a")), URL.name, URLSearchParams.name]`, `["[object URL]","URL","URLSearchParams"]`},
		{"searchParams live", `(() => { const u = new URL("https://e.com/?a=1&b=2&a=3"); const sp = u.searchParams;
			const out = [sp.getAll("a"), sp.size]; sp.append("c", "x y"); out.push(u.href); sp.delete("a"); out.push(u.search);
			u.search = "?z=9"; out.push([...sp], sp === u.searchParams); sp.delete("z"); out.push(u.href); return out })()`,
			`[["1","3"],3,"https://e.com/?a=1&b=2&a=3&c=x+y","?b=2&c=x+y",[["z","9"]],true,"https://e.com/"]`},
		{"searchParams opaque path", `(() => { const u = new URL("data:text/plain,hi  ?x"); u.searchParams.delete("x"); return u.href })()`, `"data:text/plain,hi"`},
		{"idna", `new URL("https://Bücher.example/").hostname`, `"xn--bcher-kva.example"`},
		{"ipv4 and ipv6", `[new URL("http://0x7f.1/").host, new URL("http://[::1]:80/").host]`, `["127.0.0.1","[::1]"]`},
		{"blob origin", `new URL("blob:https://a.com:1/uuid").origin`, `"https://a.com:1"`},
		{"createObjectURL", `URL.createObjectURL()`, `throw Error: URL.createObjectURL() is not implemented`},
	})
}

func TestURLSearchParams(t *testing.T) {
	runCases(t, []jsCase{
		{"from string", `[...new URLSearchParams("?a=1&b=x+y&c=%20z&d=&=e&&a=2")]`, `[["a","1"],["b","x y"],["c"," z"],["d",""],["","e"],["a","2"]]`},
		{"from record", `new URLSearchParams({ b: 2, a: "1" }).toString()`, `"b=2&a=1"`},
		{"from sequence", `new URLSearchParams([["x", 1], ["x", "2"]]).toString()`, `"x=1&x=2"`},
		{"from params", `(() => { const a = new URLSearchParams("q=1"); const b = new URLSearchParams(a); b.append("r", 2); return [a.toString(), b.toString()] })()`, `["q=1","q=1&r=2"]`},
		{"bad sequence", `new URLSearchParams([["a"]])`, `throw TypeError: Invalid URL search params sequence.`},
		{"serialization", `new URLSearchParams([["a b", "c+d"], ["é&=?/", "*-._~!'()"], ["\u0000\n", "%25"]]).toString()`,
			`"a+b=c%2Bd&%C3%A9%26%3D%3F%2F=*-._%7E%21%27%28%29&%00%0A=%2525"`},
		{"lone surrogate", `new URLSearchParams([["\ud800", "x"]]).toString()`, `"%EF%BF%BD=x"`},
		{"bad percent", `[...new URLSearchParams("a=%zz&b=%e2%82&c=%")]`, `[["a","%zz"],["b","�"],["c","%"]]`},
		{"get has", `(() => { const p = new URLSearchParams("a=1&a=2&b="); return [p.get("a"), p.get("z"), p.has("b"), p.has("a", "2"), p.has("a", "3"), p.getAll("a")] })()`, `["1",null,true,true,false,["1","2"]]`},
		{"set", `(() => { const p = new URLSearchParams("a=1&b=2&a=3"); p.set("a", "x"); p.set("c", "y"); return p.toString() })()`, `"a=x&b=2&c=y"`},
		{"delete with value", `(() => { const p = new URLSearchParams("a=1&a=2&b=1"); p.delete("a", "2"); return p.toString() })()`, `"a=1&b=1"`},
		{"sort stable by code units", `(() => { const p = new URLSearchParams("z=1&a=2&é=3&a=1&\ud83d\ude00=4&\uffff=5"); p.sort(); return [...p.keys()] })()`, `["a","a","z","é","😀","￿"]`},
		{"size and iteration", `(() => { const p = new URLSearchParams("a=1&b=2"); const f = []; p.forEach((v, k, o) => f.push(k + v + (o === p))); return [p.size, [...p.entries()], [...p.values()], f] })()`,
			`[2,[["a","1"],["b","2"]],["1","2"],["a1true","b2true"]]`},
		{"iterator is live", `(() => { const p = new URLSearchParams("a=1"); const it = p.keys(); p.append("b", 2); return [...it] })()`, `["a","b"]`},
		{"null init", `new URLSearchParams(null).toString()`, `"null="`},
		{"iterator tag", `Object.prototype.toString.call(new URLSearchParams().entries())`, `"[object URLSearchParams Iterator]"`},
	})
}

func TestURLPattern(t *testing.T) {
	runCases(t, []jsCase{
		{"pathname groups", `new URLPattern({ pathname: "/books/:id" }).exec("https://e.com/books/42").pathname.groups`, `{"id":"42"}`},
		{"test", `(() => { const p = new URLPattern({ pathname: "/books/:id(\\d+)" }); return [p.test("https://e.com/books/1"), p.test("https://e.com/books/x")] })()`, `[true,false]`},
		{"wildcard host", `new URLPattern("https://*.example.com/*").exec("https://api.example.com/a/b").hostname.groups`, `{"0":"api"}`},
		{"base", `new URLPattern("/api/:v", "https://e.com").test("https://e.com/api/1")`, `true`},
		{"invalid", `new URLPattern({ pathname: "(" })`, `throw TypeError: Failed to construct 'URLPattern': invalid pathname pattern '('.`},
	})
}

// TestWPTURLTestDataJS runs every case of WPT's urltestdata.json through
// the JS URL class.
func TestWPTURLTestDataJS(t *testing.T) {
	data, err := os.ReadFile("testdata/urltestdata.json")
	if err != nil {
		t.Fatal(err)
	}
	rt := newRuntime(t)
	v, err := eval(t, rt, `(() => {
		const cases = `+string(data)+`.filter((c) => typeof c === "object");
		const fails = [];
		const keys = ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"];
		for (const c of cases) {
			let u;
			try { u = c.base === null ? new URL(c.input) : new URL(c.input, c.base); } catch (e) {
				if (!c.failure) fails.push([c.input, c.base, "threw " + e.message]);
				continue;
			}
			if (c.failure) { fails.push([c.input, c.base, "parsed as " + u.href]); continue; }
			for (const k of keys) if (k in c && u[k] !== c[k]) fails.push([c.input, c.base, k, u[k], c[k]]);
			if (c.search !== undefined && u.searchParams.toString() !== new URLSearchParams(c.search).toString()) fails.push([c.input, "searchParams"]);
		}
		return JSON.stringify({ n: cases.length, fails });
	})()`)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		N     int
		Fails [][]any
	}
	if err := json.Unmarshal([]byte(v.(string)), &res); err != nil {
		t.Fatal(err)
	}
	if res.N < 800 {
		t.Errorf("ran %d cases; want the whole file", res.N)
	}
	for _, f := range res.Fails {
		t.Errorf("WPT case %v", f)
	}
}
