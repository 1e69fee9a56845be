// http.js: Headers, Request, Response and their body mixin, as in workerd,
// plus the two hooks the worker server uses to carry an inbound HTTP
// exchange across the bridge (toJSRequest, fromJSResponse).
//
// Bodies are lazy: a body built from a string, bytes, a Blob, FormData or
// URLSearchParams keeps that source and only becomes a ReadableStream when
// .body is read, so text()/json() and sending a response skip streams
// entirely. A body that lives in Go (an inbound request body, a fetch()
// response body) is a stream id; text() and friends read it in one host call,
// and .body pulls it chunk by chunk with callAsync("fetch.bodyRead").
import { call, callAsync, lazy, loaded } from "./host.js";
import { parseHref } from "./urlparse.js";
import {
  bytesStream,
  isReadableStream,
  isDisturbed,
  knownLength,
  markDisturbed,
  notBytesMessage,
  readAll,
  streams,
  toBytes,
  usedStream,
  utf8Decode,
  utf8Encode,
} from "./streams.js";

// ---- Headers ----------------------------------------------------------------

// A header name may hold token characters and, as in workerd, anything
// outside ASCII; it may even be empty.
const badNameRe = /[^!#$%&'*+\-.^_`|~0-9A-Za-z\u0080-\uffff]/;
const trimRe = /^[\t\n\r ]+|[\t\n\r ]+$/g;
const badValueRe = /[\0\r\n]/;

// names caches valid header names, as given, to their lower-case form: a
// regex test and toLowerCase cost more than a Map lookup in this engine, and
// a worker sees the same few names again and again. Bounded: it is cleared
// when full.
const names = new Map();

function headerName(name) {
  if (typeof name !== "string") name = String(name);
  let k = names.get(name);
  if (k !== undefined) return k;
  if (badNameRe.test(name)) throw new TypeError("Invalid header name.");
  k = name.toLowerCase();
  if (names.size >= 512) names.clear();
  names.set(name, k);
  return k;
}

// isSpace tells the HTTP whitespace a header value is trimmed of.
function isSpace(c) {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function headerValue(v) {
  if (typeof v !== "string") v = String(v);
  // Trim only when an end is whitespace (a regex replace is costly here);
  // charCodeAt of an empty string is NaN, which compares false.
  const c0 = v.charCodeAt(0);
  const c1 = v.charCodeAt(v.length - 1);
  if ((c0 <= 32 || c1 <= 32) && (isSpace(c0) || isSpace(c1))) v = v.replace(trimRe, "");
  if (badValueRe.test(v)) throw new TypeError("Invalid header value.");
  return v;
}

const arrayValues = Array.prototype[Symbol.iterator];

let headersMap; // (Headers) => Map<lower name, string[]>
let setImmutable; // (Headers) => Headers
let isImmutable; // (Headers) => boolean
let setUnchecked, isUnchecked; // see Headers.#unchecked

export class Headers {
  #map = new Map();
  #immutable = false;
  #unchecked = false; // holds values from Go that were not checked for "\n"

  static {
    headersMap = (h) => h.#map;
    setUnchecked = (h) => {
      h.#unchecked = true;
    };
    isUnchecked = (h) => h.#unchecked;
    setImmutable = (h) => {
      h.#immutable = true;
      return h;
    };
    isImmutable = (h) => h.#immutable;
  }

  constructor(init = undefined) {
    if (init === undefined) return;
    if (init instanceof Headers) {
      for (const [k, vs] of init.#map) this.#map.set(k, vs.slice());
      this.#unchecked = init.#unchecked;
      return;
    }
    if (init === null || (typeof init !== "object" && typeof init !== "function")) {
      throw new TypeError(
        "Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.",
      );
    }
    const iter = init[Symbol.iterator];
    if (iter === arrayValues && Array.isArray(init)) {
      // Fast path: an array of [name, value] arrays, read by index.
      for (let i = 0; i < init.length; i++) {
        const pair = init[i];
        if (Array.isArray(pair) && pair.length === 2 && pair[Symbol.iterator] === arrayValues) this.#add(pair[0], pair[1]);
        else this.#addPair(pair);
      }
      return;
    }
    if (typeof iter === "function") {
      for (const pair of init) this.#addPair(pair);
      return;
    }
    for (const k of Object.keys(init)) this.#add(k, init[k]);
  }

  #addPair(pair) {
    const kv = typeof pair === "string" || pair == null ? [] : Array.from(pair);
    if (kv.length !== 2) {
      throw new TypeError("To initialize a Headers object from a sequence, each inner sequence must have exactly two elements.");
    }
    this.#add(kv[0], kv[1]);
  }

  #add(name, value) {
    value = headerValue(value);
    const k = headerName(name);
    const vs = this.#map.get(k);
    if (vs) vs.push(value);
    else this.#map.set(k, [value]);
  }

  #check() {
    if (this.#immutable) throw new TypeError("Can't modify immutable headers.");
  }

  append(name, value) {
    this.#check();
    this.#add(name, value);
  }

  set(name, value) {
    this.#check();
    value = headerValue(value);
    this.#map.set(headerName(name), [value]);
  }

  delete(name) {
    this.#check();
    this.#map.delete(headerName(name));
  }

  get(name) {
    const vs = this.#map.get(headerName(name));
    return vs === undefined ? null : vs.length === 1 ? vs[0] : vs.join(", ");
  }

  has(name) {
    return this.#map.has(headerName(name));
  }

  getSetCookie() {
    const vs = this.#map.get("set-cookie");
    return vs ? vs.slice() : [];
  }

  // getAll is workerd's legacy spelling of getSetCookie.
  getAll(name) {
    if (String(name).toLowerCase() !== "set-cookie") {
      throw new TypeError('getAll() can only be used with the header name "Set-Cookie".');
    }
    return this.getSetCookie();
  }

  #displayed() {
    const keys = Array.from(this.#map.keys()).sort();
    const out = [];
    for (const k of keys) {
      const vs = this.#map.get(k);
      if (k === "set-cookie") for (const v of vs) out.push([k, v]);
      else out.push([k, vs.join(", ")]);
    }
    return out;
  }

  entries() {
    return new EntryIterator(this.#displayed());
  }

  keys() {
    return new KeyIterator(this.#displayed().map((e) => e[0]));
  }

  values() {
    return new ValueIterator(this.#displayed().map((e) => e[1]));
  }

  forEach(callback, thisArg = undefined) {
    if (typeof callback !== "function") throw new TypeError("Headers.forEach: callback is not a function.");
    for (const [k, v] of this.#displayed()) callback.call(thisArg, v, k, this);
  }

  [Symbol.iterator]() {
    return this.entries();
  }

  get [Symbol.toStringTag]() {
    return "Headers";
  }
}

// iteratorClass makes the class of the iterators Headers returns, named as
// workerd names them (Object.prototype.toString gives "[object EntryIterator]").
function iteratorClass(tag) {
  const C = class {
    #list;
    #i = 0;
    constructor(list) {
      this.#list = list;
    }
    next() {
      if (this.#i < this.#list.length) return { value: this.#list[this.#i++], done: false };
      this.#i = this.#list.length;
      return { value: undefined, done: true };
    }
    [Symbol.iterator]() {
      return this;
    }
  };
  Object.defineProperty(C.prototype, Symbol.toStringTag, { value: tag, configurable: true });
  return C;
}

const EntryIterator = iteratorClass("EntryIterator");
const KeyIterator = iteratorClass("KeyIterator");
const ValueIterator = iteratorClass("ValueIterator");

// headerList returns [[name, value], ...] with one pair per value, for Go.
export function headerList(h) {
  const out = [];
  for (const [k, vs] of headersMap(h)) for (const v of vs) out.push([k, v]);
  return out;
}

// headersFromList builds Headers from pairs that came from Go (already
// valid), optionally immutable.
export function headersFromList(list, immutable) {
  const h = new Headers();
  const m = headersMap(h);
  if (list) {
    for (const [name, v] of list) {
      const k = String(name).toLowerCase();
      const vs = m.get(k);
      if (vs) vs.push(String(v));
      else m.set(k, [String(v)]);
    }
  }
  setUnchecked(h);
  return immutable ? setImmutable(h) : h;
}

// headersFromFlat builds immutable Headers from [..., name, value, ...]
// starting at from, lower-case names from Go's server (already checked, so
// not marked unchecked).
function headersFromFlat(flat, from) {
  const h = new Headers();
  const m = headersMap(h);
  for (let i = from; i + 1 < flat.length; i += 2) {
    const k = flat[i];
    const vs = m.get(k);
    if (vs) vs.push(flat[i + 1]);
    else m.set(k, [flat[i + 1]]);
  }
  return setImmutable(h);
}

// ---- bodies -------------------------------------------------------------------

const USED = "Body has already been used. It can only be used once. Use tee() first if you need to read it twice.";
const DISTURBED = "This ReadableStream is disturbed (has already been read from), and cannot be used as a body.";
const LOCKED = "This ReadableStream is currently locked to a reader.";

// A Go-held body source: { remote: id, signal, done() }.
const remoteRegistry =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry((id) => {
        try {
          call("fetch.bodyCancel", id);
        } catch {
          // the runtime may be closing
        }
      })
    : null;

function remoteSource(id, signal, done) {
  return { remote: id, signal: signal || null, done: done || null, finished: false };
}

function finishRemote(src) {
  if (src.finished) return;
  src.finished = true;
  if (remoteRegistry) remoteRegistry.unregister(src);
  if (src.done) src.done();
}

function remoteError(src, e) {
  if (src.signal && src.signal.aborted) return src.signal.reason;
  return e;
}

// remoteIds maps a stream made by remoteStream to its source, so that a
// response that passes a Go body through untouched (a proxy) hands the id
// back to Go instead of pumping the bytes through JS.
const remoteIds = new WeakMap();

function remoteStream(src) {
  const id = src.remote;
  const { ReadableStream } = streams();
  const s = new ReadableStream(
    {
      type: "bytes",
      async pull(c) {
        const req = c.byobRequest;
        let chunk;
        try {
          chunk = await callAsync("fetch.bodyRead", id, req ? req.view.byteLength : 65536);
        } catch (e) {
          finishRemote(src);
          throw remoteError(src, e);
        }
        if (chunk == null) {
          finishRemote(src);
          c.close();
          if (req) req.respond(0);
          return;
        }
        if (req) {
          new Uint8Array(req.view.buffer, req.view.byteOffset, chunk.byteLength).set(chunk);
          req.respond(chunk.byteLength);
        } else {
          c.enqueue(chunk);
        }
      },
      cancel() {
        if (src.finished) return;
        finishRemote(src);
        call("fetch.bodyCancel", id);
      },
    },
    { highWaterMark: 0 },
  );
  remoteIds.set(s, src);
  return s;
}

async function readRemote(src, asText) {
  try {
    return await callAsync("fetch.bodyReadAll", src.remote, asText);
  } catch (e) {
    throw remoteError(src, e);
  } finally {
    finishRemote(src);
  }
}

function randomHex(n) {
  const b = new Uint8Array(n);
  if (globalThis.crypto && typeof globalThis.crypto.getRandomValues === "function") globalThis.crypto.getRandomValues(b);
  else for (let i = 0; i < n; i++) b[i] = (Math.random() * 256) | 0;
  let s = "";
  for (const x of b) s += (x < 16 ? "0" : "") + x.toString(16);
  return s;
}

// extractBody turns a BodyInit into { src } (string, Uint8Array or a remote
// source) or { stream }, with the Content-Type it implies.
function extractBody(x) {
  if (typeof x === "string") return { src: x, type: "text/plain;charset=UTF-8" };
  if (isReadableStream(x)) {
    if (isDisturbed(x)) throw new TypeError(DISTURBED);
    if (x.locked) throw new TypeError(LOCKED);
    return { stream: x };
  }
  const b = toBytes(x);
  if (b !== null) return { src: b };
  // Blob and FormData are lazy modules: none of their objects exists
  // before they are loaded.
  const bm = loaded("blob");
  if (bm !== undefined && x instanceof bm.Blob) return { src: bm.bytesOf(x), type: x.type || undefined };
  const fm = loaded("formdata");
  if (fm !== undefined && x instanceof fm.FormData) {
    const boundary = randomHex(16);
    return { src: fm.serializeFormData(x, boundary), type: "multipart/form-data; boundary=" + boundary };
  }
  const USP = globalThis.URLSearchParams;
  if (typeof USP === "function" && x instanceof USP) {
    return { src: x.toString(), type: "application/x-www-form-urlencoded;charset=UTF-8" };
  }
  if (x !== null && typeof x === "object" && typeof x[Symbol.asyncIterator] === "function") {
    return { stream: streams().ReadableStream.from(x) };
  }
  return { src: String(x), type: "text/plain;charset=UTF-8" };
}

function bodyIsEmpty(ex) {
  if (ex.stream) return false;
  if (typeof ex.src === "string") return ex.src.length === 0;
  if (ex.src instanceof Uint8Array) return ex.src.byteLength === 0;
  return false;
}

// headersOf returns the Headers of a Request or Response.
function headersOf(o) {
  return o instanceof Request ? requestHeaders(o) : responseHeaders(o);
}

let bodyInit; // (body, extracted|null, headers|null); null headers: see Response
let bodySource; // (body, string|Uint8Array|remote source): a body known to be no stream
let bodyTake; // (body) => extracted|null; the body becomes used
let bodyTakeBuffered; // (body) => string|Uint8Array|null, or undefined for other bodies
let bodyClone; // (body) => extracted|null

class Body {
  #src = null; // string | Uint8Array | remote source
  #stream = null;
  #used = false;

  static {
    bodyInit = (o, ex, headers) => {
      if (!ex) return;
      if (ex.stream) o.#stream = ex.stream;
      else {
        o.#src = ex.src;
        if (ex.src && ex.src.remote !== undefined && remoteRegistry) remoteRegistry.register(o, ex.src.remote, ex.src);
      }
      if (ex.type && headers !== null && !headersMap(headers).has("content-type")) headersMap(headers).set("content-type", [ex.type]);
    };
    bodySource = (o, src) => {
      o.#src = src;
      if (typeof src === "object" && src.remote !== undefined && remoteRegistry) remoteRegistry.register(o, src.remote, src);
    };
    // bodyTakeBuffered takes an unused body held as a string or bytes (or
    // none: null) and returns it, or returns undefined for any other body.
    // With peek, the body is only looked at, and bytes give undefined too.
    bodyTakeBuffered = (o, peek = false) => {
      if (o.#stream !== null || o.#used) return undefined;
      const src = o.#src;
      if (src === null) return null;
      if (typeof src === "string" || (!peek && src instanceof Uint8Array)) {
        if (!peek) o.#used = true;
        return src;
      }
      return undefined;
    };
    bodyTake = (o) => {
      const ex = o.#consume();
      if (ex !== null && ex.stream) {
        // Leave this body disturbed and unusable; the taker owns the stream.
        o.#stream = usedStream();
      }
      return ex;
    };
    bodyClone = (o) => {
      if (o.bodyUsed) throw new TypeError(USED);
      if (o.#stream === null) {
        if (o.#src === null) return null;
        if (o.#src.remote === undefined) return { src: o.#src };
        o.body; // materialize the remote stream so it can be teed
      }
      const [a, b] = o.#stream.tee();
      const n = knownLength.get(o.#stream);
      if (n !== undefined) {
        knownLength.set(a, n);
        knownLength.set(b, n);
      }
      o.#stream = a;
      return { stream: b };
    };
  }

  get body() {
    if (this.#stream !== null) return this.#stream;
    if (this.#src === null) return null;
    if (this.#used) {
      this.#stream = usedStream();
      return this.#stream;
    }
    const src = this.#src;
    if (typeof src === "string") this.#stream = bytesStream(utf8Encode(src));
    else if (src instanceof Uint8Array) this.#stream = bytesStream(src);
    else {
      if (remoteRegistry) {
        remoteRegistry.unregister(src);
      }
      this.#stream = remoteStream(src);
      if (remoteRegistry) remoteRegistry.register(this.#stream, src.remote, src);
    }
    return this.#stream;
  }

  get bodyUsed() {
    if (this.#stream !== null) return isDisturbed(this.#stream);
    return this.#used;
  }

  // #consume marks the body used and returns what to read: null, { src } or
  // { stream }.
  #consume() {
    if (this.bodyUsed) throw new TypeError(USED);
    if (this.#stream !== null) {
      if (this.#stream.locked) throw new TypeError(LOCKED);
      return { stream: this.#stream };
    }
    if (this.#src === null) return null;
    this.#used = true;
    return { src: this.#src };
  }

  async #bytes() {
    const ex = this.#consume();
    if (ex === null) return new Uint8Array(0);
    const src = ex.src;
    if (typeof src === "string") return utf8Encode(src);
    if (src instanceof Uint8Array) return src.slice();
    if (src !== undefined) return (await readRemote(src, false)) || new Uint8Array(0);
    const b = await readAll(ex.stream);
    return b.slice();
  }

  async arrayBuffer() {
    const b = await this.#bytes();
    return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b.buffer : b.slice().buffer;
  }

  async bytes() {
    return this.#bytes();
  }

  async text() {
    const ex = this.#consume();
    if (ex === null) return "";
    const src = ex.src;
    if (typeof src === "string") return src;
    if (src instanceof Uint8Array) return utf8Decode(src);
    if (src !== undefined) return (await readRemote(src, true)) || "";
    return utf8Decode(await readAll(ex.stream));
  }

  async json() {
    return JSON.parse(await this.text());
  }

  async blob() {
    const b = await this.#bytes();
    const type = headersOf(this).get("content-type") || "";
    const { Blob, withBytes } = lazy("blob");
    return withBytes(new Blob([], { type }), b);
  }

  async formData() {
    if (this.bodyUsed) throw new TypeError(USED);
    const ct = headersOf(this).get("content-type");
    if (ct === null) throw new TypeError("Parsing a Body as FormData requires a Content-Type header.");
    const bytes = await this.#bytes();
    return lazy("formdata").parseFormData(bytes, ct);
  }
}

// ---- Request ------------------------------------------------------------------

const METHODS = new Set([
  "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "PURGE", "OPTIONS", "TRACE", "COPY", "LOCK", "MKCOL",
  "MOVE", "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "ACL", "REPORT", "MKACTIVITY", "CHECKOUT", "MERGE",
  "M-SEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE", "QUERY", "BAN",
]);

function normalizeMethod(m) {
  m = String(m);
  if (METHODS.has(m)) return m;
  const u = m.toUpperCase();
  if (METHODS.has(u)) return u;
  throw new TypeError("Invalid HTTP method string: " + m);
}

function parseURL(u) {
  u = String(u);
  const href = parseHref(u);
  if (href === undefined) throw new TypeError("Invalid URL: " + u);
  return href;
}

function parseRedirect(r) {
  r = String(r).toLowerCase();
  if (r === "follow" || r === "manual") return r;
  throw new TypeError(
    'Invalid redirect value, must be one of "follow" or "manual" ("error" won\'t be implemented since it does not make sense at the edge; use "manual" and check the response status code).',
  );
}

function parseCache(c) {
  c = String(c);
  if (c === "no-store" || c === "no-cache" || c === "reload") return c;
  throw new TypeError("Unsupported cache mode: " + c);
}

function cloneCf(cf) {
  if (cf === undefined || cf === null) return undefined;
  if (typeof globalThis.structuredClone === "function") return globalThis.structuredClone(cf);
  return JSON.parse(JSON.stringify(cf));
}

const INTERNAL = Symbol("internal");
let requestParts; // (Request) => fields for fetch()
let requestHeaders; // (Request) => Headers

export class Request extends Body {
  #method = "GET";
  #url = "";
  #headers = null; // null while #raw holds the header list
  #raw = null; // [[name, value]...] from Go, made into immutable Headers on first use
  #rawFrom = -1; // >= 0: #raw is [..., name, value, ...] from this index (toJSRequest's wire form)
  #redirect = "follow";
  #signal = null;
  #thisSignal = null;
  #cf = undefined;
  #cache = undefined;

  static {
    requestHeaders = (r) => r.#headers ?? r.#materialize();
    requestParts = (r) => ({
      method: r.#method,
      url: r.#url,
      headers: r.#headers ?? r.#materialize(),
      redirect: r.#redirect,
      signal: r.#signal,
      cf: r.#cf,
      body: bodyTake(r),
    });
  }

  constructor(input, init = undefined) {
    super();
    if (input === INTERNAL) {
      // Internal construction: init carries the finished fields.
      this.#method = init.method;
      this.#url = init.url;
      if (init.raw !== undefined) {
        // A request from Go: its headers are valid and become Headers only
        // when touched; its body is never a stream.
        this.#raw = init.raw;
        if (init.rawFrom !== undefined) this.#rawFrom = init.rawFrom;
        if (init.body !== null) bodySource(this, init.body);
      } else {
        this.#headers = init.headers;
        bodyInit(this, init.body, this.#headers);
      }
      if (init.redirect !== undefined) this.#redirect = init.redirect || "follow";
      if (init.signal) this.#signal = init.signal;
      if (init.cf !== undefined) this.#cf = init.cf;
      if (init.cache !== undefined) this.#cache = init.cache;
      return;
    }
    if (arguments.length < 1) {
      throw new TypeError("Failed to construct 'Request': 1 argument required, but only 0 present.");
    }
    let method = "GET";
    let url;
    let headers;
    let redirect = "follow";
    let signal = null;
    let cf;
    let cache;
    let body = null;
    if (input instanceof Request) {
      url = input.#url;
      method = input.#method;
      headers = new Headers(input.#headers ?? input.#materialize());
      cf = cloneCf(input.#cf);
      redirect = input.#redirect;
      signal = input.#signal;
      cache = input.#cache;
      const replaced = init instanceof Request || (init != null && init.body !== undefined);
      if (!replaced) {
        if (input.bodyUsed) throw new TypeError("Cannot reconstruct a Request with a used body.");
        body = bodyTake(input);
      }
    } else {
      url = parseURL(input);
    }
    if (init instanceof Request) {
      method = init.#method;
      redirect = init.#redirect;
      cache = init.#cache;
      signal = init.#signal;
      headers = new Headers(init.#headers ?? init.#materialize());
      cf = cloneCf(init.#cf);
      body = bodyClone(init);
    } else if (init !== undefined && init !== null) {
      if (typeof init !== "object") throw new TypeError("Failed to construct 'Request': cannot convert init to a dictionary.");
      if (init.integrity !== undefined && String(init.integrity) !== "") {
        throw new TypeError(
          "Subrequest integrity checking is not implemented. The integrity option must be either undefined or an empty string.",
        );
      }
      if (init.method !== undefined) method = normalizeMethod(init.method);
      if (init.headers !== undefined) headers = new Headers(init.headers);
      if (init.signal !== undefined) signal = init.signal;
      if (init.cf !== undefined) cf = cloneCf(init.cf);
      if (init.body !== undefined && init.body !== null) {
        body = extractBody(init.body);
        if (method === "GET" || method === "HEAD") {
          throw new TypeError("Request with a GET or HEAD method cannot have a body.");
        }
      } else if (init.body === null) {
        body = null;
      }
      if (init.redirect !== undefined) redirect = parseRedirect(init.redirect);
      if (init.cache !== undefined) cache = parseCache(init.cache);
      if ((init.method !== undefined || init.body !== undefined) && body !== null && (method === "GET" || method === "HEAD")) {
        throw new TypeError("Request with a GET or HEAD method cannot have a body.");
      }
    }
    if (signal !== null && signal !== undefined && typeof signal !== "object") {
      throw new TypeError("Failed to construct 'Request': member signal is not of type AbortSignal.");
    }
    this.#method = method;
    this.#url = url;
    this.#headers = headers || new Headers();
    this.#redirect = redirect;
    this.#signal = signal || null;
    this.#cf = cf;
    this.#cache = cache;
    bodyInit(this, body, this.#headers);
  }

  get method() {
    return this.#method;
  }

  get url() {
    return this.#url;
  }

  get headers() {
    return this.#headers ?? this.#materialize();
  }

  #materialize() {
    this.#headers = this.#rawFrom >= 0 ? headersFromFlat(this.#raw, this.#rawFrom) : headersFromList(this.#raw, true);
    this.#raw = null;
    return this.#headers;
  }

  get redirect() {
    return this.#redirect;
  }

  get signal() {
    if (this.#signal) return this.#signal;
    if (this.#thisSignal === null && typeof globalThis.AbortController === "function") {
      this.#thisSignal = new globalThis.AbortController().signal;
    }
    return this.#thisSignal;
  }

  get cf() {
    return this.#cf;
  }

  get cache() {
    return this.#cache;
  }

  get integrity() {
    return "";
  }

  get keepalive() {
    return false;
  }

  get fetcher() {
    return null;
  }

  clone() {
    if (this.#headers === null) this.#materialize();
    const headers = setImmutableLike(new Headers(this.#headers), this.#headers);
    return new Request(INTERNAL, {
      method: this.#method,
      url: this.#url,
      headers,
      redirect: this.#redirect,
      signal: this.#signal,
      cf: cloneCf(this.#cf),
      cache: this.#cache,
      body: bodyClone(this),
    });
  }

  get [Symbol.toStringTag]() {
    return "Request";
  }
}

function setImmutableLike(copy, orig) {
  return isImmutable(orig) ? setImmutable(copy) : copy;
}

export { requestParts };

// ---- Response -----------------------------------------------------------------

const STATUS_TEXT = {
  100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
  200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information", 204: "No Content",
  205: "Reset Content", 206: "Partial Content", 207: "Multi-Status", 208: "Already Reported", 226: "IM Used",
  300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
  305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
  400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
  405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required", 408: "Request Timeout",
  409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Payload Too Large",
  414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable", 417: "Expectation Failed",
  418: "I'm a teapot", 421: "Misdirected Request", 422: "Unprocessable Entity", 423: "Locked",
  424: "Failed Dependency", 426: "Upgrade Required", 428: "Precondition Required", 429: "Too Many Requests",
  431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
  500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
  504: "Gateway Timeout", 505: "HTTP Version Not Supported", 506: "Variant Also Negotiates",
  507: "Insufficient Storage", 508: "Loop Detected", 510: "Not Extended", 511: "Network Authentication Required",
};

export function defaultStatusText(status) {
  const t = STATUS_TEXT[status];
  if (t !== undefined) return t;
  if (status >= 200 && status < 300) return "Successful";
  if (status >= 300 && status < 400) return "Redirection";
  if (status >= 400 && status < 500) return "Client Error";
  if (status >= 500 && status < 600) return "Server Error";
  return "";
}

const NULL_BODY = new Set([101, 204, 205, 304]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
let responseParts; // (Response) => fields for the exchange
let responseHeaders0, responseCtype; // (Response) => #headers (maybe null), #ctype
let responseHeaders, responseList, responseStatus, responseStatusText, responseWebSocket; // (Response) => field
let textResponse; // (text, content type) => a 200 Response with that body
let setURLList; // (Response, urls) => the Response, with its url list set

export class Response extends Body {
  #status = 200;
  #statusText = null; // null: none given ("" to JS, the default reason phrase on the wire)
  #headers = null; // null until touched when #ctype says what they hold
  #ctype = null; // the only header of a response whose #headers is null
  #type = "default";
  #urlList = null; // null: []
  #webSocket = null;
  #cf = undefined;

  static {
    responseParts = (r) => ({
      status: r.#status,
      statusText: r.statusText,
      headers: r.#headers ?? r.#materialize(),
      webSocket: r.#webSocket,
    });
    responseHeaders = (r) => r.#headers ?? r.#materialize();
    responseHeaders0 = (r) => r.#headers;
    responseCtype = (r) => r.#ctype;
    // responseList is the header list of r for Go, without making Headers.
    responseList = (r) => (r.#headers !== null ? headerList(r.#headers) : r.#ctype === null ? [] : [["content-type", r.#ctype]]);
    responseStatus = (r) => r.#status;
    // The reason phrase on the wire: the default one for an empty statusText.
    responseStatusText = (r) => r.#statusText || defaultStatusText(r.#status);
    responseWebSocket = (r) => r.#webSocket;
    setURLList = (r, urls) => {
      r.#urlList = urls;
      return r;
    };
    textResponse = (text, ctype) => {
      const r = new Response(INTERNAL, null);
      r.#ctype = ctype;
      bodySource(r, text);
      return r;
    };
  }

  constructor(body = null, init = undefined) {
    super();
    if (body === INTERNAL) {
      if (init === null) return; // textResponse fills it in
      this.#status = init.status;
      this.#statusText = init.statusText ?? null;
      this.#headers = init.headers;
      this.#type = init.type || "default";
      this.#urlList = init.urlList || null;
      this.#cf = init.cf;
      this.#webSocket = init.webSocket || null;
      bodyInit(this, init.body, this.#headers);
      return;
    }
    if (init === undefined && typeof body === "string") {
      // new Response(text), the commonest response: its headers are made
      // only when touched.
      this.#ctype = "text/plain;charset=UTF-8";
      bodySource(this, body);
      return;
    }
    let status = 200;
    let statusText = null;
    let headers;
    let cf;
    let webSocket = null;
    if (init instanceof Response) {
      status = init.#status;
      statusText = init.#statusText;
      headers = new Headers(init.#headers ?? init.#materialize());
      cf = cloneCf(init.#cf);
      webSocket = init.#webSocket;
    } else if (init !== undefined && init !== null) {
      if (typeof init !== "object") throw new TypeError("Failed to construct 'Response': cannot convert init to a dictionary.");
      if (init.status !== undefined) status = Math.trunc(Number(init.status)) || 0;
      if (init.statusText !== undefined) statusText = String(init.statusText);
      if (init.headers !== undefined) headers = new Headers(init.headers);
      if (init.cf !== undefined) cf = cloneCf(init.cf);
      if (init.webSocket !== undefined && init.webSocket !== null) webSocket = init.webSocket;
      if (init.encodeBody !== undefined && init.encodeBody !== "manual" && init.encodeBody !== "automatic") {
        throw new TypeError("encodeBody: unexpected value: " + init.encodeBody);
      }
    }
    if (webSocket === null) {
      if (!(status >= 200 && status <= 599)) {
        throw new RangeError("Responses may only be constructed with status codes in the range 200 to 599, inclusive.");
      }
    } else if (status !== 101) {
      throw new RangeError("Responses with a WebSocket must have status code 101.");
    }
    if (statusText !== null) {
      for (let i = 0; i < statusText.length; i++) {
        if (statusText.charCodeAt(i) < 0x20) throw new TypeError("Invalid statusText");
      }
    }
    headers = headers || new Headers();
    let ex = null;
    if (body !== null && body !== undefined) {
      ex = extractBody(body);
      if (NULL_BODY.has(status)) {
        if (!bodyIsEmpty(ex)) {
          throw new TypeError("Response with null body status (101, 204, 205, or 304) cannot have a body.");
        }
        ex = null;
      }
    }
    this.#status = status;
    this.#statusText = statusText;
    this.#headers = headers;
    this.#cf = cf;
    this.#webSocket = webSocket;
    bodyInit(this, ex, headers);
  }

  static error() {
    // Its headers stay mutable, as in workerd.
    return new Response(INTERNAL, { status: 0, statusText: "", headers: new Headers(), type: "error" });
  }

  static redirect(url, status = 302) {
    status = Math.trunc(Number(status)) || 0;
    if (!REDIRECTS.has(status)) {
      throw new RangeError(status + " is not a redirect status code. It must be one of: 301, 302, 303, 307, or 308.");
    }
    let href;
    const URLClass = globalThis.URL;
    if (typeof URLClass === "function") {
      try {
        href = new URLClass(String(url)).href;
      } catch {
        throw new TypeError("Unable to parse URL: " + url);
      }
    } else href = String(url);
    if (badValueRe.test(href)) throw new TypeError("Redirect URL cannot contain '\\r', '\\n', or '\\0': " + url);
    const headers = new Headers();
    headersMap(headers).set("location", [href]);
    return new Response(INTERNAL, { status, headers: setImmutable(headers) });
  }

  static json(data, init = undefined) {
    const text = JSON.stringify(data);
    if ((init === undefined || init === null) && typeof text === "string") return textResponse(text, "application/json");
    let dict;
    if (init instanceof Response) {
      dict = {
        status: init.#status,
        statusText: init.#statusText ?? undefined,
        headers: new Headers(init.#headers ?? init.#materialize()),
        cf: init.#cf,
        webSocket: init.#webSocket,
      };
    } else if (init !== undefined && init !== null) {
      dict = Object.assign({}, init);
      dict.headers = new Headers(init.headers);
    } else {
      dict = { headers: new Headers() };
    }
    if (!dict.headers.has("content-type")) dict.headers.set("content-type", "application/json");
    return new Response(text, dict);
  }

  get status() {
    return this.#status;
  }

  get statusText() {
    // workerd leaves it empty unless given (a fetch() response has the
    // reason phrase it arrived with).
    return this.#statusText ?? "";
  }

  get ok() {
    return this.#status >= 200 && this.#status < 300;
  }

  get redirected() {
    return this.#urlList !== null && this.#urlList.length > 1;
  }

  get url() {
    return this.#urlList !== null && this.#urlList.length > 0 ? this.#urlList[this.#urlList.length - 1] : "";
  }

  get type() {
    return this.#type;
  }

  get headers() {
    return this.#headers ?? this.#materialize();
  }

  #materialize() {
    const h = new Headers();
    if (this.#ctype !== null) headersMap(h).set("content-type", [this.#ctype]);
    this.#headers = h;
    return h;
  }

  get webSocket() {
    return this.#webSocket;
  }

  get cf() {
    return this.#cf;
  }

  clone() {
    if (this.#webSocket !== null) throw new TypeError("Cannot clone a response to a WebSocket handshake.");
    const headers = this.#headers ?? this.#materialize();
    return new Response(INTERNAL, {
      status: this.#status,
      statusText: this.#statusText,
      headers: setImmutableLike(new Headers(headers), headers),
      type: this.#type,
      urlList: this.#urlList === null ? null : this.#urlList.slice(),
      cf: cloneCf(this.#cf),
      body: bodyClone(this),
    });
  }

  get [Symbol.toStringTag]() {
    return "Response";
  }
}

// withURLList sets the URLs a response was fetched through (its url is the
// last; it is redirected if there are several): for fetches made in JS.
export function withURLList(r, urls) {
  return setURLList(r, urls);
}

// dataURLResponse is the Response of a fetch() of a data: URL (the fetch
// spec's data: URL processor): its media type, "text/plain;charset=US-ASCII"
// if none, and its body, percent-decoded then, with ";base64", base64-decoded.
export function dataURLResponse(url) {
  const bad = () => new TypeError("Fetch API cannot load: " + url);
  let rest = url.slice(5);
  const hash = rest.indexOf("#");
  if (hash >= 0) rest = rest.slice(0, hash);
  const comma = rest.indexOf(",");
  if (comma < 0) throw bad();
  let type = rest.slice(0, comma).replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, "");
  let bytes = percentDecode(rest.slice(comma + 1));
  const b64 = /;[\t\n\f\r ]*base64[\t\n\f\r ]*$/i.exec(type);
  if (b64) {
    type = type.slice(0, b64.index);
    let bin;
    try {
      bin = globalThis.atob(String.fromCharCode.apply(null, bytes));
    } catch {
      throw bad();
    }
    bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  }
  if (type.startsWith(";")) type = "text/plain" + type;
  if (type === "" || !/^[^\/\s;]+\/[^\/\s;]+/.test(type)) type = "text/plain;charset=US-ASCII";
  const headers = new Headers();
  headersMap(headers).set("content-type", [type]);
  return new Response(INTERNAL, { status: 200, statusText: "OK", headers: setImmutable(headers), urlList: [url], body: extractBody(bytes) });
}

function percentDecode(s) {
  const b = utf8Encode(s);
  const out = new Uint8Array(b.length);
  let n = 0;
  const hex = (c) => (c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1);
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 37 && i + 2 < b.length && hex(b[i + 1]) >= 0 && hex(b[i + 2]) >= 0) {
      out[n++] = hex(b[i + 1]) * 16 + hex(b[i + 2]);
      i += 2;
    } else out[n++] = b[i];
  }
  return out.subarray(0, n);
}

// makeFetchResponse builds the Response of a fetch() from what Go returned.
export function makeFetchResponse(r, signal, done) {
  const body = r.body == null ? null : { src: remoteSource(r.body, signal, done) };
  if (body === null && done) done();
  const urlList = r.redirected ? [r.url, r.url] : [r.url];
  return new Response(INTERNAL, {
    status: r.status,
    statusText: r.statusText,
    headers: headersFromList(r.headers, true),
    urlList,
    body,
  });
}

// ---- the inbound exchange -------------------------------------------------------

// toJSRequest turns what the Go server sends for an inbound HTTP request
// ({method, url, headers: [[k, v]...], body: streamId | bytes | null, cf}) into the
// Request given to the worker: immutable headers, a body pulled from Go.
// The headers become a Headers object only if the worker reads them. init
// may also be the compact string of fetch.Exchange.Wire: method "\n" url
// "\n" body id or "" "\n" then name "\n" value "\n" for each header, after
// "\n" length "\n" text for a small text body.
export function toJSRequest(init) {
  if (typeof init === "string") {
    let text = null;
    if (init.charCodeAt(0) === 10) {
      // "\n" length "\n" text: a small body Go read at once.
      const nl = init.indexOf("\n", 1);
      const end = nl + 1 + Number(init.slice(1, nl));
      text = init.slice(nl + 1, end);
      init = init.slice(end);
    }
    const f = init.split("\n");
    return new Request(INTERNAL, {
      method: f[0],
      url: f[1],
      raw: f,
      rawFrom: 3,
      body: text !== null ? text : f[2] === "" ? null : remoteSource(Number(f[2])),
    });
  }
  return new Request(INTERNAL, {
    method: init.method,
    url: init.url,
    raw: init.headers || [],
    cf: init.cf ?? undefined,
    body: requestBody(init.body),
  });
}

// requestBody accepts a Go stream id, or a whole body as bytes or a string,
// and returns the body source (null for none).
function requestBody(b) {
  if (b === null || b === undefined) return null;
  if (typeof b === "number") return remoteSource(b);
  if (typeof b === "string") return b;
  return toBytes(b) || new Uint8Array(0);
}

function errorText(e) {
  if (e instanceof Error) return (e.name || "Error") + ": " + e.message;
  return String(e);
}

// pumpToGo copies a stream into the Go pipe id chunk by chunk; each write
// completes when Go has consumed it. An error closes the pipe with it.
export async function pumpToGo(stream, id) {
  let reader;
  try {
    reader = stream.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const b = toBytes(value);
      if (b === null) throw new TypeError(notBytesMessage);
      if (b.byteLength === 0) continue;
      await callAsync("fetch.bodyWrite", id, b);
    }
    call("fetch.bodyClose", id, null);
  } catch (e) {
    try {
      call("fetch.bodyClose", id, errorText(e));
    } catch {
      // already closed by Go
    }
    if (reader) reader.cancel(e).catch(() => {});
  }
}

// goBody returns the form in which a taken body crosses to Go:
// { body } for a buffered one, { stream } with a Go stream id otherwise.
export function goBody(ex) {
  if (ex === null) return { body: null, stream: null, length: null };
  if (ex.src !== undefined) {
    const src = ex.src;
    if (src.remote !== undefined) {
      finishRemote(src);
      return { body: null, stream: src.remote, length: null };
    }
    return { body: src, stream: null, length: null };
  }
  const s = ex.stream;
  const length = knownLength.get(s) ?? null;
  const rsrc = remoteIds.get(s);
  if (rsrc !== undefined && !rsrc.finished && !isDisturbed(s) && !s.locked) {
    // An untouched Go body: hand the id back instead of pumping it.
    markDisturbed(s);
    s.getReader();
    finishRemote(rsrc);
    return { body: null, stream: rsrc.remote, length };
  }
  const id = call("fetch.pipe");
  pumpToGo(s, id);
  return { body: null, stream: id, length };
}

// fromJSResponse turns the worker's Response into what the Go server sends:
// {status, statusText, headers: [[k, v]...], body: string | Uint8Array | null,
// stream: id | null, length: number | null, webSocket}. A buffered body is
// sent whole; a stream is pumped into a Go pipe in the background.
export async function fromJSResponse(resp) {
  return responseDoc(resp);
}

// responseWire is responseDoc in the compact string form of
// fetch.Exchange.Response, for a request that came in the compact form: no
// JSON on the way out. A response it cannot express (a stream, bytes, a
// WebSocket, header values from Go unchecked for newlines) gets the
// document.
export function responseWire(resp) {
  if (!(resp instanceof Response) || responseWebSocket(resp) !== null) return responseDoc(resp);
  const h = responseHeaders0(resp);
  if (h !== null && isUnchecked(h)) return responseDoc(resp);
  const statusText = responseStatusText(resp);
  if (statusText.indexOf("\n") >= 0) return responseDoc(resp);
  const src = bodyTakeBuffered(resp, true);
  if (src === undefined) return responseDoc(resp);
  let out = responseStatus(resp) + "\n" + statusText + (src === null ? "\nn\n" : "\ns\n");
  if (h === null) {
    const ct = responseCtype(resp);
    out += ct === null ? "0\n" : "1\ncontent-type\n" + ct + "\n";
  } else {
    let n = 0;
    let lines = "";
    for (const [k, vs] of headersMap(h)) {
      for (let i = 0; i < vs.length; i++) {
        lines += k + "\n" + vs[i] + "\n";
        n++;
      }
    }
    out += n + "\n" + lines;
  }
  bodyTakeBuffered(resp);
  return src === null ? out : out + src;
}

// responseDoc is fromJSResponse without the promise, for hooks that are
// already async.
export function responseDoc(resp) {
  if (!(resp instanceof Response)) {
    throw new TypeError("Incorrect type for Promise: the Promise did not resolve to 'Response'.");
  }
  const ws = responseWebSocket(resp);
  let body = null;
  let stream = null;
  let length = null;
  if (ws === null) {
    const src = bodyTakeBuffered(resp);
    if (src !== undefined) body = src;
    else {
      if (resp.bodyUsed) throw new TypeError(USED);
      const out = goBody(bodyTake(resp));
      body = out.body;
      stream = out.stream;
      length = out.length;
    }
  }
  return {
    status: responseStatus(resp),
    statusText: responseStatusText(resp),
    headers: responseList(resp),
    body,
    stream,
    length,
    // A WebSocket crosses to Go as the id of its Go-side end (websocket.js).
    webSocket: ws === null ? null : lazy("websocket").wsHandle(ws),
  };
}

for (const [k, v] of Object.entries({ Headers, Request, Response })) {
  Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true });
}
