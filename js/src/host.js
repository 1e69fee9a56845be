// host.js: the only door from runtime JS to Go.
//
// The engine installs one native function, globalThis.__isola_native, before
// the runtime bundle runs. This module takes it and removes it from the global
// object, so user code never sees it. Runtime modules import { call, callAsync }.
//
// Each argument crosses in the cheapest form for its type (see
// internal/engine/pack.go): primitives as they are, bytes as an ArrayBuffer,
// anything else as JSON in which bytes are {"\u0000b": index} into extra
// ArrayBuffer arguments. undefined and null become nil in Go; a Go nil
// becomes undefined; Go bytes become a Uint8Array.

const native = globalThis.__isola_native;
delete globalThis.__isola_native;

const BYTES = "\u0000b";
const pending = new Map(); // promise id -> { resolve, reject }

function copyOf(v) {
  return v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength);
}

// pack returns [types, ...values] for args.
function pack(args) {
  let types = "";
  const out = [""];
  let extra = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const t = typeof a;
    if (a === undefined || a === null) {
      types += "n";
      out.push(null);
    } else if (t === "string" || t === "number" || t === "boolean") {
      types += "p";
      out.push(a);
    } else if (a instanceof ArrayBuffer) {
      types += "b";
      out.push(a);
    } else if (ArrayBuffer.isView(a)) {
      types += "b";
      out.push(copyOf(a));
    } else {
      extra ??= [];
      types += "j";
      out.push(encodeJSON(a, extra));
    }
  }
  if (extra) {
    for (const b of extra) {
      types += "B";
      out.push(b);
    }
  }
  out[0] = types;
  return out;
}

function encodeJSON(v, bufs) {
  return JSON.stringify(v, function (key, value) {
    const x = this[key]; // before toJSON
    if (x instanceof ArrayBuffer) {
      bufs.push(x);
      return { [BYTES]: bufs.length - 1 };
    }
    if (ArrayBuffer.isView(x)) {
      bufs.push(copyOf(x));
      return { [BYTES]: bufs.length - 1 };
    }
    if (x === undefined) return null;
    return value;
  });
}

function decodeJSON(json, bufs) {
  if (json === undefined || json === "") return undefined;
  if (bufs.length === 0) return JSON.parse(json);
  return JSON.parse(json, (k, v) => {
    if (v !== null && typeof v === "object" && BYTES in v) return new Uint8Array(bufs[v[BYTES]]);
    return v;
  });
}

// unpack converts (types, ...values) into JS values.
function unpack(types, vals, from) {
  const out = [];
  let bufs = null;
  for (let i = 0; i < types.length; i++) {
    const t = types.charCodeAt(i);
    const v = vals[from + i];
    if (t === 112 /* p */) out.push(v);
    else if (t === 110 /* n */) out.push(undefined);
    else if (t === 98 /* b */) out.push(new Uint8Array(v));
    else if (t === 106 /* j */) {
      if (bufs === null) {
        bufs = [];
        for (let k = i; k < types.length; k++) if (types.charCodeAt(k) === 66 /* B */) bufs.push(vals[from + k]);
      }
      out.push(decodeJSON(v, bufs));
    }
  }
  return out;
}

