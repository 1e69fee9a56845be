// url.js: URL and URLSearchParams, a lazy module (js/build lazyModules):
// parsing itself is urlparse.js, which Request's constructor uses without
// loading this. URLPattern (urlpattern-polyfill, a chunk that uses this
// URL) is declared in lazy.js.
//
// URL parsing and the setters run in Go ("url.parse", "url.set";
// internal/webapi/url, on github.com/nlnwa/whatwg-url, which passes WPT's
// urltestdata and setters tests). One parse returns every component, which
// the URL object caches, so getters never cross to Go; a setter sends the
// current href and the new value and takes all components back.
//
// URLSearchParams is pure JS: application/x-www-form-urlencoded parsing and
// serialization (native encodeURIComponent/decodeURIComponent with the
// differences of the form serializer patched in), live and two-way bound to
// its URL.
import { call, lazy } from "./host.js";
import { HREF, ORIGIN, PROTOCOL, USERNAME, PASSWORD, HOST, HOSTNAME, PORT, PATHNAME, SEARCH, HASH, usv, parts, parse } from "./urlparse.js";
// encoding.js is a lazy module: loaded by the first URL that needs
// percent-encoding or decoding.
const encodeUTF8 = (s) => lazy("encoding").encodeUTF8(s);

function illegal() {
  return new TypeError("Illegal invocation");
}

// ---- URLSearchParams ----

const formSpecial = { "!": "%21", "'": "%27", "(": "%28", ")": "%29", "~": "%7E", "%20": "+" };

// formEncode is the application/x-www-form-urlencoded byte serializer of one
// (well-formed) string.
function formEncode(s) {
  return encodeURIComponent(s).replace(/[!'()~]|%20/g, (c) => formSpecial[c]);
}

// percentDecodeUTF8 percent-decodes s to bytes and decodes them as UTF-8
// with replacement, for inputs decodeURIComponent refuses.
function percentDecodeUTF8(s) {
  const parts = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 0x25 && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      if (i > start) parts.push(encodeUTF8(s.slice(start, i)));
      parts.push(Uint8Array.of(parseInt(s.slice(i + 1, i + 3), 16)));
      i += 2;
      start = i + 1;
    }
  }
  if (start < s.length) parts.push(encodeUTF8(s.slice(start)));
  let n = 0;
  for (const p of parts) n += p.length;
  const bytes = new Uint8Array(n);
  n = 0;
  for (const p of parts) {
    bytes.set(p, n);
    n += p.length;
  }
  return new (lazy("encoding").TextDecoder)().decode(bytes);
}

function formDecode(s) {
  if (s.indexOf("+") >= 0) s = s.replace(/\+/g, " ");
  if (s.indexOf("%") < 0) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return percentDecodeUTF8(s);
  }
}

function parseQuery(q) {
  const list = [];
  if (q === "") return list;
  for (const seq of q.split("&")) {
    if (seq === "") continue;
    const eq = seq.indexOf("=");
    const name = eq < 0 ? seq : seq.slice(0, eq);
    const value = eq < 0 ? "" : seq.slice(eq + 1);
    list.push([formDecode(name), formDecode(value)]);
  }
  return list;
}

let linkParams, resetParams;

export class URLSearchParams {
  #list = [];
  #onUpdate = null; // set when the object belongs to a URL

