// formdata.js: FormData, and its multipart/form-data and
// application/x-www-form-urlencoded forms for bodies. Multipart parsing runs
// in Go ("fetch.parseMultipart", mime/multipart); serializing runs here.
import { call } from "./host.js";
import { Blob, File, bytesOf, withBytes } from "./blob.js";
import { concat, utf8Decode, utf8Encode } from "./streams.js";

// toEntryValue is the entry a value makes. As in workerd, a Blob appended
// without a filename is named after its field, and a filename given with a
// string is ignored.
function toEntryValue(name, value, filename) {
  if (value instanceof Blob) {
    if (filename !== undefined) filename = String(filename);
    else if (value instanceof File) filename = value.name;
    else filename = name;
    if (value instanceof File && filename === value.name) return value;
    const f = new File([], filename, {
      type: value.type,
      lastModified: value instanceof File ? value.lastModified : undefined,
    });
    return withBytes(f, bytesOf(value));
  }
  return String(value);
}

export class FormData {
  #entries = []; // [name, string | File]

  constructor(form = undefined) {
    if (form !== undefined) {
      throw new TypeError("FormData constructor does not accept arguments in this runtime.");
    }
  }

  append(name, value, filename = undefined) {
    name = String(name);
    this.#entries.push([name, toEntryValue(name, value, filename)]);
  }

  set(name, value, filename = undefined) {
    name = String(name);
    const v = toEntryValue(name, value, filename);
    const i = this.#entries.findIndex((e) => e[0] === name);
    if (i < 0) {
      this.#entries.push([name, v]);
      return;
    }
    this.#entries[i] = [name, v];
    this.#entries = this.#entries.filter((e, j) => j <= i || e[0] !== name);
  }

  get(name) {
    name = String(name);
    const e = this.#entries.find((e) => e[0] === name);
    return e ? e[1] : null;
  }

  getAll(name) {
    name = String(name);
    return this.#entries.filter((e) => e[0] === name).map((e) => e[1]);
  }

  has(name) {
    name = String(name);
    return this.#entries.some((e) => e[0] === name);
  }

  delete(name) {
    name = String(name);
    this.#entries = this.#entries.filter((e) => e[0] !== name);
  }

  *entries() {
    for (let i = 0; i < this.#entries.length; i++) yield [this.#entries[i][0], this.#entries[i][1]];
  }

  *keys() {
    for (let i = 0; i < this.#entries.length; i++) yield this.#entries[i][0];
  }

  *values() {
    for (let i = 0; i < this.#entries.length; i++) yield this.#entries[i][1];
  }

  forEach(callback, thisArg = undefined) {
    if (typeof callback !== "function") throw new TypeError("FormData.forEach: callback is not a function.");
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
  }

  [Symbol.iterator]() {
    return this.entries();
  }

  get [Symbol.toStringTag]() {
    return "FormData";
  }
}

function escapeQuoted(s) {
  return s.replace(/[\r\n"]/g, (c) => (c === "\r" ? "%0D" : c === "\n" ? "%0A" : "%22"));
}

// serializeFormData returns the multipart/form-data body of fd.
export function serializeFormData(fd, boundary) {
  const parts = [];
  let total = 0;
  const push = (b) => {
    parts.push(b);
    total += b.byteLength;
  };
  for (const [name, value] of fd) {
    let head = "--" + boundary + '\r\nContent-Disposition: form-data; name="' + escapeQuoted(name) + '"';
    if (typeof value === "string") {
      push(utf8Encode(head + "\r\n\r\n" + value.replace(/\r\n|\r|\n/g, "\r\n") + "\r\n"));
      continue;
    }
    head += '; filename="' + escapeQuoted(value.name) + '"\r\nContent-Type: ' + (value.type || "application/octet-stream") + "\r\n\r\n";
    push(utf8Encode(head));
    push(bytesOf(value));
    push(utf8Encode("\r\n"));
  }
  push(utf8Encode("--" + boundary + "--\r\n"));
  return concat(parts, total);
}

const unrecognized =
  "Unrecognized Content-Type header value. FormData can only parse the following MIME types: multipart/form-data, application/x-www-form-urlencoded";

// parseFormData parses a body of the given Content-Type into a FormData.
export function parseFormData(bytes, contentType) {
  const essence = String(contentType).split(";")[0].trim().toLowerCase();
  const fd = new FormData();
  if (essence === "multipart/form-data") {
    const entries = call("fetch.parseMultipart", bytes, String(contentType));
    for (const [name, v] of entries || []) {
      if (typeof v === "string") fd.append(name, v);
      else {
        const f = new File([], v.filename, { type: v.type || "" });
        fd.append(name, withBytes(f, v.data || new Uint8Array(0)));
      }
    }
    return fd;
  }
  if (essence === "application/x-www-form-urlencoded") {
    const params = new globalThis.URLSearchParams(utf8Decode(bytes));
    for (const [k, v] of params) fd.append(k, v);
    return fd;
  }
  throw new TypeError(unrecognized);
}

Object.defineProperty(globalThis, "FormData", { value: FormData, writable: true, configurable: true });
