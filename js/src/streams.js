// streams.js: WHATWG streams (from web-streams-polyfill) plus what workerd
// adds: TextEncoderStream, TextDecoderStream, IdentityTransformStream and
// FixedLengthStream. It also exports the byte helpers the body code uses.
import { chunk, lazyProperty } from "./host.js";

// The stream classes live in a chunk (js/src/chunks/streams.js) that a
// runtime loads the first time something needs a stream: most requests
// never do (a body read as text or bytes stays a string or bytes), and
// evaluating the polyfill was a quarter of building a runtime.
let S = null;

// streams returns the stream classes (the polyfill's and workerd's).
export function streams() {
  if (S === null) {
    S = load();
    // The other stream globals become plain values too, as if never lazy.
    for (const m of materialize) m();
  }
  return S;
}

// isReadableStream reports whether x is a ReadableStream without loading
// the classes: none can exist before they are loaded.
export function isReadableStream(x) {
  return S !== null && x instanceof S.ReadableStream;
}

const NAMES = [
  "ReadableStream",
  "ReadableStreamDefaultReader",
  "ReadableStreamBYOBReader",
  "ReadableStreamBYOBRequest",
  "ReadableStreamDefaultController",
  "ReadableByteStreamController",
  "WritableStream",
  "WritableStreamDefaultWriter",
  "WritableStreamDefaultController",
  "TransformStream",
  "TransformStreamDefaultController",
  "ByteLengthQueuingStrategy",
  "CountQueuingStrategy",
  "IdentityTransformStream",
  "FixedLengthStream",
  "TextEncoderStream",
  "TextDecoderStream",
];

