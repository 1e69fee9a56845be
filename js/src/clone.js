// clone.js: structuredClone, and the serializer the RPC and storage layers
// share (import { serialize, deserialize } from "./clone.js").
//
// What clones, as V8's serializer (and so workerd) does: primitives
// including BigInt; Boolean/Number/String/BigInt wrapper objects; Date;
// RegExp (source and flags); ArrayBuffer; every typed array and DataView
// (views of one buffer stay views of one buffer); Map; Set; arrays (holes and
// extra properties kept); Error objects (name if standard, message, stack,
// cause); DOMException (name, message); and any other object as a plain
// object of its own enumerable string-keyed properties (class instances lose
// their prototype and private fields). Cycles and shared references are
// preserved. Functions, symbols, WeakMap/WeakSet/WeakRef, Promises, and the
// runtime's own platform classes (marked with uncloneable()) throw a
// DataCloneError DOMException.
//
// Wire format (version 1), all integers little-endian, "n" = unsigned
// LEB128 varint:
//   0x49 0x01                      header ("I", version)
//   value := tag byte, then
//     'u' undefined   'z' null   'T' true   'F' false
//     'i' int32 (4)   'd' float64 (8)     'Z' BigInt (decimal string s)
//     's' n bytes latin1 string   'w' n UTF-16LE code units string
//     'r' n   back-reference to the n-th object (in order of first write)
//     'o' n, then n (key string, value)       plain object
//     'a' n length, values or 'h' holes, then n' (key, value) extras
//     'D' float64 Date   'R' source string, flags string
//     'M' n, then n (key value, value)        'S' n, then n values
//     'B' n bytes ArrayBuffer
//     'V' kind byte, buffer value, n byteOffset, n length  (view; kind
//         indexes VIEWS, length in elements, bytes for DataView)
//     'E' name, message (or 'u'), stack (or 'u'), cause (or absent: 'u')
//     'X' name, message                       DOMException
//     'b' 0|1 / 'N' float64 / 'G' string / 'J' decimal   wrapper objects
//     'x' n   external value (serialize's external hook)
//   A string is 's' or 'w'. Objects get ids in the order they are first
//   written; 'r' refers back to them.
import { DOMException, Navigator, Performance } from "./dom.js";
import { TextEncoder, TextDecoder } from "./encoding.js";
import { URL, URLSearchParams } from "./url.js";
import { call } from "./host.js";

// Strings longer than this cross to Go (encoding.strbytes, strfrom) to be
// written or read in one host call.
const STR_JS_MAX = 32;

const VIEWS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
];
if (typeof globalThis.Float16Array === "function") VIEWS.push(globalThis.Float16Array);

const ERRORS = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

const blocked = new Set(); // prototypes of uncloneable platform classes

// uncloneable marks a runtime class whose instances must not be cloned
// (as V8 refuses host objects), e.g. uncloneable(Request).
export function uncloneable(C) {
  blocked.add(C.prototype);
}

// (events.js, a lazy module, marks its own classes when it loads.)
for (const C of [Navigator, Performance, TextEncoder, TextDecoder, URL, URLSearchParams]) {
  uncloneable(C);
}

function cloneError(v) {
  let what;
  if (typeof v === "function") what = String(v);
  else if (typeof v === "symbol") what = v.toString();
  else {
    const ctor = Object.getPrototypeOf(v)?.constructor;
    what = "#<" + (typeof ctor === "function" && ctor.name ? ctor.name : "Object") + ">";
  }
  return new DOMException(what + " could not be cloned.", "DataCloneError");
}

// realError makes an error object of class C (an Error for
// Object.prototype.toString and Error.isError) without the stack of here.
function realError(C) {
  const e = Reflect.construct(C, []);
  delete e.stack;
  return e;
}

function isBlocked(v) {
  for (let p = Object.getPrototypeOf(v); p !== null; p = Object.getPrototypeOf(p)) {
    if (blocked.has(p)) return true;
  }
  return false;
}

