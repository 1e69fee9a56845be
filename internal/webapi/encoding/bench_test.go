package encoding_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/webapi"
	"github.com/isola-run/isola/js"
)

// benchRuntime returns a runtime whose global __native is the host bridge
// (captured before host.js hides it), so a benchmark can time the Go path
// directly against a JS loop.
func benchRuntime(b *testing.B) *engine.Runtime {
	b.Helper()
	hs := engine.NewHostSet()
	webapi.Register(hs, webapi.Options{})
	boot := "globalThis.__keep = globalThis.__isola_native;\n" + js.Runtime + "\nglobalThis.__native = globalThis.__keep;"
	rt, err := engine.New(engine.Options{Host: hs, Bootstrap: boot, CPULimit: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rt.Close() })
	if _, err := rt.Eval(context.Background(), benchJS+";0"); err != nil {
		b.Fatal(err)
	}
	return rt
}

// benchJS defines the two contenders for encode and decode. jsEncode and
// jsDecode are the loops of js/src/encoding.js without their rare branches
// (surrogate pairs, invalid input); goEncode and goDecode go through the
// bridge as host.js's call() does.
const benchJS = `
globalThis.jsEncode = (s) => {
  const out = new Uint8Array(s.length * 3); let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) out[n++] = c;
    else if (c < 0x800) { out[n++] = 0xc0 | (c >> 6); out[n++] = 0x80 | (c & 0x3f); }
    else { out[n++] = 0xe0 | (c >> 12); out[n++] = 0x80 | ((c >> 6) & 0x3f); out[n++] = 0x80 | (c & 0x3f); }
  }
  return out.slice(0, n);
};
globalThis.jsDecode = (b) => {
  let out = ""; const codes = [];
  for (let i = 0; i < b.length;) {
    const c = b[i];
    if (c < 0x80) { codes.push(c); i++; }
    else if (c < 0xe0) { codes.push(((c & 0x1f) << 6) | (b[i + 1] & 0x3f)); i += 2; }
    else { codes.push(((c & 0xf) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f)); i += 3; }
    if (codes.length >= 4096) { out += String.fromCharCode.apply(null, codes); codes.length = 0; }
  }
  return out + String.fromCharCode.apply(null, codes);
};
// As host.js's call(): primitives as "p", bytes as a "b" ArrayBuffer; a
// string comes back as is, bytes as [1, "b", ArrayBuffer].
const callGo = (name, types, ...args) => {
  const r = __native(0, name, types, ...args);
  return Array.isArray(r) ? (r[1] === "b" ? new Uint8Array(r[2]) : JSON.parse(r[2])) : r;
};
globalThis.goEncode = (s) => callGo("encoding.encode", "p", s);
globalThis.goDecode = (b) => callGo("encoding.decode", "bpp", b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength), false, false);
`

// BenchmarkUTF8 compares the JS loops with the Go host functions for a
// 12-byte to 1 MB mostly-ASCII string with some 2- and 3-byte characters.
// Its result sets JS_MAX in js/src/encoding.js.
func BenchmarkUTF8(b *testing.B) {
	for _, size := range []int{12, 32, 128, 1 << 10, 1 << 20} {
		unit := "hello, wörld — " // 15 UTF-16 units, 18 UTF-8 bytes
		chars := size * 15 / 18
		for _, impl := range []string{"js", "go"} {
			for _, op := range []string{"Encode", "Decode"} {
				b.Run(fmt.Sprintf("%s/%s/%dB", op, impl, size), func(b *testing.B) {
					rt := benchRuntime(b)
					setup := fmt.Sprintf("globalThis.text = %q.repeat(%d).slice(0, %d); globalThis.bytes = goEncode(text); bytes.length", unit, chars/15+1, chars)
					if _, err := rt.Eval(context.Background(), setup); err != nil {
						b.Fatal(err)
					}
					src := fmt.Sprintf("(() => { let n = 0; for (let i = 0; i < %%d; i++) n += %s%s(%s).length; return n })()", impl, op, map[string]string{"Encode": "text", "Decode": "bytes"}[op])
					b.ReportAllocs()
					b.ResetTimer()
					if _, err := rt.Eval(context.Background(), fmt.Sprintf(src, b.N)); err != nil {
						b.Fatal(err)
					}
				})
			}
		}
	}
}