function load() {
  const P = chunk("streams");
  const { ReadableStream, ReadableStreamDefaultController } = P;
  // QuickJS does not await the promise of return() when a for await loop
  // exits early (break, return, throw), so a stream iterator whose last read
  // had settled would release its reader (and cancel the stream) only some
  // ticks after the loop: `s.locked` right after the loop would still be true.
  // Once no read is pending, the polyfill's return() may run its steps at
  // once rather than after the settled read, which is what the loop then sees.
  {
    const proto = Object.getPrototypeOf(new ReadableStream().values());
    const ret = proto.return;
    Object.defineProperty(proto, "return", {
      value: function (v) {
        const impl = this !== null && typeof this === "object" ? this._asyncIteratorImpl : undefined;
        const reader = impl && impl._reader;
        if (impl && impl._ongoingPromise !== undefined && reader && reader._readRequests && reader._readRequests.length === 0) {
          impl._ongoingPromise = undefined;
        }
        return ret.call(this, v);
      },
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }

  // A stream whose source called close() no longer calls the source's cancel()
  // when cancelled while its queue drains, as in workerd (the spec still would).
  {
    const close = ReadableStreamDefaultController.prototype.close;
    const noop = () => Promise.resolve();
    Object.defineProperty(ReadableStreamDefaultController.prototype, "close", {
      value: function close_() {
        close.call(this);
        if (this._closeRequested && this._cancelAlgorithm !== undefined) this._cancelAlgorithm = noop;
      },
      writable: true,
      enumerable: true,
      configurable: true,
    });
    Object.defineProperty(ReadableStreamDefaultController.prototype.close, "name", { value: "close" });
  }

  // The chunk exports exactly the polyfill's classes.
  return Object.assign({}, P, workerdStreams(P));
}

// ---- bytes and UTF-8 ------------------------------------------------------

// toBytes returns a Uint8Array over the bytes of an ArrayBuffer or a view
// (no copy), or null for anything else.
export function toBytes(v) {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (typeof SharedArrayBuffer === "function" && v instanceof SharedArrayBuffer) return new Uint8Array(v);
  return null;
}

// concat joins byte chunks into one new Uint8Array.
export function concat(chunks, total) {
  if (total === undefined) {
    total = 0;
    for (const c of chunks) total += c.byteLength;
  }
  if (chunks.length === 1 && chunks[0].byteLength === chunks[0].buffer.byteLength) return chunks[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

let encoder, decoder;

// utf8Encode encodes a string as UTF-8 (lone surrogates become U+FFFD).
export function utf8Encode(s) {
  if (encoder === undefined && typeof globalThis.TextEncoder === "function") encoder = new globalThis.TextEncoder();
  if (encoder) return encoder.encode(s);
  const out = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}

// utf8Decode decodes UTF-8 bytes (BOM stripped, errors replaced).
export function utf8Decode(b) {
  if (decoder === undefined && typeof globalThis.TextDecoder === "function") decoder = new globalThis.TextDecoder();
  if (decoder) return decoder.decode(b);
  let s = "";
  let i = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  while (i < b.length) {
    const c = b[i];
    let n = 0, cp = 0xfffd, min = 0;
    if (c < 0x80) { cp = c; n = 0; }
    else if (c >= 0xc2 && c < 0xe0) { n = 1; cp = c & 31; min = 0x80; }
    else if (c >= 0xe0 && c < 0xf0) { n = 2; cp = c & 15; min = 0x800; }
    else if (c >= 0xf0 && c < 0xf5) { n = 3; cp = c & 7; min = 0x10000; }
    else { s += "\ufffd"; i++; continue; }
    let j = 1;
    for (; j <= n; j++) {
      const d = b[i + j];
      if (d === undefined || (d & 0xc0) !== 0x80) break;
      cp = (cp << 6) | (d & 63);
    }
    if (j <= n || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      s += "\ufffd";
      i += Math.max(1, j);
      continue;
    }
    s += String.fromCodePoint(cp);
    i += n + 1;
  }
  return s;
}

// ---- stream helpers ---------------------------------------------------------

// isDisturbed reports whether a ReadableStream was ever read or cancelled.
export function isDisturbed(s) {
  return s._disturbed === true;
}

// markDisturbed flags s as read (for bodies consumed without their stream).
export function markDisturbed(s) {
  s._disturbed = true;
}

// bytesStream returns a byte stream that yields b once, then closes.
export function bytesStream(b) {
  const { ReadableStream } = streams();
  return new ReadableStream({
    type: "bytes",
    pull(c) {
      if (b && b.byteLength > 0) {
        const chunk = b;
        b = null;
        c.enqueue(new Uint8Array(chunk));
      }
      c.close();
      if (c.byobRequest) c.byobRequest.respond(0);
    },
  });
}

// emptyStream returns a closed, disturbed stream (the body of a consumed
// lazily-read body).
export function usedStream() {
  const { ReadableStream } = streams();
  const s = new ReadableStream({ start: (c) => c.close() });
  markDisturbed(s);
  return s;
}

const notBytes = "This ReadableStream did not return bytes.";

// readAll reads a stream to its end and returns its bytes; every chunk must
// be bytes (as workerd requires of bodies).
export async function readAll(stream) {
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const b = toBytes(value);
      if (b === null) throw new TypeError(notBytes);
      chunks.push(b);
      total += b.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
  return concat(chunks, total);
}

export const notBytesMessage = notBytes;

// ---- workerd streams ------------------------------------------------------

// knownLength maps a readable to its announced byte length
// (FixedLengthStream), which becomes the Content-Length of a body.
export const knownLength = new WeakMap();

// workerdStreams defines the streams workerd adds, over the polyfill P.
function workerdStreams(P) {
  const { TransformStream } = P;
  const nonBytesWrite =
    "This TransformStream is being used as a byte stream, but received an object of non-ArrayBuffer/ArrayBufferView type on its writable side.";

  // identityPair builds the readable byte stream and writable of an
  // IdentityTransformStream: a write completes when a reader has taken it.
  function identityPair(limit) {
    const { ReadableStream, WritableStream } = P;
    let rc, wc;
    let pending = null; // { bytes, resolve }
    let pulling = null; // resolve of the pull waiting for a write
    let written = 0;
    let closed = false;
    function deliver() {
      if (!pending || !pulling) return;
      const { bytes, resolve } = pending;
      const p = pulling;
      pending = null;
      pulling = null;
      rc.enqueue(new Uint8Array(bytes));
      resolve();
      p();
    }
    const readable = new ReadableStream(
      {
        type: "bytes",
        start(c) {
          rc = c;
        },
        pull() {
          return new Promise((resolve) => {
            pulling = resolve;
            deliver();
          });
        },
        cancel(reason) {
          if (pending) {
            pending.reject(reason);
            pending = null;
          }
          if (!closed) wc.error(reason);
        },
      },
      { highWaterMark: 0 },
    );
    const writable = new WritableStream({
      start(c) {
        wc = c;
      },
      write(chunk) {
        const bytes = toBytes(chunk);
        if (bytes === null) throw new TypeError(nonBytesWrite);
        if (limit !== undefined) {
          written += bytes.byteLength;
          if (written > limit) throw new TypeError("Attempt to write too many bytes through a FixedLengthStream.");
        }
        if (bytes.byteLength === 0) return;
        return new Promise((resolve, reject) => {
          pending = { bytes, resolve, reject };
          deliver();
        });
      },
      close() {
        if (limit !== undefined && written < limit) {
          const err = new TypeError("FixedLengthStream did not see all expected bytes before close().");
          rc.error(err);
          throw err;
        }
        closed = true;
        rc.close();
        if (rc.byobRequest) rc.byobRequest.respond(0);
      },
      abort(reason) {
        closed = true;
        rc.error(reason);
      },
    });
    if (limit !== undefined) knownLength.set(readable, limit);
    return { readable, writable };
  }

  let nextLimit; // expected length passed from FixedLengthStream to its super()

  class IdentityTransformStream extends TransformStream {
    #readable;
    #writable;
    constructor(options = undefined) {
      super();
      const { readable, writable } = identityPair(nextLimit);
      nextLimit = undefined;
      this.#readable = readable;
      this.#writable = writable;
    }
    get readable() {
      return this.#readable;
    }
    get writable() {
      return this.#writable;
    }
  }

  class FixedLengthStream extends IdentityTransformStream {
    constructor(expectedLength, options = undefined) {
      const n = typeof expectedLength === "bigint" ? Number(expectedLength) : Number(expectedLength);
      if (!Number.isSafeInteger(n) || n < 0) {
        throw new TypeError("FixedLengthStream requires a non-negative integer expected length.");
      }
      nextLimit = n;
      super(options);
    }
  }

  class TextEncoderStream extends TransformStream {
    constructor() {
      let carry = ""; // a high surrogate split across chunks
      super({
        transform(chunk, c) {
          let s = carry + String(chunk);
          carry = "";
          const last = s.charCodeAt(s.length - 1);
          if (last >= 0xd800 && last <= 0xdbff) {
            carry = s.slice(-1);
            s = s.slice(0, -1);
          }
          if (s.length > 0) c.enqueue(utf8Encode(s));
        },
        flush(c) {
          if (carry) c.enqueue(new Uint8Array([0xef, 0xbf, 0xbd]));
        },
      });
    }
    get encoding() {
      return "utf-8";
    }
  }

  class TextDecoderStream extends TransformStream {
    #decoder;
    constructor(label = "utf-8", options = {}) {
      const dec = new globalThis.TextDecoder(label, options);
      super({
        transform(chunk, c) {
          const b = toBytes(chunk);
          if (b === null) throw new TypeError("TextDecoderStream requires ArrayBuffer or ArrayBufferView chunks.");
          const s = dec.decode(b, { stream: true });
          if (s.length > 0) c.enqueue(s);
        },
        flush(c) {
          const s = dec.decode();
          if (s.length > 0) c.enqueue(s);
        },
      });
      this.#decoder = dec;
    }
    get encoding() {
      return this.#decoder.encoding;
    }
    get fatal() {
      return this.#decoder.fatal;
    }
    get ignoreBOM() {
      return this.#decoder.ignoreBOM;
    }
  }

  return { IdentityTransformStream, FixedLengthStream, TextEncoderStream, TextDecoderStream };
}

const materialize = NAMES.map((k) => lazyProperty(globalThis, k, () => streams()[k]));
