package fetch_test

import (
	"testing"

	"github.com/isola-run/isola/internal/webapi/webapitest"
)

// TestLazyChunks: the stream classes and URLPattern load on first use
// (js/src/chunks): a runtime that reads bodies as text never evaluates
// them, the globals behave the same once touched, and a value assigned
// before that wins.
func TestLazyChunks(t *testing.T) {
	rt := webapitest.NewRuntime(t)
	loaded := `Object.getOwnPropertyDescriptor(globalThis, "ReadableStream").get === undefined`
	for _, c := range []struct{ src, want string }{
		{loaded, "false"},
		{`new Response("hi").text()`, `"hi"`},
		{`new Request("http://x/", { method: "POST", body: "b" }).text()`, `"b"`},
		{loaded, "false"},
	} {
		if got := webapitest.Run(t, rt, c.src); got != c.want {
			t.Fatalf("%s = %s, want %s", c.src, got, c.want)
		}
	}
	before := rt.MemoryUsage()
	for _, c := range []struct{ src, want string }{
		{`new Response("hi").body instanceof ReadableStream`, "true"},
		{loaded, "true"},
		{`Object.getOwnPropertyDescriptor(globalThis, "TransformStream").writable`, "true"},
		{`new Response(new Response("abc").body).text()`, `"abc"`},
		{`(async () => { const { readable, writable } = new TextEncoderStream(); const w = writable.getWriter(); w.write("é"); w.close(); const r = await new Response(readable).arrayBuffer(); return [...new Uint8Array(r)]; })()`, `[195,169]`},
		{`(async () => { const s = new crypto.DigestStream("SHA-256"); const w = s.getWriter(); await w.write(new Uint8Array([97])); await w.close(); return new Uint8Array(await s.digest)[0]; })()`, "202"},
		{`crypto.DigestStream.prototype instanceof WritableStream`, "true"},
		{`typeof URLPattern`, `"function"`},
		{`new URLPattern({ pathname: "/a/:id" }).exec("https://x/a/7").pathname.groups.id`, `"7"`},
	} {
		if got := webapitest.Run(t, rt, c.src); got != c.want {
			t.Fatalf("%s = %s, want %s", c.src, got, c.want)
		}
	}
	if after := rt.MemoryUsage(); after-before < 100<<10 {
		t.Errorf("loading the streams and URLPattern grew the heap by %d bytes; were they loaded before?", after-before)
	}

	rt2 := webapitest.NewRuntime(t)
	for _, c := range []struct{ src, want string }{
		{`(globalThis.TransformStream = 5, TransformStream)`, "5"},
		{`(delete globalThis.URLPattern, typeof URLPattern)`, `"undefined"`},
		{`new Response("x").body.constructor.name`, `"ReadableStream"`},
		{`TransformStream`, "5"},
	} {
		if got := webapitest.Run(t, rt2, c.src); got != c.want {
			t.Fatalf("%s = %s, want %s", c.src, got, c.want)
		}
	}
}

// TestLazyModules: the runtime modules js/build makes lazy (crypto,
// compression, Blob, FormData, WebSocket, events, structured clone,
// encoding, console, URL) load on first use of one of their
// globals: every global they install is declared before (touching all
// globals adds none), a plain fetch-style request loads none of them, an
// assignment before the load wins, and a body method that needs one loads
// it.
func TestLazyModules(t *testing.T) {
	rt := webapitest.NewRuntime(t)
	lazy := `["crypto", "Crypto", "SubtleCrypto", "CryptoKey", "CompressionStream", "DecompressionStream", "Blob", "File", "FormData", "WebSocket", "WebSocketPair", "WebSocketRequestResponsePair", "Event", "EventTarget", "CustomEvent", "ErrorEvent", "MessageEvent", "CloseEvent", "AbortSignal", "AbortController", "structuredClone", "TextEncoder", "TextDecoder", "atob", "btoa", "console", "URL", "URLSearchParams"].filter((k) => typeof Object.getOwnPropertyDescriptor(globalThis, k).get === "function").length`
	for _, c := range []struct{ src, want string }{
		{lazy, "28"},
		{`(async () => { const r = new Response(JSON.stringify({ a: 1 }), { headers: { "content-type": "application/json" } }); return (await r.json()).a + new Request("http://x/", { method: "POST", body: "b" }).method; })()`, `"1POST"`},
		{lazy, "28"},
		{`(async () => { const b = await new Response("xyz").blob(); return b instanceof Blob && b.size; })()`, "3"},
		{lazy, "22"}, // Blob and File, and the encoder of the string body
		{`crypto.randomUUID().length`, "36"},
		{lazy, "18"},
		{`(() => { const names = Object.getOwnPropertyNames(globalThis); for (const k of names) globalThis[k]; return Object.getOwnPropertyNames(globalThis).filter((k) => !names.includes(k)).join(); })()`, `""`},
		{lazy, "0"},
		{`(async () => { const fd = new FormData(); fd.append("a", new File(["q"], "f.txt")); const r = new Response(fd); return (await r.formData()).get("a").name; })()`, `"f.txt"`},
		{`(() => { const [a, b] = Object.values(new WebSocketPair()); return a instanceof WebSocket && a instanceof EventTarget && b.readyState; })()`, "1"},
		{`(() => { try { structuredClone(new Event("x")); } catch (e) { return e.name; } })()`, `"DataCloneError"`},
		{`new Request("http://x/").signal instanceof AbortSignal`, "true"},
	} {
		if got := webapitest.Run(t, rt, c.src); got != c.want {
			t.Fatalf("%s = %s, want %s", c.src, got, c.want)
		}
	}

	rt2 := webapitest.NewRuntime(t)
	for _, c := range []struct{ src, want string }{
		{`(globalThis.WebSocket = 5, delete globalThis.File, WebSocket)`, "5"},
		{`typeof new WebSocketPair()[0]`, `"object"`},
		{`[WebSocket, typeof File, typeof Blob]`, `[5,"undefined","function"]`},
	} {
		if got := webapitest.Run(t, rt2, c.src); got != c.want {
			t.Fatalf("%s = %s, want %s", c.src, got, c.want)
		}
	}
}