const typeOfTag = Object.prototype.toString;
const ObjectProto = Object.prototype;
const ArrayProto = Array.prototype;

class Writer {
  constructor() {
    this.buf = new Uint8Array(256);
    this.dv = new DataView(this.buf.buffer);
    this.n = 0;
  }
  grow(k) {
    if (this.n + k <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + k) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
    this.dv = new DataView(b.buffer);
  }
  byte(b) {
    this.grow(1);
    this.buf[this.n++] = b;
  }
  tag(c) {
    this.byte(c.charCodeAt(0));
  }
  varint(x) {
    this.grow(10);
    while (x >= 0x80) {
      this.buf[this.n++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[this.n++] = x;
  }
  f64(x) {
    this.grow(8);
    this.dv.setFloat64(this.n, x, true);
    this.n += 8;
  }
  i32(x) {
    this.grow(4);
    this.dv.setInt32(this.n, x, true);
    this.n += 4;
  }
  bytes(u8) {
    this.grow(u8.length);
    this.buf.set(u8, this.n);
    this.n += u8.length;
  }
  string(s) {
    if (s.length > STR_JS_MAX && s.isWellFormed()) {
      // One host call instead of a loop at ~0.5 us a character.
      const b = call("encoding.strbytes", s);
      this.byte(b[0]);
      this.varint(s.length);
      this.bytes(b.subarray(1));
      return;
    }
    let wide = false;
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 0xff) {
        wide = true;
        break;
      }
    }
    this.tag(wide ? "w" : "s");
    this.varint(s.length);
    if (wide) {
      this.grow(s.length * 2);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        this.buf[this.n++] = c & 0xff;
        this.buf[this.n++] = c >> 8;
      }
    } else {
      this.grow(s.length);
      for (let i = 0; i < s.length; i++) this.buf[this.n++] = s.charCodeAt(i);
    }
  }
}

