// encoding.js: TextEncoder, TextDecoder, atob, btoa.
//
// As in workerd, TextEncoder is UTF-8 only and TextDecoder knows utf-8,
// utf-16le/be and windows-1252 (whose labels include "latin1" and "ascii");
// any other label is a RangeError here, where
// workerd would also take the legacy CJK and single-byte encodings.
//
// The UTF-8 work has two implementations: a JS loop, and Go host functions
// ("encoding.*", internal/webapi/encoding). BenchmarkUTF8 in that package
// times both in a real runtime (AMD EPYC, 2026-11-29): for 1 KB, JS 670 us
// to encode and 470 us to decode, Go 35 us and 47 us; for 1 MB, JS 370 ms
// and 474 ms, Go 15 ms and 21 ms. Since the bridge passes strings and bytes
// without JSON, a host call costs a fixed ~4-6 us, and the QuickJS loop
// ~0.5 us per character, so they cross near 10 characters: inputs up to
// JS_MAX stay in JS, longer ones go to Go (internal/webapi/perf BenchmarkOps
// TextEncoder.*, TextDecoder.*).
import { call } from "./host.js";

const JS_MAX = 8;

function toUSV(s) {
  return typeof s.toWellFormed === "function" ? s.toWellFormed() : s;
}

// encodeJS encodes s to UTF-8 into out (large enough: 3 bytes per unit) and
// returns the byte count; lone surrogates become U+FFFD.
function encodeJS(s, out) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          out[n++] = 0xf0 | (c >> 18);
          out[n++] = 0x80 | ((c >> 12) & 0x3f);
          out[n++] = 0x80 | ((c >> 6) & 0x3f);
          out[n++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd;
      }
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return n;
}

export function encodeUTF8(s) {
  s = String(s);
  if (s.length <= JS_MAX) {
    const buf = new Uint8Array(s.length * 3);
    const n = encodeJS(s, buf);
    return buf.slice(0, n);
  }
  return call("encoding.encode", toUSV(s));
}

// decodeJS decodes complete, valid-or-not UTF-8 (no streaming) as the WHATWG
// decoder does; it returns null when fatal and the input is malformed.
function decodeJS(b, fatal) {
  let out = "";
  const codes = [];
  let i = 0;
  const len = b.length;
  while (i < len) {
    const c = b[i];
    if (c < 0x80) {
      codes.push(c);
      i++;
    } else {
      let n = 0;
      let lo = 0x80;
      let hi = 0xbf;
      let cp = 0;
      if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
      } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0xf;
        if (c === 0xe0) lo = 0xa0;
        else if (c === 0xed) hi = 0x9f;
      } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x7;
        if (c === 0xf0) lo = 0x90;
        else if (c === 0xf4) hi = 0x8f;
      }
      let j = i + 1;
      if (n > 0) {
        for (; j < i + n && j < len; j++) {
          const x = b[j];
          if (x < lo || x > hi) break;
          lo = 0x80;
          hi = 0xbf;
          cp = (cp << 6) | (x & 0x3f);
        }
      }
      if (n > 0 && j === i + n) {
        if (cp >= 0x10000) {
          cp -= 0x10000;
          codes.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
        } else {
          codes.push(cp);
        }
      } else {
        if (fatal) return null;
        codes.push(0xfffd);
      }
      i = j;
    }
    if (codes.length >= 4096) {
      out += String.fromCharCode.apply(null, codes);
      codes.length = 0;
    }
  }
  return out + String.fromCharCode.apply(null, codes);
}

function bytesOf(input) {
  if (input === undefined) return new Uint8Array(0);
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (typeof SharedArrayBuffer === "function" && input instanceof SharedArrayBuffer) return new Uint8Array(input);
  throw new TypeError(
    "Failed to execute 'decode' on 'TextDecoder': parameter 1 is not of type 'ArrayBuffer or ArrayBufferView'.",
  );
}

// decodeUTF8 decodes bytes; with stream it returns [string, pendingBytes].
function decodeUTF8(b, fatal, stream) {
  if (!stream && b.length <= JS_MAX) {
    const s = decodeJS(b, fatal);
    if (s === null) throw new TypeError("Failed to decode input.");
    return [s, 0];
  }
  const r = call("encoding.decode", b, fatal, stream);
  // Go answers a bare string when no bytes are pending (an array costs JSON).
  return typeof r === "string" ? [r, 0] : r;
}

const labels = new Map();
for (const l of ["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"]) labels.set(l, "utf-8");
for (const l of ["csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"]) labels.set(l, "utf-16le");
for (const l of ["unicodefffe", "utf-16be"]) labels.set(l, "utf-16be");
for (const l of [
  "ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100",
  "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii", "windows-1252", "x-cp1252",
]) labels.set(l, "windows-1252");

export function encodingForLabel(label) {
  return labels.get(String(label).trim().toLowerCase()) ?? null;
}