export function makeError(e) {
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

// tp is the bridge type of a primitive argument, or "" for any other.
function tp(x) {
  if (x === undefined || x === null) return "n";
  const t = typeof x;
  return t === "string" || t === "number" || t === "boolean" ? "p" : "";
}

// call invokes a synchronous Go host function and returns its result.
// Calls of up to three primitive arguments (most of them) skip the rest
// array, the pack loop and the spread: each of those costs microseconds here.
export function call(name, a, b, c) {
  const n = arguments.length - 1;
  let r;
  if (n === 0) {
    r = native(0, name, "");
  } else if (n <= 3) {
    const ta = tp(a);
    const tb = n > 1 ? tp(b) : "n";
    const tc = n > 2 ? tp(c) : "n";
    if (ta !== "" && tb !== "" && tc !== "") {
      if (n === 1) r = native(0, name, ta, a ?? null);
      else if (n === 2) r = native(0, name, ta + tb, a ?? null, b ?? null);
      else r = native(0, name, ta + tb + tc, a ?? null, b ?? null, c ?? null);
    } else {
      r = native(0, name, ...pack(Array.prototype.slice.call(arguments, 1)));
    }
  } else {
    r = native(0, name, ...pack(Array.prototype.slice.call(arguments, 1)));
  }
  if (!Array.isArray(r)) return r;
  // [tag, types, ...values]: 0 error, 1 packed value
  const v = unpack(r[1], r, 2)[0];
  if (r[0] === 0) throw makeError(JSON.parse(r[2]));
  return v;
}

// Captured before any user code runs: user code shares the realm and may
// replace these on the global objects later.
const defineProperty = Object.defineProperty;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const isArray = Array.isArray;

// Chunks (js/build) are the lazy parts of the runtime: npm polyfills
// (js/src/chunks) and lazy runtime modules. A chunk's imports of runtime
// modules come from shared (the bundle's modules, set by provide) or load
// the lazy module of that name.
let shared = Object.create(null);
const lazyDefs = Object.create(null); // lazy module -> { globals, getters }
const lazyLoaded = Object.create(null); // lazy module -> exports
const lazyLoading = Object.create(null); // lazy module -> true while it loads
const lazyHooks = Object.create(null); // hook path -> lazy module registering it

const sharedExports = Object.create(null);

// provide sets the runtime modules chunks may import: by name, a function
// returning the module's exports.
export function provide(modules) {
  shared = Object.assign(Object.create(null), modules);
}

function importModule(name) {
  let m = sharedExports[name];
  if (m !== undefined) return m;
  if (shared[name] !== undefined) {
    m = shared[name]();
    sharedExports[name] = m;
    return m;
  }
  if (lazyDefs[name] !== undefined) return lazy(name);
  throw new Error("runtime chunk imports " + name + ".js, which the bundle does not provide");
}

// chunk evaluates the chunk named name and returns its exports. Each caller
// loads a chunk once.
export function chunk(name) {
  const r = native(4, name, "");
  if (isArray(r)) throw makeError(JSON.parse(r[2]));
  return r(importModule);
}

function dataProperty(target, name, value) {
  defineProperty(target, name, { value, writable: true, enumerable: false, configurable: true });
}

// lazyModule declares the lazy runtime module name (js/build lazyModules):
// the globals it installs are accessors until then, and the first read of
// one loads it; so does a call of one of its hooks from Go. An assignment
// to one of its globals before the load wins over the module's value.
export function lazyModule(name, globals, hooks = []) {
  const getters = [];
  for (let i = 0; i < globals.length; i++) {
    const g = globals[i];
    getters[i] = function () {
      lazy(name);
      return globalThis[g];
    };
    lazyGlobal(g, getters[i]);
  }
  lazyDefs[name] = { globals, getters };
  for (let i = 0; i < hooks.length; i++) lazyHooks[hooks[i]] = name;
}

function lazyGlobal(g, get) {
  defineProperty(globalThis, g, {
    get,
    set(v) {
      dataProperty(this, g, v);
    },
    enumerable: false,
    configurable: true,
  });
}

// loaded returns the exports of lazy module name if it is loaded, else
// undefined: an object of one of its classes cannot exist before.
export function loaded(name) {
  return lazyLoaded[name];
}

// lazy returns the exports of lazy module name, loading it first if needed.
export function lazy(name) {
  const m = lazyLoaded[name];
  if (m !== undefined) return m;
  if (lazyLoading[name]) throw new Error("runtime bug: lazy module " + name + ".js imports itself back while loading");
  const { globals, getters } = lazyDefs[name];
  // The module installs its globals; those user code has set meanwhile
  // are put back after it.
  const kept = [];
  for (let i = 0; i < globals.length; i++) {
    const d = getOwnPropertyDescriptor(globalThis, globals[i]);
    if (d !== undefined && d.get === getters[i]) delete globalThis[globals[i]];
    else kept[i] = d ?? null;
  }
  const restore = () => {
    for (let i = 0; i < globals.length; i++) {
      const d = kept[i];
      if (d === null) delete globalThis[globals[i]];
      else if (d !== undefined) defineProperty(globalThis, globals[i], d);
    }
  };
  let exports;
  lazyLoading[name] = true;
  try {
    exports = chunk(name);
  } catch (e) {
    lazyLoading[name] = false;
    // Not loaded (out of memory?): the globals it did not install are
    // lazy again, and the next read tries again.
    for (let i = 0; i < globals.length; i++) {
      if (kept[i] === undefined && getOwnPropertyDescriptor(globalThis, globals[i]) === undefined) lazyGlobal(globals[i], getters[i]);
    }
    restore();
    throw e;
  }
  lazyLoading[name] = false;
  restore();
  lazyLoaded[name] = exports;
  return exports;
}

// lazyProperty defines obj[name] (writable, configurable, not enumerable,
// as the built-ins are) as make()'s result, calling make only when the
// property is first read; an assignment before that replaces it. It
// returns a function that turns the property into its value now, if it is
// still the lazy one.
export function lazyProperty(obj, name, make) {
  const get = function () {
    const v = make();
    dataProperty(obj, name, v);
    return v;
  };
  defineProperty(obj, name, {
    get,
    set(v) {
      dataProperty(this, name, v);
    },
    enumerable: false,
    configurable: true,
  });
  return () => {
    const d = getOwnPropertyDescriptor(obj, name);
    if (d && d.get === get) get();
  };
}

// callAsync invokes an asynchronous Go host function; the Go side runs on its
// own goroutine and the returned promise settles on the event loop.
export function callAsync(name, ...args) {
  const packed = pack(args);
  return new Promise((resolve, reject) => {
    const id = native(1, name, ...packed);
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

// OOM reports an error when describing the real one ran out of memory
// (packed up front: nothing much can be allocated then).
const OOM = pack([{ name: "InternalError", message: "out of memory", stack: "" }]);

// fail reports a call's exception to Go. If reporting it fails (out of
// memory), the call still fails, as out of memory, rather than never settle.
function fail(sid, e) {
  try {
    native(3, sid, ...pack([errorInfo(e)]));
  } catch {
    native(3, sid, ...OOM);
  }
}

function deliver(sid, v) {
  let packed;
  try {
    packed = pack([v]);
  } catch (e) {
    fail(sid, e);
    return;
  }
  native(2, sid, ...packed);
}

// invoke is called by the engine for rt.Call: it runs the registered hook
// and reports its (awaited) result back to Go.
export function invoke(id, path, types, ...vals) {
  const sid = String(id);
  let r;
  try {
    let fn = hookTable[path];
    if (fn === undefined && lazyHooks[path] !== undefined) {
      lazy(lazyHooks[path]);
      fn = hookTable[path];
    }
    if (typeof fn !== "function") throw new Error("no runtime hook " + JSON.stringify(path));
    r = fn(...unpack(types, vals, 0));
  } catch (e) {
    fail(sid, e);
    return;
  }
  if (r !== null && typeof r === "object" && typeof r.then === "function") {
    r.then(
      (v) => deliver(sid, v),
      (e) => fail(sid, e),
    );
  } else {
    deliver(sid, r);
  }
}

// settle is called by the engine when an async host call finishes.
export function settle(id, ok, types, ...vals) {
  const p = pending.get(id);
  if (!p) return;
  pending.delete(id);
  const v = unpack(types, vals, 0)[0];
  if (ok) p.resolve(v);
  else p.reject(makeError(v));
}