// serialize encodes value in the format above and returns the bytes. It
// throws a DataCloneError DOMException for what cannot be cloned, unless
// opts.external(v) returns an integer for it: then 'x' n is written and
// deserialize's opts.external(n) supplies the value.
export function serialize(value, opts = undefined) {
  const w = new Writer();
  const ids = new Map();
  const external = opts && opts.external;
  w.byte(0x49);
  w.byte(1);
  const write = (v) => {
    switch (typeof v) {
      case "undefined":
        return w.tag("u");
      case "boolean":
        return w.tag(v ? "T" : "F");
      case "number":
        if ((v | 0) === v && !Object.is(v, -0)) {
          w.tag("i");
          return w.i32(v);
        }
        w.tag("d");
        return w.f64(v);
      case "bigint":
        w.tag("Z");
        return w.string(v.toString());
      case "string":
        return w.string(v);
      case "symbol":
      case "function": {
        const x = external && external(v);
        if (typeof x === "number") {
          w.tag("x");
          return w.varint(x);
        }
        throw cloneError(v);
      }
    }
    if (v === null) return w.tag("z");
    const seen = ids.get(v);
    if (seen !== undefined) {
      w.tag("r");
      return w.varint(seen);
    }
    const x = external && external(v);
    if (typeof x === "number") {
      w.tag("x");
      return w.varint(x);
    }
    if (isBlocked(v)) throw cloneError(v);
    ids.set(v, ids.size);
    if (Array.isArray(v)) {
      const len = v.length;
      w.tag("a");
      w.varint(len);
      for (let i = 0; i < len; i++) {
        if (i in v) write(v[i]);
        else w.tag("h");
      }
      const extra = Object.keys(v).filter((k) => !(String(k >>> 0) === k && (k >>> 0) < len));
      w.varint(extra.length);
      for (const k of extra) {
        w.string(k);
        write(v[k]);
      }
      return;
    }
    if (v instanceof DOMException) {
      w.tag("X");
      w.string(v.name);
      w.string(v.message);
      return;
    }
    const t = typeOfTag.call(v);
    if (ArrayBuffer.isView(v)) {
      const kind = VIEWS.findIndex((C) => v instanceof C);
      if (kind < 0) throw cloneError(v);
      w.tag("V");
      w.byte(kind);
      write(v.buffer);
      w.varint(v.byteOffset);
      w.varint(v instanceof DataView ? v.byteLength : v.length);
      return;
    }
    if (v instanceof ArrayBuffer) {
      w.tag("B");
      if (v.detached === true) return w.varint(0);
      w.varint(v.byteLength);
      return w.bytes(new Uint8Array(v));
    }
    if (v instanceof Date) {
      w.tag("D");
      return w.f64(v.getTime());
    }
    if (v instanceof RegExp) {
      w.tag("R");
      w.string(v.source);
      return w.string(v.flags);
    }
    if (v instanceof Map) {
      const entries = [...Map.prototype.entries.call(v)];
      w.tag("M");
      w.varint(entries.length);
      for (const [k, val] of entries) {
        write(k);
        write(val);
      }
      return;
    }
    if (v instanceof Set) {
      const values = [...Set.prototype.values.call(v)];
      w.tag("S");
      w.varint(values.length);
      for (const val of values) write(val);
      return;
    }
    if (v instanceof Error) {
      let name = v.name;
      if (!Object.hasOwn(ERRORS, name)) name = "Error";
      w.tag("E");
      w.string(name);
      const m = Object.getOwnPropertyDescriptor(v, "message");
      if (m && "value" in m) w.string(String(m.value));
      else w.tag("u");
      if (typeof v.stack === "string") w.string(v.stack);
      else w.tag("u");
      if (Object.hasOwn(v, "cause")) write(v.cause);
      else w.tag("u");
      return;
    }
    switch (t) {
      case "[object Boolean]":
        w.tag("b");
        return w.byte(Boolean.prototype.valueOf.call(v) ? 1 : 0);
      case "[object Number]":
        w.tag("N");
        return w.f64(Number.prototype.valueOf.call(v));
      case "[object String]":
        w.tag("G");
        return w.string(String.prototype.valueOf.call(v));
      case "[object BigInt]":
        w.tag("J");
        return w.string(BigInt.prototype.valueOf.call(v).toString());
    }
    if (
      v instanceof WeakMap ||
      v instanceof WeakSet ||
      v instanceof Promise ||
      (typeof WeakRef === "function" && v instanceof WeakRef) ||
      (typeof FinalizationRegistry === "function" && v instanceof FinalizationRegistry) ||
      (typeof SharedArrayBuffer === "function" && v instanceof SharedArrayBuffer)
    ) {
      throw cloneError(v);
    }
    const keys = Object.keys(v);
    w.tag("o");
    w.varint(keys.length);
    for (const k of keys) {
      w.string(k);
      write(v[k]);
    }
  };
  write(value);
  return w.buf.slice(0, w.n);
}

class Reader {
  constructor(u8) {
    this.buf = u8;
    this.dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
    this.n = 0;
  }
  need(k) {
    if (this.n + k > this.buf.length) throw bad("truncated input");
  }
  byte() {
    this.need(1);
    return this.buf[this.n++];
  }
  varint() {
    let x = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      x += (b & 0x7f) * mul;
      if (b < 0x80) return x;
      mul *= 0x80;
      if (mul > 2 ** 53) throw bad("varint overflow");
    }
  }
  f64() {
    this.need(8);
    const x = this.dv.getFloat64(this.n, true);
    this.n += 8;
    return x;
  }
  i32() {
    this.need(4);
    const x = this.dv.getInt32(this.n, true);
    this.n += 4;
    return x;
  }
  bytes(k) {
    this.need(k);
    const b = this.buf.slice(this.n, this.n + k);
    this.n += k;
    return b;
  }
  stringBody(tag) {
    const len = this.varint();
    if (len > STR_JS_MAX && (tag === 0x73 || tag === 0x77)) {
      const k = tag === 0x73 ? len : len * 2;
      this.need(k);
      const s = call("encoding.strfrom", this.buf.subarray(this.n, this.n + k), tag === 0x77);
      if (s !== undefined) {
        this.n += k;
        return s;
      }
      // a lone surrogate: decoded below
    }
    if (tag === 0x73) {
      this.need(len);
      let s = "";
      for (let i = 0; i < len; i += 4096) {
        s += String.fromCharCode.apply(null, this.buf.subarray(this.n + i, this.n + Math.min(len, i + 4096)));
      }
      this.n += len;
      return s;
    }
    if (tag !== 0x77) throw bad("expected a string");
    this.need(len * 2);
    const units = new Uint16Array(len);
    for (let i = 0; i < len; i++) units[i] = this.buf[this.n + 2 * i] | (this.buf[this.n + 2 * i + 1] << 8);
    this.n += len * 2;
    let s = "";
    for (let i = 0; i < len; i += 4096) s += String.fromCharCode.apply(null, units.subarray(i, i + 4096));
    return s;
  }
  string() {
    return this.stringBody(this.byte());
  }
}

