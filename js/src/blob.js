// blob.js: Blob and File. A Blob holds its bytes in one Uint8Array that is
// never handed out (every read copies), so slices and bodies may share it.
import { bytesStream, toBytes, utf8Decode, utf8Encode } from "./streams.js";

let blobBytes; // (blob) => Uint8Array, for the body code
let setBytes; // (blob, Uint8Array) => blob

function normalizeType(t) {
  if (t === undefined) return "";
  t = String(t);
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return "";
  }
  return t.toLowerCase();
}

function partsToBytes(parts) {
  if (parts === undefined || parts === null) return new Uint8Array(0);
  if (typeof parts !== "object" && typeof parts !== "function") {
    throw new TypeError("Failed to construct 'Blob': The provided value cannot be converted to a sequence.");
  }
  if (typeof parts[Symbol.iterator] !== "function") {
    throw new TypeError("Failed to construct 'Blob': The provided value cannot be converted to a sequence.");
  }
  const chunks = [];
  let total = 0;
  for (const part of parts) {
    let b;
    if (part instanceof Blob) b = blobBytes(part);
    else {
      b = toBytes(part);
      if (b === null) b = utf8Encode(String(part));
      else b = b.slice(); // the caller may change its buffer later
    }
    chunks.push(b);
    total += b.byteLength;
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

function relative(i, size) {
  if (i < 0) return Math.max(size + i, 0);
  return Math.min(i, size);
}

export class Blob {
  #bytes;
  #type;

  static {
    blobBytes = (b) => b.#bytes;
    setBytes = (b, bytes) => {
      b.#bytes = bytes;
      return b;
    };
  }

  constructor(parts = undefined, options = undefined) {
    this.#bytes = partsToBytes(parts);
    this.#type = normalizeType(options == null ? undefined : options.type);
  }

  get size() {
    return this.#bytes.byteLength;
  }

  get type() {
    return this.#type;
  }

  slice(start = 0, end = undefined, contentType = undefined) {
    const size = this.#bytes.byteLength;
    const from = relative(Math.trunc(Number(start)) || 0, size);
    const to = end === undefined ? size : relative(Math.trunc(Number(end)) || 0, size);
    const b = new Blob();
    b.#bytes = this.#bytes.subarray(from, Math.max(from, to));
    b.#type = normalizeType(contentType);
    return b;
  }

  async text() {
    return utf8Decode(this.#bytes);
  }

  async arrayBuffer() {
    return this.#bytes.slice().buffer;
  }

  async bytes() {
    return this.#bytes.slice();
  }

  stream() {
    return bytesStream(this.#bytes);
  }

  get [Symbol.toStringTag]() {
    return "Blob";
  }
}

export class File extends Blob {
  #name;
  #lastModified;

  constructor(bits, name, options = undefined) {
    if (arguments.length < 2) {
      throw new TypeError("Failed to construct 'File': 2 arguments required, but only " + arguments.length + " present.");
    }
    super(bits, options);
    this.#name = String(name);
    const lm = options == null ? undefined : options.lastModified;
    this.#lastModified = lm === undefined ? Date.now() : Math.trunc(Number(lm)) || 0;
  }

  get name() {
    return this.#name;
  }

  get lastModified() {
    return this.#lastModified;
  }

  get [Symbol.toStringTag]() {
    return "File";
  }
}

// bytesOf returns the bytes of a Blob without copying; do not modify them.
export function bytesOf(blob) {
  return blobBytes(blob);
}

// withBytes sets the bytes of a fresh Blob or File without copying them.
export function withBytes(blob, bytes) {
  return setBytes(blob, bytes);
}

Object.defineProperty(globalThis, "Blob", { value: Blob, writable: true, configurable: true });
Object.defineProperty(globalThis, "File", { value: File, writable: true, configurable: true });