export class TextEncoder {
  get encoding() {
    return "utf-8";
  }
  encode(input = "") {
    return encodeUTF8(input);
  }
  encodeInto(source, destination) {
    if (!(destination instanceof Uint8Array)) {
      throw new TypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'.");
    }
    source = String(source);
    const cap = destination.length;
    if (source.length * 3 <= cap && source.length <= JS_MAX) {
      const written = encodeJS(source, destination);
      return { read: source.length, written };
    }
    const [bytes, read] = call("encoding.encodeInto", toUSV(source), cap);
    destination.set(bytes);
    return { read, written: bytes.length };
  }
}

export class TextDecoder {
  #encoding;
  #fatal;
  #ignoreBOM;
  #bomSeen = false;
  #pending = null; // undecoded tail bytes of a stream, or null

  constructor(label = "utf-8", options = undefined) {
    const enc = encodingForLabel(label);
    if (enc === null) throw new RangeError(`"${label}" is not a valid encoding.`);
    this.#encoding = enc;
    const o = options ?? {};
    this.#fatal = !!o.fatal;
    this.#ignoreBOM = !!o.ignoreBOM;
  }

  get encoding() {
    return this.#encoding;
  }
  get fatal() {
    return this.#fatal;
  }
  get ignoreBOM() {
    return this.#ignoreBOM;
  }

  decode(input = undefined, options = undefined) {
    let b = bytesOf(input);
    const stream = !!(options && options.stream);
    if (this.#pending) {
      const joined = new Uint8Array(this.#pending.length + b.length);
      joined.set(this.#pending);
      joined.set(b, this.#pending.length);
      b = joined;
      this.#pending = null;
    }
    let s;
    let pending = 0;
    try {
      switch (this.#encoding) {
        case "utf-8":
          [s, pending] = decodeUTF8(b, this.#fatal, stream);
          break;
        case "utf-16le":
        case "utf-16be":
          [s, pending] = decodeUTF16(b, this.#encoding === "utf-16be", this.#fatal, stream);
          break;
        default:
          s = windows1252(b);
      }
    } catch (e) {
      this.#bomSeen = false;
      throw e;
    }
    if (pending > 0) this.#pending = b.slice(b.length - pending);
    if (s.length > 0 && !this.#ignoreBOM && !this.#bomSeen && this.#encoding !== "windows-1252") {
      this.#bomSeen = true;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    if (!stream) this.#bomSeen = false;
    return s;
  }
}

// C1 is windows-1252's mapping of bytes 0x80..0x9F; other bytes are latin1.
const C1 = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

function windows1252(b) {
  let out = "";
  for (let i = 0; i < b.length; i += 4096) {
    let chunk = b.subarray(i, i + 4096);
    if (chunk.some((c) => c >= 0x80 && c <= 0x9f)) chunk = Array.from(chunk, (c) => (c >= 0x80 && c <= 0x9f ? C1[c - 0x80] : c));
    out += String.fromCharCode.apply(null, chunk);
  }
  return out;
}

// decodeUTF16 decodes UTF-16; it returns [string, pendingBytes].
function decodeUTF16(b, bigEndian, fatal, stream) {
  const units = [];
  let out = "";
  let end = b.length - (b.length % 2);
  let pending = b.length - end;
  for (let i = 0; i < end; i += 2) {
    const u = bigEndian ? (b[i] << 8) | b[i + 1] : b[i] | (b[i + 1] << 8);
    if (u >= 0xd800 && u <= 0xdbff) {
      if (i + 2 >= end) {
        if (stream) {
          pending += end - i;
          break;
        }
      } else {
        const v = bigEndian ? (b[i + 2] << 8) | b[i + 3] : b[i + 2] | (b[i + 3] << 8);
        if (v >= 0xdc00 && v <= 0xdfff) {
          units.push(u, v);
          i += 2;
          continue;
        }
      }
      if (fatal) throw new TypeError("Failed to decode input.");
      units.push(0xfffd);
    } else if (u >= 0xdc00 && u <= 0xdfff) {
      if (fatal) throw new TypeError("Failed to decode input.");
      units.push(0xfffd);
    } else {
      units.push(u);
    }
    if (units.length >= 4096) {
      out += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  }
  out += String.fromCharCode.apply(null, units);
  if (!stream && pending > 0) {
    if (fatal) throw new TypeError("Failed to decode input.");
    out += "\ufffd";
    pending = 0;
  }
  return [out, pending];
}

function btoa(data) {
  if (arguments.length === 0) throw new TypeError("Failed to execute 'btoa': 1 argument required, but only 0 present.");
  return call("encoding.btoa", String(data));
}

function atob(data) {
  if (arguments.length === 0) throw new TypeError("Failed to execute 'atob': 1 argument required, but only 0 present.");
  return call("encoding.atob", String(data));
}

for (const [name, C] of Object.entries({ TextEncoder, TextDecoder })) {
  Object.defineProperty(C, "name", { value: name, configurable: true });
  Object.defineProperty(C.prototype, Symbol.toStringTag, { value: name, configurable: true });
}
for (const [name, value] of Object.entries({ TextEncoder, TextDecoder, atob, btoa })) {
  Object.defineProperty(globalThis, name, { value, writable: true, enumerable: false, configurable: true });
}