function bad(why) {
  return new DOMException("Unable to deserialize cloned data: " + why + ".", "DataCloneError");
}

// deserialize decodes bytes written by serialize. opts.external(n) supplies
// the values of 'x' entries.
export function deserialize(bytes, opts = undefined) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const r = new Reader(u8);
  if (r.byte() !== 0x49 || r.byte() !== 1) throw bad("unknown format version");
  const objs = [];
  const external = opts && opts.external;
  let depth = 0;
  const read = () => {
    const tag = r.byte();
    switch (String.fromCharCode(tag)) {
      case "u":
        return undefined;
      case "z":
        return null;
      case "T":
        return true;
      case "F":
        return false;
      case "i":
        return r.i32();
      case "d":
        return r.f64();
      case "Z":
        return BigInt(r.string());
      case "s":
      case "w":
        return r.stringBody(tag);
      case "r": {
        const i = r.varint();
        if (i >= objs.length) throw bad("bad back-reference");
        return objs[i];
      }
      case "x": {
        const i = r.varint();
        if (!external) throw bad("external value without a handler");
        return external(i);
      }
    }
    if (++depth > 10000) throw bad("nesting too deep");
    try {
      return readObject(tag);
    } finally {
      depth--;
    }
  };
  const readObject = (tag) => {
    const at = objs.length;
    objs.push(undefined);
    let v;
    switch (String.fromCharCode(tag)) {
      case "a": {
        const len = r.varint();
        if (len > u8.length) throw bad("array too long");
        v = new Array(len);
        objs[at] = v;
        for (let i = 0; i < len; i++) {
          if (u8[r.n] === 0x68) r.n++;
          else v[i] = read();
        }
        for (let k = r.varint(); k > 0; k--) {
          const key = r.string();
          // defineProperty: a "__proto__" key must not set the prototype.
          Object.defineProperty(v, key, { value: read(), writable: true, enumerable: true, configurable: true });
        }
        return v;
      }
      case "o": {
        v = {};
        objs[at] = v;
        for (let k = r.varint(); k > 0; k--) {
          const key = r.string();
          const val = read();
          Object.defineProperty(v, key, { value: val, writable: true, enumerable: true, configurable: true });
        }
        return v;
      }
      case "X": {
        const name = r.string();
        v = new DOMException(r.string(), name);
        objs[at] = v;
        return v;
      }
      case "B":
        v = r.bytes(r.varint()).buffer;
        objs[at] = v;
        return v;
      case "V": {
        const C = VIEWS[r.byte()];
        if (!C) throw bad("unknown view kind");
        const buf = read();
        if (!(buf instanceof ArrayBuffer)) throw bad("view without a buffer");
        const off = r.varint();
        const len = r.varint();
        try {
          v = new C(buf, off, len);
        } catch {
          throw bad("view out of range");
        }
        objs[at] = v;
        return v;
      }
      case "D":
        v = new Date(r.f64());
        objs[at] = v;
        return v;
      case "R": {
        const src = r.string();
        const flags = r.string();
        try {
          v = new RegExp(src, flags);
        } catch {
          throw bad("bad RegExp");
        }
        objs[at] = v;
        return v;
      }
      case "M":
        v = new Map();
        objs[at] = v;
        for (let k = r.varint(); k > 0; k--) {
          const key = read();
          v.set(key, read());
        }
        return v;
      case "S":
        v = new Set();
        objs[at] = v;
        for (let k = r.varint(); k > 0; k--) v.add(read());
        return v;
      case "E": {
        const name = r.string();
        const C = Object.hasOwn(ERRORS, name) ? ERRORS[name] : Error;
        v = realError(C);
        objs[at] = v;
        const message = read();
        if (message !== undefined) {
          Object.defineProperty(v, "message", { value: String(message), writable: true, configurable: true });
        }
        const stack = read();
        if (stack !== undefined) Object.defineProperty(v, "stack", { value: stack, writable: true, configurable: true });
        const causeTag = u8[r.n];
        const cause = read();
        if (causeTag !== 0x75) Object.defineProperty(v, "cause", { value: cause, writable: true, configurable: true });
        return v;
      }
      case "b":
        v = Object(r.byte() !== 0);
        objs[at] = v;
        return v;
      case "N":
        v = Object(r.f64());
        objs[at] = v;
        return v;
      case "G":
        v = Object(r.string());
        objs[at] = v;
        return v;
      case "J":
        v = Object(BigInt(r.string()));
        objs[at] = v;
        return v;
    }
    throw bad("unknown tag 0x" + tag.toString(16));
  };
  const v = read();
  if (r.n !== u8.length) throw bad("trailing bytes");
  return v;
}

