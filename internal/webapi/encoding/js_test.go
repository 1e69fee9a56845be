package encoding_test

import (
	"github.com/isola-run/isola/internal/webapi/webapitest"
	"testing"

	"github.com/isola-run/isola/internal/engine"
)

// newRuntime: a runtime with every Web API (webapitest.NewRuntime).
func newRuntime(t testing.TB) *engine.Runtime { t.Helper(); return webapitest.NewRuntime(t) }

// run: JSON.stringify of the awaited expression, or "throw Name: message"
// (webapitest.Run).
func run(t testing.TB, rt *engine.Runtime, src string) string {
	t.Helper()
	return webapitest.Run(t, rt, src)
}

func TestTextEncoderDecoder(t *testing.T) {
	rt := newRuntime(t)
	// long repeats a string past JS_MAX so that the Go path runs too.
	if got := run(t, rt, `globalThis.long = (s) => s.repeat(200), 0`); got != "0" {
		t.Fatal(got)
	}
	tests := []struct{ name, src, want string }{
		{"encode", `Array.from(new TextEncoder().encode("hé€😀"))`, `[104,195,169,226,130,172,240,159,152,128]`},
		{"encode lone surrogate", `Array.from(new TextEncoder().encode("a\ud800b\udc00"))`, `[97,239,191,189,98,239,191,189]`},
		{"encode long lone surrogate", `Array.from(new TextEncoder().encode(long("a") + "\ud800").slice(-3))`, `[239,191,189]`},
		{"encode long roundtrip", `(() => { const s = long("hé€😀\ud83d"); return new TextDecoder().decode(new TextEncoder().encode(s)) === s.toWellFormed() })()`, `true`},
		{"encode default", `new TextEncoder().encode().length`, `0`},
		{"encoding", `[new TextEncoder().encoding, new TextDecoder().encoding]`, `["utf-8","utf-8"]`},
		{"encodeInto", `(() => { const d = new Uint8Array(5); const r = new TextEncoder().encodeInto("héllo", d); return [r, Array.from(d)] })()`, `[{"read":4,"written":5},[104,195,169,108,108]]`},
		{"encodeInto long", `(() => { const d = new Uint8Array(300); const r = new TextEncoder().encodeInto(long("é"), d); return [r.read, r.written, d[299]] })()`, `[150,300,169]`},
		{"encodeInto pair not split", `(() => { const d = new Uint8Array(6); return new TextEncoder().encodeInto("ab😀", d) })()`, `{"read":4,"written":6}`},
		{"decode replacement", `new TextDecoder().decode(new Uint8Array([0x61, 0xe2, 0x82, 0x62, 0xff]))`, `"a�b�"`},
		{"decode long replacement", `new TextDecoder().decode(new Uint8Array(300).fill(0xff)).length`, `300`},
		{"decode bom", `[new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x78])), new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x78])).length]`, `["x",2]`},
		{"fatal", `new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xc0]))`, `throw TypeError: Failed to decode input.`},
		{"fatal long", `new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(300).fill(0x80))`, `throw TypeError: Failed to decode input.`},
		{"stream split multibyte", `(() => { const d = new TextDecoder(); const b = new TextEncoder().encode("€😀!");
			return [d.decode(b.subarray(0, 1), { stream: true }), d.decode(b.subarray(1, 5), { stream: true }), d.decode(b.subarray(5), { stream: true }), d.decode()] })()`,
			`["","€","😀!",""]`},
		{"stream truncated flush", `(() => { const d = new TextDecoder(); return [d.decode(new Uint8Array([0xe2, 0x82]), { stream: true }), d.decode()] })()`, `["","�"]`},
		{"stream bom once", `(() => { const d = new TextDecoder(); return [d.decode(new Uint8Array([0xef, 0xbb]), { stream: true }), d.decode(new Uint8Array([0xbf, 0x41, 0xef, 0xbb, 0xbf]))] })()`, "[\"\",\"A\ufeff\"]"},
		{"views", `(() => { const b = new Uint8Array([0, 0x41, 0x42, 0]); return [new TextDecoder().decode(new DataView(b.buffer, 1, 2)), new TextDecoder().decode(b.buffer.slice(1, 2))] })()`, `["AB","A"]`},
		{"bad input", `new TextDecoder().decode("x")`, `throw TypeError: Failed to execute 'decode' on 'TextDecoder': parameter 1 is not of type 'ArrayBuffer or ArrayBufferView'.`},
		{"labels", `["UTF8", " utf-8 ", "utf-16", "latin1", "ascii", "utf-16be"].map(l => new TextDecoder(l).encoding)`, `["utf-8","utf-8","utf-16le","windows-1252","windows-1252","utf-16be"]`},
		{"bad label", `new TextDecoder("bogus")`, `throw RangeError: "bogus" is not a valid encoding.`},
		{"utf-16le", `new TextDecoder("utf-16le").decode(new Uint8Array([0xff, 0xfe, 0x68, 0, 0x3d, 0xd8, 0, 0xde]))`, `"h😀"`},
		{"utf-16be stream", `(() => { const d = new TextDecoder("utf-16be"); return d.decode(new Uint8Array([0, 0x68, 0xd8]), { stream: true }) + d.decode(new Uint8Array([0x3d, 0xde, 0]))})()`, `"h😀"`},
		{"windows-1252", `new TextDecoder("latin1").decode(new Uint8Array([0x63, 0xe9, 0x80, 0x9f]))`, `"cé€Ÿ"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(t, rt, tt.src); got != tt.want {
				t.Errorf("%s\n = %s\nwant %s", tt.src, got, tt.want)
			}
		})
	}
}

func TestAtobBtoa(t *testing.T) {
	rt := newRuntime(t)
	tests := []struct{ name, src, want string }{
		{"btoa", `btoa("hello")`, `"aGVsbG8="`},
		{"btoa latin1", `btoa("\xff\xfe")`, `"//4="`},
		{"btoa non-latin1", `btoa("€")`, `throw InvalidCharacterError: Cannot encode non-Latin1 characters.`},
		{"btoa coerces", `btoa(12)`, `"MTI="`},
		{"atob", `atob("aGVsbG8=")`, `"hello"`},
		{"atob forgiving", `atob(" aGVs bG8 ")`, `"hello"`},
		{"atob bytes", `Array.from(atob("//4="), c => c.charCodeAt(0))`, `[255,254]`},
		{"atob invalid", `(() => { try { atob("a"); } catch (e) { return [e instanceof DOMException, e.name, e.code]; } })()`, `[true,"InvalidCharacterError",5]`},
		{"no args", `atob()`, `throw TypeError: Failed to execute 'atob': 1 argument required, but only 0 present.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(t, rt, tt.src); got != tt.want {
				t.Errorf("%s\n = %s\nwant %s", tt.src, got, tt.want)
			}
		})
	}
}
