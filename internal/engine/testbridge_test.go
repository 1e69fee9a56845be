package engine

import (
	"strings"

	"github.com/isola-run/isola/js"
)

// bootstrapWithTestBridge exposes host.js's call/callAsync as globalThis.__t
// so tests can reach host functions directly. The bundle's host module is
// the first in the IIFE; we capture the native function before it hides it.
func bootstrapWithTestBridge() string {
	pre := `globalThis.__isola_native_keep = globalThis.__isola_native;`
	post := `
(() => {
  const native = globalThis.__isola_native_keep; delete globalThis.__isola_native_keep;
  const BYTES = "\u0000b";
  function enc(args) { const bufs = []; const json = JSON.stringify(args, function (k, val) { const v = this[k];
    if (v instanceof ArrayBuffer) { bufs.push(v); return { [BYTES]: bufs.length - 1 }; }
    if (ArrayBuffer.isView(v)) { bufs.push(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)); return { [BYTES]: bufs.length - 1 }; }
    return val; }); return [json, bufs]; }
  function dec(json, bufs) { if (!json) return undefined; return JSON.parse(json, (k, v) => v && typeof v === "object" && BYTES in v ? new Uint8Array(bufs[v[BYTES]]) : v); }
  const pending = new Map();
  const settle0 = globalThis.__isola_hooks.settle;
  globalThis.__isola_hooks.settle = (id, ok, json, ...bufs) => {
    const p = pending.get(id);
    if (!p) return settle0(id, ok, json, ...bufs);
    pending.delete(id);
    const v = dec(json, bufs);
    if (ok) p.resolve(v); else { const C = globalThis[v.name]; p.reject(typeof C === "function" ? new C(v.message) : Object.assign(new Error(v.message), {name: v.name})); }
  };
  globalThis.__t = {
    call(name, ...args) { const [j, b] = enc(args); const r = native(0, name, j, ...b); const v = dec(r[1], r.slice(2));
      if (!r[0]) { const C = globalThis[v.name]; if (typeof C === "function" && v.name.endsWith("Error")) throw new C(v.message); const e = new Error(v.message); e.name = v.name; throw e; } return v; },
    callAsync(name, ...args) { const [j, b] = enc(args); return new Promise((resolve, reject) => { pending.set(native(1, name, j, ...b), {resolve, reject}); }); },
  };
})();`
	return pre + "\n" + strings.TrimPrefix(js.Runtime, "") + post
}
