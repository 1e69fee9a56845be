package fetch_test

import (
	"strings"
	"testing"
)

// jsCase is a script (the body of an async function) and the JSON of what
// it returns, or the "Name: message" of what it throws.
type jsCase struct {
	name string
	src  string
	want string
}

func runCases(t *testing.T, cases []jsCase) {
	t.Helper()
	rt := newRuntime(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := evalErr(rt, "(async () => {"+tc.src+"})()")
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("%s\n got: %s\nwant: %s", tc.src, got, tc.want)
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	runCases(t, []jsCase{
		{"case-insensitive", `const h = new Headers({"Content-Type": "text/plain"}); return [h.get("content-type"), h.has("CONTENT-TYPE")]`, `["text/plain",true]`},
		{"sorted combined", `const h = new Headers([["b", "1"], ["A", "2"], ["b", "3"]]); return [...h]`, `[["a","2"],["b","1, 3"]]`},
		{"set-cookie apart", `const h = new Headers(); h.append("Set-Cookie", "a=1"); h.append("set-cookie", "b=2"); return [[...h], h.getSetCookie(), h.get("set-cookie")]`, `[[["set-cookie","a=1"],["set-cookie","b=2"]],["a=1","b=2"],"a=1, b=2"]`},
		{"trim value", `const h = new Headers(); h.set("x", "  v \t"); return h.get("x")`, `"v"`},
		{"invalid name", `new Headers().set("bad name", "v")`, `TypeError: Invalid header name.`},
		{"invalid name get", `new Headers().get("a:b")`, `TypeError: Invalid header name.`},
		{"empty and non-ASCII names", `const h = new Headers(); h.set("", "e"); h.set("Ünicode", "u"); return [...h]`, `[["","e"],["ünicode","u"]]`},
		{"iterator tags", `const h = new Headers({a: "1"}); return [h.entries(), h.keys(), h.values(), h[Symbol.iterator]()].map((i) => Object.prototype.toString.call(i))`, `["[object EntryIterator]","[object KeyIterator]","[object ValueIterator]","[object EntryIterator]"]`},
		{"invalid value", `new Headers().set("x", "a\nb")`, `TypeError: Invalid header value.`},
		{"bad pair", `new Headers([["a"]])`, `TypeError: To initialize a Headers object from a sequence, each inner sequence must have exactly two elements.`},
		{"delete", `const h = new Headers({a: "1", b: "2"}); h.delete("A"); return [...h.keys()]`, `["b"]`},
		{"forEach", `const out = []; new Headers({b: "2", a: "1"}).forEach((v, k) => out.push(k + "=" + v)); return out`, `["a=1","b=2"]`},
		{"copy", `const a = new Headers({x: "1"}); const b = new Headers(a); b.set("x", "2"); return [a.get("x"), b.get("x")]`, `["1","2"]`},
		{"getAll", `const h = new Headers({"set-cookie": "a"}); return h.getAll("Set-Cookie")`, `["a"]`},
		{"getAll other", `new Headers().getAll("x")`, `TypeError: getAll() can only be used with the header name "Set-Cookie".`},
		{"redirect immutable", `Response.redirect("https://a.example/", 301).headers.set("x", "1")`, `TypeError: Can't modify immutable headers.`},
		{"values", `return [...new Headers({b: "2", a: "1"}).values()]`, `["1","2"]`},
		{"pairs fast path", `return [...new Headers([["B", " 1 "], ["a", "2"], ["b", "3"]])]`, `[["a","2"],["b","1, 3"]]`},
		{"pairs iterable inner", `return [...new Headers([new Set(["a", "b"]), "cd".split("")])]`, `[["a","b"],["c","d"]]`},
		{"pairs bad inner", `new Headers([["a", "b", "c"]])`, `TypeError: To initialize a Headers object from a sequence, each inner sequence must have exactly two elements.`},
		{"pairs string inner", `new Headers(["ab"])`, `TypeError: To initialize a Headers object from a sequence, each inner sequence must have exactly two elements.`},
		{"generator", `return [...new Headers((function* () { yield ["x", "1"] })())]`, `[["x","1"]]`},
		{"cached name still validated", `new Headers({"x-ok": "1"}); new Headers().get("x ok")`, `TypeError: Invalid header name.`},
		{"value whitespace inside kept", `return new Headers({a: "1 \t 2"}).get("a")`, `"1 \t 2"`},
		{"value trimmed both ends", `return new Headers({a: "\r\n 1 \t"}).get("a")`, `"1"`},
		{"value NUL", `new Headers({a: "1\u00002"})`, `TypeError: Invalid header value.`},
	})
}

func TestRequest(t *testing.T) {
	runCases(t, []jsCase{
		{"defaults", `const r = new Request("https://example.com/a?b#c"); return [r.method, r.url, r.redirect, r.bodyUsed, r.body, r.signal.aborted]`, `["GET","https://example.com/a?b#c","follow",false,null,false]`},
		{"method normalized", `return [new Request("https://x/", {method: "post"}).method, new Request("https://x/", {method: "patch"}).method]`, `["POST","PATCH"]`},
		{"bad method", `new Request("https://x/", {method: "FOO BAR"})`, `TypeError: Invalid HTTP method string: FOO BAR`},
		{"get with body", `new Request("https://x/", {body: "a"})`, `TypeError: Request with a GET or HEAD method cannot have a body.`},
		{"head with body", `new Request("https://x/", {method: "HEAD", body: "a"})`, `TypeError: Request with a GET or HEAD method cannot have a body.`},
		{"invalid url", `new Request("/relative")`, `TypeError: Invalid URL: /relative`},
		{"body text", `const r = new Request("https://x/", {method: "POST", body: "hé"}); return [await r.text(), r.bodyUsed, r.headers.get("content-type")]`, `["hé",true,"text/plain;charset=UTF-8"]`},
		{"body used", `const r = new Request("https://x/", {method: "POST", body: "a"}); await r.text(); await r.text()`, `TypeError: Body has already been used. It can only be used once. Use tee() first if you need to read it twice.`},
		{"from request", `const a = new Request("https://x/", {method: "PUT", body: "z", headers: {k: "v"}}); const b = new Request(a, {headers: {k: "w"}}); return [b.method, b.headers.get("k"), await b.text(), a.bodyUsed]`, `["PUT","w","z",true]`},
		{"reuse used", `const a = new Request("https://x/", {method: "PUT", body: "z"}); await a.text(); new Request(a)`, `TypeError: Cannot reconstruct a Request with a used body.`},
		{"clone", `const a = new Request("https://x/", {method: "POST", body: "z"}); const b = a.clone(); return [await a.text(), await b.text()]`, `["z","z"]`},
		{"redirect error", `new Request("https://x/", {redirect: "error"})`, `TypeError: Invalid redirect value, must be one of "follow" or "manual" ("error" won't be implemented since it does not make sense at the edge; use "manual" and check the response status code).`},
		{"redirect manual", `return new Request("https://x/", {redirect: "MANUAL"}).redirect`, `"manual"`},
		{"cf", `const cf = {a: 1}; const r = new Request("https://x/", {cf}); cf.a = 2; return r.cf`, `{"a":1}`},
		{"json body", `const r = new Request("https://x/", {method: "POST", body: JSON.stringify({a: [1]})}); return await r.json()`, `{"a":[1]}`},
		{"urlsearchparams body", `const r = new Request("https://x/", {method: "POST", body: new URLSearchParams("a=1&b=2")}); return [r.headers.get("content-type"), await r.text()]`, `["application/x-www-form-urlencoded;charset=UTF-8","a=1&b=2"]`},
		{"stream body", `const r = new Request("https://x/", {method: "POST", body: new Blob(["ab"]).stream()}); return [r.body instanceof ReadableStream, await r.text()]`, `[true,"ab"]`},
		{"signal", `const c = new AbortController(); const r = new Request("https://x/", {signal: c.signal}); c.abort(); return r.signal.aborted`, `true`},
		{"integrity", `new Request("https://x/", {integrity: "sha256-x"})`, `TypeError: Subrequest integrity checking is not implemented. The integrity option must be either undefined or an empty string.`},
	})
}

func TestResponse(t *testing.T) {
	runCases(t, []jsCase{
		{"defaults", `const r = new Response(); return [r.status, r.statusText, r.ok, r.redirected, r.type, r.url, r.body, r.bodyUsed]`, `[200,"",true,false,"default","",null,false]`},
		{"status text", `return [new Response(null, {status: 404}).statusText, new Response(null, {status: 299}).statusText, new Response(null, {status: 201, statusText: "Yay"}).statusText]`, `["","","Yay"]`},
		{"error headers mutable", `const h = Response.error().headers; h.set("x", "1"); return h.get("x")`, `"1"`},
		{"stream iterator released after break", `const mk = () => new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2) } }); const a = mk(), b = mk(); for await (const v of a.values({ preventCancel: true })) break; for await (const v of b) break; return [a.locked, b.locked]`, `[false,false]`},
		{"data URL fetch", `const out = []; for (const u of ["data:text/plain,hi", "data:,a%20b", "data:text/html;base64,PGI+eDwvYj4="]) { const r = await fetch(u); out.push([r.status, r.headers.get("content-type"), await r.text()]) } return out`, `[[200,"text/plain","hi"],[200,"text/plain;charset=US-ASCII","a b"],[200,"text/html","<b>x</b>"]]`},
		{"bad data URL", `await fetch("data:;base64,%%%")`, `TypeError: Fetch API cannot load: data:;base64,%%%`},
		{"no cancel after close", `const log = []; const s = new ReadableStream({ start(c) { c.enqueue(1); c.close() }, cancel() { log.push("cancel") } }); for await (const v of s) break; return log`, `[]`},
		{"captureStackTrace", `const o = { name: "E", message: "m" }; Error.captureStackTrace(o); return o.stack.split("\n")[0]`, `"E: m"`},
		{"date string zone", `return [String(new Date(0)), new Date(0).toTimeString(), String(new Date(NaN))]`, `["Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)","00:00:00 GMT+0000 (Coordinated Universal Time)","Invalid Date"]`},
		{"status range", `new Response("", {status: 100})`, `RangeError: Responses may only be constructed with status codes in the range 200 to 599, inclusive.`},
		{"status 600", `new Response("", {status: 600})`, `RangeError: Responses may only be constructed with status codes in the range 200 to 599, inclusive.`},
		{"null body status", `new Response("x", {status: 204})`, `TypeError: Response with null body status (101, 204, 205, or 304) cannot have a body.`},
		{"null body empty ok", `return new Response("", {status: 204}).body`, `null`},
		{"bad statusText", `new Response("", {statusText: "a\nb"})`, `TypeError: Invalid statusText`},
		{"json", `const r = Response.json({a: 1}, {status: 201}); return [r.status, r.headers.get("content-type"), await r.json()]`, `[201,"application/json",{"a":1}]`},
		{"json keeps type", `const r = Response.json(1, {headers: {"content-type": "text/x"}}); return r.headers.get("content-type")`, `"text/x"`},
		{"redirect", `const r = Response.redirect("https://e.example/x", 307); return [r.status, r.headers.get("location")]`, `[307,"https://e.example/x"]`},
		{"redirect bad status", `Response.redirect("https://e.example/", 200)`, `RangeError: 200 is not a redirect status code. It must be one of: 301, 302, 303, 307, or 308.`},
		{"redirect bad url", `Response.redirect("nope")`, `TypeError: Unable to parse URL: nope`},
		{"error", `const r = Response.error(); return [r.status, r.type, r.statusText]`, `[0,"error",""]`},
		{"arrayBuffer", `const b = await new Response(new Uint8Array([1, 2, 3])).arrayBuffer(); return [b instanceof ArrayBuffer, [...new Uint8Array(b)]]`, `[true,[1,2,3]]`},
		{"bytes", `const b = await new Response("AB").bytes(); return [b instanceof Uint8Array, [...b]]`, `[true,[65,66]]`},
		{"blob", `const b = await new Response("xyz", {headers: {"content-type": "text/x"}}).blob(); return [b.size, b.type, await b.text()]`, `[3,"text/x","xyz"]`},
		{"blob body type", `const r = new Response(new Blob(["a"], {type: "image/png"})); return r.headers.get("content-type")`, `"image/png"`},
		{"blob body no type", `const r = new Response(new Blob(["a"])); return r.headers.get("content-type")`, `null`},
		{"clone", `const a = new Response("x"); const b = a.clone(); return [await a.text(), await b.text()]`, `["x","x"]`},
		{"clone stream", `const a = new Response(new Blob(["st"]).stream()); const b = a.clone(); return [await b.text(), await a.text()]`, `["st","st"]`},
		{"body stream", `const r = new Response("hello"); const rd = r.body.getReader(); const {value} = await rd.read(); return [value instanceof Uint8Array, value.length, r.bodyUsed]`, `[true,5,true]`},
		{"used after body read", `const r = new Response("hello"); await r.body.getReader().read(); await r.text()`, `TypeError: Body has already been used. It can only be used once. Use tee() first if you need to read it twice.`},
		{"string chunks", `await new Response(new ReadableStream({start(c) { c.enqueue("s"); c.close() }})).text()`, `TypeError: This ReadableStream did not return bytes.`},
		{"disturbed stream", `const s = new Blob(["a"]).stream(); await s.getReader().read(); new Response(s)`, `TypeError: This ReadableStream is disturbed (has already been read from), and cannot be used as a body.`},
		{"async iterable body", `async function* g() { yield new Uint8Array([104]); yield new Uint8Array([105]) } return await new Response(g()).text()`, `"hi"`},
		{"headers from response", `const a = new Response("", {status: 202, headers: {x: "1"}}); const b = new Response("y", a); return [b.status, b.headers.get("x")]`, `[202,"1"]`},
		{"webSocket status", `new Response(null, {webSocket: {}})`, `RangeError: Responses with a WebSocket must have status code 101.`},
		{"formData no type", `await new Response("a=1").formData()`, `TypeError: Unrecognized Content-Type header value. FormData can only parse the following MIME types: multipart/form-data, application/x-www-form-urlencoded`},
		{"formData urlencoded", `const f = await new Response("a=1&b=x+y&a=2", {headers: {"content-type": "application/x-www-form-urlencoded"}}).formData(); return [f.getAll("a"), f.get("b")]`, `[["1","2"],"x y"]`},
	})
}

func TestBlobFile(t *testing.T) {
	runCases(t, []jsCase{
		{"parts", `const b = new Blob(["ab", new Uint8Array([99]), new Blob(["d"]), new Uint16Array([0x6665]).buffer]); return [b.size, await b.text()]`, `[6,"abcdef"]`},
		{"type", `return [new Blob([], {type: "Text/HTML"}).type, new Blob([], {type: "a\u0001"}).type]`, `["text/html",""]`},
		{"slice", `const b = new Blob(["hello world"]); return [await b.slice(6).text(), await b.slice(-5, -1).text(), b.slice(0, 5, "x/y").type, b.slice(8, 2).size]`, `["world","worl","x/y",0]`},
		{"utf8", `return (await new Blob(["é€😀"]).bytes()).length`, `9`},
		{"arrayBuffer copy", `const u = new Uint8Array([1]); const b = new Blob([u]); u[0] = 9; return [...new Uint8Array(await b.arrayBuffer())]`, `[1]`},
		{"stream", `const chunks = []; for await (const c of new Blob(["abc"]).stream()) chunks.push(c.length); return chunks`, `[3]`},
		{"file", `const f = new File(["x"], "a.txt", {type: "text/plain", lastModified: 42}); return [f.name, f.lastModified, f.type, f.size, f instanceof Blob, Object.prototype.toString.call(f)]`, `["a.txt",42,"text/plain",1,true,"[object File]"]`},
		{"file needs name", `new File(["x"])`, `TypeError: Failed to construct 'File': 2 arguments required, but only 1 present.`},
		{"not a sequence", `new Blob("abc")`, `TypeError: Failed to construct 'Blob': The provided value cannot be converted to a sequence.`},
	})
}

func TestFormData(t *testing.T) {
	runCases(t, []jsCase{
		{"append get", `const f = new FormData(); f.append("a", "1"); f.append("a", "2"); return [f.get("a"), f.getAll("a"), f.has("a"), f.get("z")]`, `["1",["1","2"],true,null]`},
		{"set", `const f = new FormData(); f.append("a", "1"); f.append("b", "x"); f.append("a", "2"); f.set("a", "3"); return [...f]`, `[["a","3"],["b","x"]]`},
		{"delete", `const f = new FormData(); f.append("a", "1"); f.delete("a"); return f.has("a")`, `false`},
		{"blob entry", `const f = new FormData(); f.append("f", new Blob(["x"], {type: "text/plain"})); f.append("g", new Blob(["y"]), "g.bin"); const a = f.get("f"), b = f.get("g"); return [a instanceof File, a.name, a.type, b.name, await b.text()]`, `[true,"f","text/plain","g.bin","y"]`},
		{"string entry ignores filename", `const f = new FormData(); f.append("s", "v", "name.txt"); return f.get("s")`, `"v"`},
		{"keys values", `const f = new FormData(); f.append("a", "1"); f.append("b", "2"); return [[...f.keys()], [...f.values()]]`, `[["a","b"],["1","2"]]`},
		{"multipart round trip", `
			const f = new FormData();
			f.append("text", "héllo\nworld");
			f.append("q\"uote", "v");
			f.append("file", new File([new Uint8Array([0, 1, 2, 255])], "bin.dat", {type: "application/x-bin"}));
			f.append("empty", new Blob([]), "e.txt");
			const r = new Response(f);
			const ct = r.headers.get("content-type");
			const g = await r.formData();
			const file = g.get("file");
			return [ct.startsWith("multipart/form-data; boundary="), g.get("text"), g.get("q%22uote"), file.name, file.type, [...await file.bytes()], g.get("empty").name, g.get("empty").size, g.get("empty").type]`,
			`[true,"héllo\r\nworld","v","bin.dat","application/x-bin",[0,1,2,255],"e.txt",0,"application/octet-stream"]`},
		{"multipart request", `const f = new FormData(); f.append("a", "1"); const r = new Request("https://x/", {method: "POST", body: f}); return (await r.formData()).get("a")`, `"1"`},
		{"multipart no boundary", `await new Response("x", {headers: {"content-type": "multipart/form-data"}}).formData()`, `TypeError: No boundary string in Content-Type header. The multipart/form-data MIME type requires a boundary parameter, e.g. 'Content-Type: multipart/form-data; boundary="abcd"'. See RFC 7578, section 4.`},
	})
}

func TestStreams(t *testing.T) {
	runCases(t, []jsCase{
		{"globals", `return ["ReadableStream", "WritableStream", "TransformStream", "ReadableStreamDefaultReader", "ReadableStreamBYOBReader", "CountQueuingStrategy", "ByteLengthQueuingStrategy", "TextEncoderStream", "TextDecoderStream", "IdentityTransformStream", "FixedLengthStream"].filter((n) => typeof globalThis[n] !== "function")`, `[]`},
		{"pipeThrough", `const out = []; await new Blob(["a", "b"]).stream().pipeThrough(new TextDecoderStream()).pipeTo(new WritableStream({write(c) { out.push(c) }})); return out.join("")`, `"ab"`},
		{"tee", `const [a, b] = ReadableStream.from(["x", "y"]).tee(); const r = async (s) => { const o = []; for await (const c of s) o.push(c); return o.join("") }; return [await r(a), await r(b)]`, `["xy","xy"]`},
		{"from", `const o = []; for await (const c of ReadableStream.from([1, 2, 3])) o.push(c); return o`, `[1,2,3]`},
		{"transform", `const ts = new TransformStream({transform(c, ctl) { ctl.enqueue(c * 2) }}); const w = ts.writable.getWriter(); w.write(2); w.close(); const o = []; for await (const c of ts.readable) o.push(c); return o`, `[4]`},
		{"encoder stream", `const o = []; await ReadableStream.from(["\ud83d", "\ude00"]).pipeThrough(new TextEncoderStream()).pipeTo(new WritableStream({write(c) { o.push(...c) }})); return o`, `[240,159,152,128]`},
		{"byob", `const rd = new Blob(["abcdef"]).stream().getReader({mode: "byob"}); const {value} = await rd.read(new Uint8Array(4)); return [value.length, String.fromCharCode(...value)]`, `[4,"abcd"]`},
		{"count strategy", `const s = new CountQueuingStrategy({highWaterMark: 3}); return [s.highWaterMark, s.size("x")]`, `[3,1]`},
		{"identity", `const {readable, writable} = new IdentityTransformStream(); const w = writable.getWriter(); w.write(new Uint8Array([1, 2])); w.close(); return [...await new Response(readable).bytes()]`, `[1,2]`},
		{"identity byob", `const t = new IdentityTransformStream(); const w = t.writable.getWriter(); w.write(new Uint8Array([1, 2, 3])); const rd = t.readable.getReader({mode: "byob"}); const {value} = await rd.read(new Uint8Array(2)); return [...value]`, `[1,2]`},
		{"identity rejects strings", `const t = new IdentityTransformStream(); await t.writable.getWriter().write("s")`, `TypeError: This TransformStream is being used as a byte stream, but received an object of non-ArrayBuffer/ArrayBufferView type on its writable side.`},
		{"fixed length ok", `const t = new FixedLengthStream(3); const w = t.writable.getWriter(); w.write(new Uint8Array([1, 2, 3])); w.close(); return (await new Response(t.readable).bytes()).length`, `3`},
		{"fixed length too many", `const t = new FixedLengthStream(1); const w = t.writable.getWriter(); t.readable.getReader().read(); await w.write(new Uint8Array([1, 2]))`, `TypeError: Attempt to write too many bytes through a FixedLengthStream.`},
		{"fixed length short", `const t = new FixedLengthStream(5); const w = t.writable.getWriter(); const r = new Response(t.readable).text(); w.write(new Uint8Array([1])); w.close().catch(() => {}); await r`, `TypeError: FixedLengthStream did not see all expected bytes before close().`},
		{"instanceof", `return [new IdentityTransformStream() instanceof TransformStream, new TextEncoderStream().encoding, new TextDecoderStream().encoding]`, `[true,"utf-8","utf-8"]`},
	})
}

func TestExplain(t *testing.T) {
	// Error text of a thrown error keeps its class name.
	rt := newRuntime(t)
	_, err := evalErr(rt, `new Headers().append("a b", "c")`)
	if err == nil || !strings.Contains(err.Error(), "TypeError") {
		t.Fatalf("err = %v; want a TypeError", err)
	}
}
