// host.js: the only door from runtime JS to Go.
//
// The engine installs one native function, globalThis.__isola_native, before
// the runtime bundle runs. This module takes it and removes it from the global
// object, so user code never sees it. Runtime modules import { call, callAsync }.
//
// Values cross as JSON, except bytes: an ArrayBuffer, a typed array or a
// DataView becomes []byte in Go, and []byte from Go becomes a Uint8Array here.
// undefined and null become nil; a Go nil becomes undefined.

const native = globalThis.__isola_native;
delete globalThis.__isola_native;

const BYTES = "\u0000b";
const pending = new Map(); // promise id -> { resolve, reject }

function encode(args) {
  const bufs = [];
  const json = JSON.stringify(args, function (key, value) {
    const v = this[key]; // before toJSON
    if (v instanceof ArrayBuffer) {
      bufs.push(v);
      return { [BYTES]: bufs.length - 1 };
    }
    if (ArrayBuffer.isView(v)) {
      bufs.push(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
      return { [BYTES]: bufs.length - 1 };
    }
    if (v === undefined) return null;
    return value;
  });
  return [json, bufs];
}

function decode(json, bufs) {
  if (json === undefined || json === "") return undefined;
  return JSON.parse(json, (k, v) => {
    if (v !== null && typeof v === "object" && BYTES in v) return new Uint8Array(bufs[v[BYTES]]);
    return v;
  });
}

function makeError(e) {
  // e = { name, message } from Go
  const C = e.name && typeof globalThis[e.name] === "function" && e.name.endsWith("Error") ? globalThis[e.name] : null;
  if (C) return new C(e.message);
  if (typeof globalThis.DOMException === "function" && e.name && e.name !== "Error") {
    return new globalThis.DOMException(e.message, e.name);
  }
  const err = new Error(e.message);
  if (e.name) err.name = e.name;
  return err;
}

// call invokes a synchronous Go host function and returns its result.
export function call(name, ...args) {
  const [json, bufs] = encode(args);
  const r = native(0, name, json, ...bufs);
  // r = [ok, json, ...bufs]
  if (!r[0]) throw makeError(decode(r[1], r.slice(2)));
  return decode(r[1], r.slice(2));
}

// callAsync invokes an asynchronous Go host function; the Go side runs on its
// own goroutine and the returned promise settles on the event loop.
export function callAsync(name, ...args) {
  const [json, bufs] = encode(args);
  return new Promise((resolve, reject) => {
    const id = native(1, name, json, ...bufs);
    pending.set(id, { resolve, reject });
  });
}

// errorInfo describes a thrown value for Go.
function errorInfo(e) {
  if (e instanceof Error || (e && typeof e === "object" && "message" in e)) {
    return { name: String(e.name ?? "Error"), message: String(e.message ?? ""), stack: String(e.stack ?? "") };
  }
  return { name: "", message: String(e), stack: "" };
}

const hookTable = {};

// register makes fn callable from Go as rt.Call(ctx, path, ...args).
export function register(path, fn) {
  hookTable[path] = fn;
}

// invoke is called by the engine for rt.Call: it runs the registered hook
// and reports its (awaited) result back to Go.
export function invoke(id, path, json, ...bufs) {
  const sid = String(id);
  let p;
  try {
    const fn = hookTable[path];
    if (typeof fn !== "function") throw new Error("no runtime hook " + JSON.stringify(path));
    p = Promise.resolve(fn(...decode(json, bufs)));
  } catch (e) {
    p = Promise.reject(e);
  }
  p.then(
    (v) => {
      let enc;
      try {
        enc = encode(v);
      } catch (e) {
        native(3, sid, ...encode(errorInfo(e)).flatMap((x, i) => (i === 0 ? [x] : x)));
        return;
      }
      native(2, sid, enc[0], ...enc[1]);
    },
    (e) => {
      const enc = encode(errorInfo(e));
      native(3, sid, enc[0], ...enc[1]);
    },
  );
}

// settle is called by the engine (through globalThis.__isola_settle, which
// runtime.js installs and hides) when an async host call finishes.
export function settle(id, ok, json, ...bufs) {
  const p = pending.get(id);
  if (!p) return;
  pending.delete(id);
  if (ok) p.resolve(decode(json, bufs));
  else p.reject(makeError(decode(json, bufs)));
}