  constructor(init = undefined) {
    if (init === undefined || init === null) {
      if (init === null) this.#list = parseQuery("null");
      return;
    }
    if (typeof init === "object" || typeof init === "function") {
      if (init instanceof URLSearchParams) {
        this.#list = init.#list.map((p) => [p[0], p[1]]);
        return;
      }
      if (typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          if (pair === null || (typeof pair !== "object" && typeof pair !== "function") || typeof pair[Symbol.iterator] !== "function") {
            throw new TypeError("Invalid URL search params sequence.");
          }
          const p = Array.from(pair);
          if (p.length !== 2) throw new TypeError("Invalid URL search params sequence.");
          this.#list.push([usv(p[0]), usv(p[1])]);
        }
        return;
      }
      for (const key of Reflect.ownKeys(init)) {
        if (typeof key !== "string") continue;
        const d = Reflect.getOwnPropertyDescriptor(init, key);
        if (d === undefined || !d.enumerable) continue;
        const name = usv(key);
        const value = usv(init[key]);
        const i = this.#list.findIndex((p) => p[0] === name);
        if (i >= 0) this.#list[i][1] = value;
        else this.#list.push([name, value]);
      }
      return;
    }
    let s = usv(init);
    if (s.charCodeAt(0) === 0x3f) s = s.slice(1);
    this.#list = parseQuery(s);
  }

  static {
    linkParams = (sp, onUpdate, query) => {
      sp.#onUpdate = onUpdate;
      sp.#list = parseQuery(query);
    };
    resetParams = (sp, query) => {
      sp.#list = parseQuery(query);
    };
  }

  #update() {
    if (this.#onUpdate) this.#onUpdate(this.toString());
  }

  get size() {
    if (!(#list in this)) throw illegal();
    return this.#list.length;
  }

  append(name, value) {
    if (!(#list in this)) throw illegal();
    if (arguments.length < 2) throw new TypeError("Failed to execute 'append' on 'URLSearchParams': 2 arguments required.");
    this.#list.push([usv(name), usv(value)]);
    this.#update();
  }

  delete(name, value = undefined) {
    if (!(#list in this)) throw illegal();
    if (arguments.length < 1) throw new TypeError("Failed to execute 'delete' on 'URLSearchParams': 1 argument required.");
    name = usv(name);
    if (value === undefined) {
      this.#list = this.#list.filter((p) => p[0] !== name);
    } else {
      value = usv(value);
      this.#list = this.#list.filter((p) => p[0] !== name || p[1] !== value);
    }
    this.#update();
  }

  get(name) {
    if (!(#list in this)) throw illegal();
    if (arguments.length < 1) throw new TypeError("Failed to execute 'get' on 'URLSearchParams': 1 argument required.");
    name = usv(name);
    const list = this.#list;
    for (let i = 0; i < list.length; i++) if (list[i][0] === name) return list[i][1];
    return null;
  }

  getAll(name) {
    if (!(#list in this)) throw illegal();
    if (arguments.length < 1) throw new TypeError("Failed to execute 'getAll' on 'URLSearchParams': 1 argument required.");
    name = usv(name);
    return this.#list.filter((p) => p[0] === name).map((p) => p[1]);
  }

  has(name, value = undefined) {
    if (!(#list in this)) throw illegal();
    if (arguments.length < 1) throw new TypeError("Failed to execute 'has' on 'URLSearchParams': 1 argument required.");
    name = usv(name);
    if (value === undefined) {
      const list = this.#list;
      for (let i = 0; i < list.length; i++) if (list[i][0] === name) return true;
      return false;
    }
    value = usv(value);
    return this.#list.some((p) => p[0] === name && p[1] === value);
  }

  set(name, value) {
    if (!(#list in this)) throw illegal();
    if (arguments.length < 2) throw new TypeError("Failed to execute 'set' on 'URLSearchParams': 2 arguments required.");
    name = usv(name);
    value = usv(value);
    const i = this.#list.findIndex((p) => p[0] === name);
    if (i < 0) {
      this.#list.push([name, value]);
    } else {
      this.#list[i][1] = value;
      this.#list = this.#list.filter((p, j) => j <= i || p[0] !== name);
    }
    this.#update();
  }

  sort() {
    if (!(#list in this)) throw illegal();
    this.#list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.#update();
  }

  forEach(callback, thisArg = undefined) {
    if (!(#list in this)) throw illegal();
    if (typeof callback !== "function") {
      throw new TypeError("Failed to execute 'forEach' on 'URLSearchParams': parameter 1 is not of type 'Function'.");
    }
    for (let i = 0; i < this.#list.length; i++) {
      const [k, v] = this.#list[i];
      callback.call(thisArg, v, k, this);
    }
  }

  entries() {
    if (!(#list in this)) throw illegal();
    return new ParamsIterator(() => this.#list, "entries");
  }
  keys() {
    if (!(#list in this)) throw illegal();
    return new ParamsIterator(() => this.#list, "keys");
  }
  values() {
    if (!(#list in this)) throw illegal();
    return new ParamsIterator(() => this.#list, "values");
  }
  [Symbol.iterator]() {
    return this.entries();
  }

  toString() {
    if (!(#list in this)) throw illegal();
    let out = "";
    for (let i = 0; i < this.#list.length; i++) {
      if (i > 0) out += "&";
      out += formEncode(this.#list[i][0]) + "=" + formEncode(this.#list[i][1]);
    }
    return out;
  }
}

const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));

// ParamsIterator is live, as WebIDL's pair iterators are: it walks the
// current list by index.
class ParamsIterator {
  #list;
  #kind;
  #i = 0;
  constructor(list, kind) {
    this.#list = list;
    this.#kind = kind;
  }
  next() {
    if (!(#list in this)) throw illegal();
    const list = this.#list();
    if (this.#i >= list.length) return { value: undefined, done: true };
    const [k, v] = list[this.#i++];
    return { value: this.#kind === "keys" ? k : this.#kind === "values" ? v : [k, v], done: false };
  }
}
Object.setPrototypeOf(ParamsIterator.prototype, IteratorPrototype);
Object.defineProperty(ParamsIterator.prototype, Symbol.toStringTag, { value: "URLSearchParams Iterator", configurable: true });

// ---- URL ----

export class URL {
  #p;
  #sp = null;

  constructor(url, base = undefined) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'URL': 1 argument required, but only 0 present.");
    const p = parse(url, base);
    if (p === undefined) throw new TypeError("Invalid URL string.");
    this.#p = p;
  }

  static canParse(url, base = undefined) {
    if (arguments.length === 0) throw new TypeError("Failed to execute 'canParse' on 'URL': 1 argument required, but only 0 present.");
    return parse(url, base) !== undefined;
  }

  static parse(url, base = undefined) {
    if (arguments.length === 0) throw new TypeError("Failed to execute 'parse' on 'URL': 1 argument required, but only 0 present.");
    try {
      return new URL(url, base);
    } catch {
      return null;
    }
  }

  static createObjectURL() {
    throw new Error("URL.createObjectURL() is not implemented");
  }

  static revokeObjectURL() {
    throw new Error("URL.revokeObjectURL() is not implemented");
  }

  #set(name, value) {
    const p = parts(call("url.set", this.#p[HREF], name, usv(value)));
    if (p === undefined) {
      throw new TypeError("Failed to set the 'href' property on 'URL': the provided value is not of type 'valid URL string'.");
    }
    this.#p = p;
    if (this.#sp && (name === "href" || name === "search")) resetParams(this.#sp, p[SEARCH].slice(1));
  }

  get href() {
    if (!(#p in this)) throw illegal();
    return this.#p[HREF];
  }
  set href(v) {
    if (!(#p in this)) throw illegal();
    this.#set("href", v);
  }
  get origin() {
    if (!(#p in this)) throw illegal();
    return this.#p[ORIGIN];
  }
  get protocol() {
    if (!(#p in this)) throw illegal();
    return this.#p[PROTOCOL];
  }
  set protocol(v) {
    if (!(#p in this)) throw illegal();
    this.#set("protocol", v);
  }
  get username() {
    if (!(#p in this)) throw illegal();
    return this.#p[USERNAME];
  }
  set username(v) {
    if (!(#p in this)) throw illegal();
    this.#set("username", v);
  }
  get password() {
    if (!(#p in this)) throw illegal();
    return this.#p[PASSWORD];
  }
  set password(v) {
    if (!(#p in this)) throw illegal();
    this.#set("password", v);
  }
  get host() {
    if (!(#p in this)) throw illegal();
    return this.#p[HOST];
  }
  set host(v) {
    if (!(#p in this)) throw illegal();
    this.#set("host", v);
  }
  get hostname() {
    if (!(#p in this)) throw illegal();
    return this.#p[HOSTNAME];
  }
  set hostname(v) {
    if (!(#p in this)) throw illegal();
    this.#set("hostname", v);
  }
  get port() {
    if (!(#p in this)) throw illegal();
    return this.#p[PORT];
  }
  set port(v) {
    if (!(#p in this)) throw illegal();
    this.#set("port", v);
  }
  get pathname() {
    if (!(#p in this)) throw illegal();
    return this.#p[PATHNAME];
  }
  set pathname(v) {
    if (!(#p in this)) throw illegal();
    this.#set("pathname", v);
  }
  get search() {
    if (!(#p in this)) throw illegal();
    return this.#p[SEARCH];
  }
  set search(v) {
    if (!(#p in this)) throw illegal();
    this.#set("search", v);
  }
  get searchParams() {
    if (!(#p in this)) throw illegal();
    if (this.#sp === null) {
      const sp = new URLSearchParams();
      linkParams(
        sp,
        (serialized) => {
          this.#p = parts(call("url.set", this.#p[HREF], "search", serialized));
        },
        this.#p[SEARCH].slice(1),
      );
      this.#sp = sp;
    }
    return this.#sp;
  }
  get hash() {
    if (!(#p in this)) throw illegal();
    return this.#p[HASH];
  }
  set hash(v) {
    if (!(#p in this)) throw illegal();
    this.#set("hash", v);
  }
  toString() {
    if (!(#p in this)) throw illegal();
    return this.#p[HREF];
  }
  toJSON() {
    if (!(#p in this)) throw illegal();
    return this.#p[HREF];
  }
}

// Names are set explicitly: the bundler renames URL (the polyfill refers to
// the global of that name).
for (const [name, C] of Object.entries({ URL, URLSearchParams })) {
  Object.defineProperty(C, "name", { value: name, configurable: true });
  Object.defineProperty(C.prototype, Symbol.toStringTag, { value: name, configurable: true });
}
for (const [name, value] of Object.entries({ URL, URLSearchParams })) {
  Object.defineProperty(globalThis, name, { value, writable: true, enumerable: false, configurable: true });
}