// cloneValue is structuredClone's copy: the same values, in the same
// order, with the same errors as deserialize(serialize(value)), but made
// directly, without the bytes in between (strings are immutable and shared;
// a round trip through bytes copies them a character at a time).
function cloneValue(value) {
  const ids = new Map(); // original object -> its copy
  const copy = (v) => {
    if (typeof v !== "object" || v === null) {
      if (typeof v === "symbol" || typeof v === "function") throw cloneError(v);
      return v;
    }
    const seen = ids.get(v);
    if (seen !== undefined) return seen;
    const proto = Object.getPrototypeOf(v);
    // Neither prototype is ever blocked: skip the walk up the chain.
    if (proto !== ObjectProto && proto !== ArrayProto && isBlocked(v)) throw cloneError(v);
    if (Array.isArray(v)) {
      const len = v.length;
      const out = new Array(len);
      ids.set(v, out);
      let present = 0;
      for (let i = 0; i < len; i++) {
        if (i in v) {
          out[i] = copy(v[i]);
          present++;
        }
      }
      const keys = Object.keys(v);
      if (keys.length > present) {
        for (const k of keys) {
          if (!(String(k >>> 0) === k && k >>> 0 < len)) Object.defineProperty(out, k, { value: copy(v[k]), writable: true, enumerable: true, configurable: true });
        }
      }
      return out;
    }
    if (proto !== ObjectProto || ArrayBuffer.isView(v) || typeOfTag.call(v) !== "[object Object]") {
      const out = copySpecial(v, copy);
      if (out !== undefined) return out;
    }
    const out = {};
    ids.set(v, out);
    const keys = Object.keys(v);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const x = copy(v[k]);
      // Assignment is cheaper than defineProperty; it is the same unless
      // Object.prototype has something by that name (__proto__, a setter).
      if (k in ObjectProto) Object.defineProperty(out, k, { value: x, writable: true, enumerable: true, configurable: true });
      else out[k] = x;
    }
    return out;
  };
  // copySpecial copies the objects that are not plain objects or arrays, or
  // returns undefined for one to copy as a plain object.
  const copySpecial = (v, copy) => {
    let out;
    if (v instanceof DOMException) {
      out = new DOMException(v.message, v.name);
      ids.set(v, out);
      return out;
    }
    const t = typeOfTag.call(v);
    if (ArrayBuffer.isView(v)) {
      const kind = VIEWS.findIndex((C) => v instanceof C);
      if (kind < 0) throw cloneError(v);
      const C = VIEWS[kind];
      const buf = copy(v.buffer);
      out = new C(buf, v.byteOffset, v instanceof DataView ? v.byteLength : v.length);
      ids.set(v, out);
      return out;
    }
    if (v instanceof ArrayBuffer) {
      const n = v.detached === true ? 0 : v.byteLength;
      out = new ArrayBuffer(n);
      if (n > 0) new Uint8Array(out).set(new Uint8Array(v));
      ids.set(v, out);
      return out;
    }
    if (v instanceof Date) {
      out = new Date(v.getTime());
      ids.set(v, out);
      return out;
    }
    if (v instanceof RegExp) {
      out = new RegExp(v.source, v.flags);
      ids.set(v, out);
      return out;
    }
    if (v instanceof Map) {
      out = new Map();
      ids.set(v, out);
      const entries = [...Map.prototype.entries.call(v)];
      for (const [k, x] of entries) {
        const ck = copy(k);
        out.set(ck, copy(x));
      }
      return out;
    }
    if (v instanceof Set) {
      out = new Set();
      ids.set(v, out);
      const values = [...Set.prototype.values.call(v)];
      for (const x of values) out.add(copy(x));
      return out;
    }
    if (v instanceof Error) {
      let name = v.name;
      if (!Object.hasOwn(ERRORS, name)) name = "Error";
      out = realError(ERRORS[name]);
      ids.set(v, out);
      const m = Object.getOwnPropertyDescriptor(v, "message");
      if (m && "value" in m) Object.defineProperty(out, "message", { value: String(m.value), writable: true, configurable: true });
      const stack = v.stack;
      if (typeof stack === "string") Object.defineProperty(out, "stack", { value: stack, writable: true, configurable: true });
      if (Object.hasOwn(v, "cause")) {
        // As the wire format, which writes an undefined cause as absent.
        const cause = copy(v.cause);
        if (cause !== undefined) Object.defineProperty(out, "cause", { value: cause, writable: true, configurable: true });
      }
      return out;
    }
    switch (t) {
      case "[object Boolean]":
        out = Object(Boolean.prototype.valueOf.call(v));
        break;
      case "[object Number]":
        out = Object(Number.prototype.valueOf.call(v));
        break;
      case "[object String]":
        out = Object(String.prototype.valueOf.call(v));
        break;
      case "[object BigInt]":
        out = Object(BigInt.prototype.valueOf.call(v));
        break;
    }
    if (out !== undefined) {
      ids.set(v, out);
      return out;
    }
    if (
      v instanceof WeakMap ||
      v instanceof WeakSet ||
      v instanceof Promise ||
      (typeof WeakRef === "function" && v instanceof WeakRef) ||
      (typeof FinalizationRegistry === "function" && v instanceof FinalizationRegistry) ||
      (typeof SharedArrayBuffer === "function" && v instanceof SharedArrayBuffer)
    ) {
      throw cloneError(v);
    }
    return undefined;
  };
  return copy(value);
}

function structuredClone(value, options = undefined) {
  if (arguments.length === 0) {
    throw new TypeError("Failed to execute 'structuredClone': 1 argument required, but only 0 present.");
  }
  if (options === undefined || options === null || options.transfer === undefined) return cloneValue(value);
  const transfer = Array.from(options.transfer);
  const seen = new Set();
  for (const t of transfer) {
    if (!(t instanceof ArrayBuffer)) throw new DOMException("Value not transferable", "DataCloneError");
    if (seen.has(t)) throw new DOMException("ArrayBuffer at index 1 is a duplicate of an earlier ArrayBuffer.", "DataCloneError");
    seen.add(t);
  }
  const out = cloneValue(value);
  for (const t of transfer) {
    if (typeof t.transfer === "function" && t.detached !== true) t.transfer();
  }
  return out;
}

Object.defineProperty(globalThis, "structuredClone", {
  value: structuredClone,
  writable: true,
  enumerable: false,
  configurable: true,
});
