// compression.js: CompressionStream and DecompressionStream. The codecs
// live in Go (internal/webapi/compression); each chunk is one host call.
import { call } from "./host.js";

const registry = new FinalizationRegistry((id) => {
  try {
    call("compression.free", id);
  } catch {}
});

function bytesOf(chunk) {
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError("This TransformStream is being used as a byte stream, but received an object of non-ArrayBuffer type on its writable side.");
}

function codecStream(self, format, decompress) {
  const id = call("compression.new", String(format), decompress);
  let done = false;
  const ts = new TransformStream({
    transform(chunk, controller) {
      const out = call("compression.push", id, bytesOf(chunk));
      if (out && out.byteLength) controller.enqueue(out);
    },
    flush(controller) {
      done = true;
      const out = call("compression.end", id);
      if (out && out.byteLength) controller.enqueue(out);
    },
  });
  registry.register(self, id);
  return ts;
}

export class CompressionStream {
  #ts;
  constructor(format) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'CompressionStream': 1 argument required, but only 0 present.");
    this.#ts = codecStream(this, format, false);
  }
  get readable() {
    return this.#ts.readable;
  }
  get writable() {
    return this.#ts.writable;
  }
}

export class DecompressionStream {
  #ts;
  constructor(format) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'DecompressionStream': 1 argument required, but only 0 present.");
    this.#ts = codecStream(this, format, true);
  }
  get readable() {
    return this.#ts.readable;
  }
  get writable() {
    return this.#ts.writable;
  }
}

globalThis.CompressionStream = CompressionStream;
globalThis.DecompressionStream = DecompressionStream;
