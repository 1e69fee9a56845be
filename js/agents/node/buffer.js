// node:buffer for isola: a Buffer that is a Uint8Array with the common
// encodings (utf8, base64, base64url, hex, latin1), from/alloc/concat/
// byteLength/isBuffer/equals/slice/toString/write/readUInt*. Importing
// node:async_hooks or node:buffer also installs it as the global Buffer,
// as nodejs_compat does in workerd.
const enc = new TextEncoder();
const dec = new TextDecoder();

function norm(e) {
  e = String(e ?? "utf8").toLowerCase();
  if (e === "utf-8") return "utf8";
  if (e === "binary") return "latin1";
  if (e === "ucs2" || e === "ucs-2" || e === "utf16le" || e === "utf-16le") return "utf16le";
  return e;
}

function decodeBase64(s) {
  s = s.replace(/[^A-Za-z0-9+/\-_]/g, "").replace(/-/g, "+").replace(/_/g, "/");
  while (s.length % 4) s += "=";
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function encodeBase64(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function bytesOf(str, e) {
  switch (norm(e)) {
    case "utf8":
      return enc.encode(str);
    case "base64":
    case "base64url":
      return decodeBase64(str);
    case "hex": {
      const n = str.length >> 1;
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const b = parseInt(str.substr(i * 2, 2), 16);
        if (Number.isNaN(b)) return out.subarray(0, i);
        out[i] = b;
      }
      return out;
    }
    case "latin1":
    case "ascii":
      return Uint8Array.from(str, (c) => c.charCodeAt(0) & 0xff);
    case "utf16le": {
      const out = new Uint8Array(str.length * 2);
      for (let i = 0; i < str.length; i++) {
        const c = str.charCodeAt(i);
        out[i * 2] = c & 0xff;
        out[i * 2 + 1] = c >> 8;
      }
      return out;
    }
  }
  throw new TypeError(`Unknown encoding: ${e}`);
}

export class Buffer extends Uint8Array {
  static from(v, encOrOffset, length) {
    if (typeof v === "string") return Buffer.#wrap(bytesOf(v, encOrOffset));
    if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer)) {
      const off = encOrOffset ?? 0;
      return new Buffer(v, off, length ?? v.byteLength - off);
    }
    if (ArrayBuffer.isView(v)) return Buffer.#wrap(new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice());
    if (v && typeof v === "object" && v.type === "Buffer" && Array.isArray(v.data)) return Buffer.#wrap(Uint8Array.from(v.data));
    if (v && typeof v.length === "number") return Buffer.#wrap(Uint8Array.from(v));
    throw new TypeError("The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object.");
  }
  static #wrap(u8) {
    return new Buffer(u8.buffer, u8.byteOffset, u8.byteLength);
  }
  static alloc(n, fill) {
    const b = new Buffer(n);
    if (fill !== undefined) b.fill(typeof fill === "string" ? fill.charCodeAt(0) : fill);
    return b;
  }
  static allocUnsafe(n) {
    return new Buffer(n);
  }
  static isBuffer(b) {
    return b instanceof Buffer;
  }
  static isEncoding(e) {
    return ["utf8", "base64", "base64url", "hex", "latin1", "ascii", "utf16le"].includes(norm(e));
  }
  static byteLength(v, e) {
    if (typeof v === "string") return bytesOf(v, e).length;
    return v.byteLength;
  }
  static concat(list, total) {
    total ??= list.reduce((n, b) => n + b.length, 0);
    const out = Buffer.alloc(total);
    let o = 0;
    for (const b of list) {
      if (o >= total) break;
      out.set(b.subarray(0, total - o), o);
      o += b.length;
    }
    return out;
  }
  static compare(a, b) {
    return a.compare(b);
  }
  toString(e = "utf8", start = 0, end = this.length) {
    const u = new Uint8Array(this.buffer, this.byteOffset + start, Math.max(0, Math.min(end, this.length) - start));
    switch (norm(e)) {
      case "utf8":
        return dec.decode(u);
      case "base64":
        return encodeBase64(u);
      case "base64url":
        return encodeBase64(u).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      case "hex":
        return Array.from(u, (b) => b.toString(16).padStart(2, "0")).join("");
      case "latin1":
      case "ascii":
        return Array.from(u, (b) => String.fromCharCode(b)).join("");
      case "utf16le": {
        let s = "";
        for (let i = 0; i + 1 < u.length; i += 2) s += String.fromCharCode(u[i] | (u[i + 1] << 8));
        return s;
      }
    }
    throw new TypeError(`Unknown encoding: ${e}`);
  }
  toJSON() {
    return { type: "Buffer", data: Array.from(this) };
  }
  equals(o) {
    return this.compare(o) === 0;
  }
  compare(o) {
    const n = Math.min(this.length, o.length);
    for (let i = 0; i < n; i++) if (this[i] !== o[i]) return this[i] < o[i] ? -1 : 1;
    return this.length === o.length ? 0 : this.length < o.length ? -1 : 1;
  }
  slice(s, e) {
    return this.subarray(s, e);
  }
  subarray(s, e) {
    const u = Uint8Array.prototype.subarray.call(this, s, e);
    return new Buffer(u.buffer, u.byteOffset, u.byteLength);
  }
  write(str, offset = 0, length, e) {
    if (typeof offset === "string") [e, offset] = [offset, 0];
    const b = bytesOf(str, e).subarray(0, length ?? this.length - offset);
    this.set(b.subarray(0, this.length - offset), offset);
    return Math.min(b.length, this.length - offset);
  }
  readUInt8(o = 0) {
    return this[o];
  }
  readUInt16BE(o = 0) {
    return (this[o] << 8) | this[o + 1];
  }
  readUInt32BE(o = 0) {
    return new DataView(this.buffer, this.byteOffset).getUint32(o);
  }
  writeUInt8(v, o = 0) {
    this[o] = v;
    return o + 1;
  }
  writeUInt16BE(v, o = 0) {
    new DataView(this.buffer, this.byteOffset).setUint16(o, v);
    return o + 2;
  }
  writeUInt32BE(v, o = 0) {
    new DataView(this.buffer, this.byteOffset).setUint32(o, v);
    return o + 4;
  }
}

export const kMaxLength = 2 ** 31 - 1;
export const constants = { MAX_LENGTH: kMaxLength };
export function atob_(s) {
  return atob(s);
}
export { atob_ as atob };
export const btoa_ = (s) => btoa(s);
export { btoa_ as btoa };
globalThis.Buffer ??= Buffer;
export default { Buffer, kMaxLength, constants };
