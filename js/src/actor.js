// actor.js: Durable Objects in JS — namespaces, ids, stubs (fetch and RPC),
// the state and storage objects, and the hooks the Go actor manager calls to
// deliver events to an object's one live instance.
import { register, call, callAsync, lazy } from "./host.js";
import { fromJSResponse, withURLList } from "./http.js";
import { DurableObject, getEntry, env, requestInit, requestFrom, responseFrom, waitUntil } from "./worker.js";
import { exportArgs, importArgs, exportResult, importResult, pipelined } from "./rpc.js";
import { installHibernation } from "./actor_ws.js"; // WebSocket hibernation API
import { serialize, deserialize } from "./serial.js";

// ---- ids, namespaces, stubs --------------------------------------------------

export class DurableObjectId {
  #id;
  constructor(id, name) {
    this.#id = id;
    // Own enumerable properties, as in workerd: Object.keys(id) is
    // ["jurisdiction", "name"] and JSON.stringify(id) shows the name only.
    Object.defineProperty(this, "jurisdiction", { value: undefined, enumerable: true });
    Object.defineProperty(this, "name", { value: name, enumerable: true });
  }
  toString() {
    return this.#id;
  }
  equals(other) {
    if (!(other instanceof DurableObjectId)) {
      throw new TypeError("Failed to execute 'equals' on 'DurableObjectId': parameter 1 is not of type 'DurableObjectId'.");
    }
    return other.#id === this.#id;
  }
}

const RESERVED = new Set(["fetch", "connect", "constructor", "then", "dup", "alarm", "webSocketMessage", "webSocketClose", "webSocketError"]);
// Handlers workerd refuses by name over RPC.
const HANDLERS = new Set(["alarm", "webSocketMessage", "webSocketClose", "webSocketError"]);

// stubProto is the prototype of every stub: what is not on it (or on
// Object.prototype) is an RPC method. Like workerd's stub, it is tagged
// "DurableObject" and cannot be constructed.
const stubProto = {
  constructor: function DurableObject() {
    throw new TypeError("Illegal constructor");
  },
  async fetch(input, init) {
    const { ns, sid, name } = stubKeys.get(this);
    const req = input instanceof Request && init === undefined ? input : new Request(input, init);
    const ri = await requestInit(req);
    ri.url = ri.url.split("#")[0]; // the fragment stays with the caller, as in workerd
    // As fetch() does, workerd follows redirects (redirect: "follow", the
    // default), re-sending the request to the same object.
    const urls = [ri.url];
    for (;;) {
      const out = await callAsync("do.fetch", ns, sid, name ?? "", ri);
      if (out.webSocket != null) {
        // A 101 from the object: its WebSocket end comes back by id.
        return new Response(null, { status: 101, statusText: out.statusText ?? "", headers: out.headers, webSocket: lazy("websocket").wsFromHandle(out.webSocket) });
      }
      const loc = redirectTarget(req, out, ri.url);
      if (loc === null) return withURLList(responseFrom(out), urls);
      if (urls.length > 20) throw new TypeError("Too many redirects.");
      if (out.status === 303 ? ri.method !== "HEAD" : (out.status === 301 || out.status === 302) && ri.method === "POST") {
        ri.method = "GET";
        ri.body = null;
        ri.headers = ri.headers.filter(([k]) => !/^content-(type|length|encoding|language|location)$/.test(k));
      }
      ri.url = loc;
      urls.push(loc);
    }
  },
  connect() {
    throw new Error("connect() on a Durable Object stub is not supported by isola yet");
  },
  [Symbol.toStringTag]: "DurableObject",
};
const stubKeys = new WeakMap(); // stub target -> { ns, sid, name }

// redirectTarget is where a stub fetch of req answered by out should go
// next, or null to return out.
function redirectTarget(req, out, url) {
  if (req.redirect !== "follow" || ![301, 302, 303, 307, 308].includes(out.status)) return null;
  const loc = Array.isArray(out.headers) ? out.headers.find(([k]) => k.toLowerCase() === "location") : undefined;
  if (loc === undefined) return null;
  try {
    return new URL(loc[1], url).href.split("#")[0];
  } catch {
    throw new TypeError("Invalid redirect location: " + loc[1]);
  }
}

function makeStub(ns, id) {
  const sid = id.toString();
  const name = id.name;
  const base = Object.create(stubProto);
  base.name = name;
  base.id = id;
  stubKeys.set(base, { ns, sid, name });
  return new Proxy(base, {
    get(t, prop, receiver) {
      if (prop in t) {
        const v = t[prop];
        return typeof v === "function" && (v === stubProto.fetch || v === stubProto.connect) ? v.bind(t) : v;
      }
      if (typeof prop !== "string" || prop === "then") return undefined;
      return (...args) =>
        pipelined(
          (async () => {
            const out = exportArgs(args); // functions and RpcTargets go by reference (rpc.js)
            try {
              return importResult(await callAsync("do.rpc", ns, sid, name ?? "", prop, out.bytes, out.refs));
            } finally {
              out.release();
            }
          })(),
        );
    },
  });
}

export class DurableObjectNamespace {
  #ns;
  constructor(ns) {
    this.#ns = ns;
  }
  newUniqueId(options) {
    return new DurableObjectId(call("do.id.unique", this.#ns), undefined);
  }
  idFromName(name) {
    name = String(name);
    return new DurableObjectId(call("do.id.fromName", this.#ns, name), name);
  }
  idFromString(s) {
    if (typeof s !== "string") throw new TypeError("Invalid Durable Object ID: must be 64 hex digits");
    return new DurableObjectId(call("do.id.parse", this.#ns, s), undefined);
  }
  get(id, options) {
    if (!(id instanceof DurableObjectId)) {
      throw new TypeError("Failed to execute 'get' on 'DurableObjectNamespace': parameter 1 is not of type 'DurableObjectId'.");
    }
    return makeStub(this.#ns, id);
  }
  getByName(name, options) {
    return this.get(this.idFromName(name), options);
  }
  jurisdiction(j) {
    return this;
  }
}

export function makeNamespace(ns) {
  return new DurableObjectNamespace(ns);
}

// ---- storage -----------------------------------------------------------------

// key coerces a key to a string, as workerd's string parameters do.
function key(k) {
  return String(k);
}

function keys(ks) {
  return ks.map(key);
}

class SqlStorageCursor {
  #cols;
  #rows;
  #i = 0;
  #read;
  #written;
  constructor(r) {
    this.#cols = r.columns;
    this.#rows = r.rows.map((row) => row.map((v) => (v instanceof Uint8Array ? v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) : v)));
    this.#read = r.read;
    this.#written = r.written;
  }
  get columnNames() {
    return this.#cols.slice();
  }
  get rowsRead() {
    return this.#read;
  }
  get rowsWritten() {
    return this.#written;
  }
  #obj(row) {
    const o = {};
    this.#cols.forEach((c, i) => (o[c] = row[i]));
    return o;
  }
  next() {
    if (this.#i >= this.#rows.length) return { done: true, value: undefined };
    return { done: false, value: this.#obj(this.#rows[this.#i++]) };
  }
  toArray() {
    const out = [];
    for (let r = this.next(); !r.done; r = this.next()) out.push(r.value);
    return out;
  }
  one() {
    const rest = this.#rows.length - this.#i;
    if (rest === 0) throw new Error("Expected exactly one result from SQL query, but got no results.");
    if (rest > 1) throw new Error("Expected exactly one result from SQL query, but got multiple results.");
    return this.next().value;
  }
  raw() {
    const self = this;
    const rows = this.#rows;
    const it = {
      next() {
        if (self.#i >= rows.length) return { done: true, value: undefined };
        return { done: false, value: rows[self.#i++].slice() };
      },
      toArray() {
        const out = [];
        for (let r = it.next(); !r.done; r = it.next()) out.push(r.value);
        return out;
      },
      get rowsRead() {
        return self.rowsRead;
      },
      get rowsWritten() {
        return self.rowsWritten;
      },
      [Symbol.iterator]() {
        return it;
      },
    };
    return it;
  }
  [Symbol.iterator]() {
    return this;
  }
  get [Symbol.toStringTag]() {
    return "Cursor";
  }
}

class SqlStorage {
  #ns;
  #id;
  constructor(ns, id) {
    this.#ns = ns;
    this.#id = id;
  }
  exec(query, ...bindings) {
    query = String(query);
    // As in workerd: numbers, strings, buffers and null bind as they are;
    // BigInt is refused; anything else (booleans, objects) binds as its string.
    const bound = bindings.map((b) => {
      if (b === undefined || b === null || typeof b === "number" || typeof b === "string") return b ?? null;
      if (typeof b === "bigint") throw new TypeError("Cannot convert a BigInt value to a number");
      if (b instanceof ArrayBuffer || ArrayBuffer.isView(b)) return b;
      return String(b);
    });
    return new SqlStorageCursor(call("do.sql", this.#ns, this.#id, query, bound));
  }
  get databaseSize() {
    return call("do.dbsize", this.#ns, this.#id);
  }
  get Cursor() {
    return SqlStorageCursor;
  }
}

class SyncKvStorage {
  #s;
  constructor(s) {
    this.#s = s;
  }
  get(k) {
    return this.#s._get(k);
  }
  put(k, v) {
    this.#s._put(k, v);
  }
  delete(k) {
    return this.#s._delete(k);
  }
  list(opts = {}) {
    return new ListIterator(this.#s._list(opts));
  }
}

class ListIterator {
  #it;
  constructor(map) {
    this.#it = map.entries();
  }
  next() {
    return this.#it.next();
  }
  [Symbol.iterator]() {
    return this;
  }
  get [Symbol.toStringTag]() {
    return "ListIterator";
  }
}

// DurableObjectTransaction is the object storage.transaction() passes to its
// closure: the storage methods plus rollback().
class DurableObjectTransaction {
  #s;
  #rollback;
  constructor(s, rollback) {
    this.#s = s;
    this.#rollback = rollback;
  }
  get(k, o) {
    return this.#s.get(k, o);
  }
  put(k, v, o) {
    return this.#s.put(k, v, o);
  }
  delete(k, o) {
    return this.#s.delete(k, o);
  }
  deleteAll(o) {
    return this.#s.deleteAll(o);
  }
  list(o) {
    return this.#s.list(o);
  }
  getAlarm(o) {
    return this.#s.getAlarm(o);
  }
  setAlarm(t, o) {
    return this.#s.setAlarm(t, o);
  }
  deleteAlarm(o) {
    return this.#s.deleteAlarm(o);
  }
  rollback() {
    this.#rollback();
  }
  get [Symbol.toStringTag]() {
    return "DurableObjectTransaction";
  }
}

// MAX_ALARM_MS: workerd refuses alarm times after the year 2189.
const MAX_ALARM_MS = Date.UTC(2190, 0, 1);

export class DurableObjectStorage {
  #ns;
  #id;
  #sql;
  #kv;
  constructor(ns, id) {
    this.#ns = ns;
    this.#id = id;
  }
  get sql() {
    return (this.#sql ??= new SqlStorage(this.#ns, this.#id));
  }
  get kv() {
    return (this.#kv ??= new SyncKvStorage(this));
  }
  _get(k) {
    if (Array.isArray(k)) {
      const m = new Map();
      for (const [kk, v] of call("do.kv.get", this.#ns, this.#id, keys(k))) m.set(kk, deserialize(v));
      return m;
    }
    const r = call("do.kv.get", this.#ns, this.#id, [key(k)]);
    return r.length ? deserialize(r[0][1]) : undefined;
  }
  _put(k, v) {
    if (typeof k === "object" && k !== null) {
      // workerd skips undefined values of a multi-put.
      const ents = Object.entries(k).filter(([, vv]) => vv !== undefined).map(([kk, vv]) => [kk, serialize(vv)]);
      call("do.kv.put", this.#ns, this.#id, ents);
      return;
    }
    if (v === undefined) throw new TypeError("put() called with undefined value.");
    call("do.kv.put", this.#ns, this.#id, [[key(k), serialize(v)]]);
  }
  _delete(k) {
    if (Array.isArray(k)) return call("do.kv.delete", this.#ns, this.#id, keys(k));
    return call("do.kv.delete", this.#ns, this.#id, [key(k)]) > 0;
  }
  _list(opts = {}) {
    const o = {};
    for (const f of ["start", "startAfter", "end", "prefix"]) if (opts[f] !== undefined) o[f] = String(opts[f]);
    if (opts.reverse) o.reverse = true;
    if (opts.limit !== undefined) {
      const n = Number(opts.limit);
      if (!(n > 0)) throw new TypeError("List limit must be positive.");
      o.limit = n;
    }
    if (o.start !== undefined && o.startAfter !== undefined) {
      throw new TypeError("list() cannot be called with both start and startAfter values.");
    }
    const m = new Map();
    for (const [k, v] of call("do.kv.list", this.#ns, this.#id, o)) m.set(k, deserialize(v));
    return m;
  }
  async get(...args) {
    if (args.length === 0) throw new TypeError("Failed to execute 'get' on 'DurableObjectStorage': parameter 1 is not of type 'string or Array'.");
    return this._get(args[0]);
  }
  async put(k, v, opts) {
    if (typeof k === "object" && k !== null) return this._put(k);
    return this._put(k, v);
  }
  async delete(k, opts) {
    return this._delete(k);
  }
  async list(opts) {
    return this._list(opts ?? {});
  }
  async deleteAll(opts) {
    call("do.kv.deleteAll", this.#ns, this.#id);
  }
  transactionSync(fn) {
    call("do.txn", this.#ns, this.#id, "begin");
    let r;
    try {
      r = fn();
    } catch (e) {
      call("do.txn", this.#ns, this.#id, "rollback");
      throw e;
    }
    call("do.txn", this.#ns, this.#id, "commit");
    return r;
  }
  async transaction(closure) {
    call("do.txn", this.#ns, this.#id, "begin");
    let rolledBack = false;
    const txn = new DurableObjectTransaction(this, () => {
      if (!rolledBack) {
        rolledBack = true;
        call("do.txn", this.#ns, this.#id, "rollback");
      }
    });
    let r;
    try {
      r = await closure(txn);
    } catch (e) {
      if (!rolledBack) call("do.txn", this.#ns, this.#id, "rollback");
      throw e;
    }
    if (!rolledBack) call("do.txn", this.#ns, this.#id, "commit");
    return r;
  }
  async sync() {}
  async getAlarm(opts) {
    return call("do.alarm.get", this.#ns, this.#id) ?? null;
  }
  async setAlarm(t, opts) {
    if (typeof t !== "number" && !(t instanceof Date)) {
      throw new TypeError("Failed to execute 'setAlarm' on 'DurableObjectStorage': parameter 1 is not of type 'date'.");
    }
    const ms = t instanceof Date ? t.getTime() : t;
    if (!Number.isFinite(ms)) throw new TypeError("The value cannot be converted because it is not a valid Date.");
    if (ms >= MAX_ALARM_MS) throw new TypeError("This API doesn't support dates after 2189.");
    call("do.alarm.set", this.#ns, this.#id, ms);
  }
  async deleteAlarm(opts) {
    call("do.alarm.delete", this.#ns, this.#id);
  }
}

// ---- state and instances -----------------------------------------------------

const stateKeys = new WeakMap(); // DurableObjectState -> { ns, id } (for actor_ws.js)

export class DurableObjectState {
  #id;
  #storage;
  #gate = Promise.resolve();
  #reset;
  constructor(ns, id, name, reset) {
    this.#id = new DurableObjectId(id, name || undefined);
    this.#storage = new DurableObjectStorage(ns, id);
    this.#reset = reset;
    stateKeys.set(this, { ns, id });
  }
  get id() {
    return this.#id;
  }
  // _learnName gives ctx.id its name when the instance was created by an
  // event that did not know it (an alarm after a restart) and a later one
  // does (the agents package reads ctx.id.name).
  _learnName(name) {
    if (name && this.#id.name === undefined) this.#id = new DurableObjectId(this.#id.toString(), name);
  }
  get storage() {
    return this.#storage;
  }
  get props() {
    return {};
  }
  waitUntil(p) {
    waitUntil(p);
  }
  blockConcurrencyWhile(fn) {
    const p = this.#gate.then(() => fn());
    this.#gate = p.then(
      () => {},
      (e) => {
        this.#reset(e);
      },
    );
    return p;
  }
  abort(reason) {
    this.#reset(reason);
    throw reason ?? new Error("Durable Object was aborted.");
  }
  get _ready() {
    return this.#gate;
  }
}

const instances = new Map(); // "ns:id" -> { inst, state }

async function instance(ns, cls, id, name) {
  const k = ns + ":" + id;
  let o = instances.get(k);
  if (!o) {
    const Cls = getEntry()[cls];
    if (typeof Cls !== "function") {
      throw new Error(`Durable Object class "${cls}" is not exported by the worker.`);
    }
    o = { inst: null, state: null, broken: null };
    const reset = (e) => {
      if (instances.get(k) === o) instances.delete(k);
      o.broken = e ?? new Error("Durable Object was reset.");
    };
    o.state = new DurableObjectState(ns, id, name, reset);
    instances.set(k, o);
    try {
      o.inst = new Cls(o.state, env);
    } catch (e) {
      instances.delete(k);
      throw e;
    }
  }
  o.state._learnName(name);
  await o.state._ready;
  if (o.broken) throw o.broken;
  return o;
}

register("actor.fetch", async (ns, cls, id, name, init) => {
  const o = await instance(ns, cls, id, name);
  if (typeof o.inst.fetch !== "function") throw new Error("Handler does not export a fetch() function.");
  let resp = await o.inst.fetch(requestFrom(init));
  if (!(resp instanceof Response)) {
    throw new TypeError("Incorrect type for Promise: the Promise did not resolve to 'Response'.");
  }
  return fromJSResponse(resp);
});

function rpcTarget(inst, method) {
  if (typeof method !== "string" || RESERVED.has(method) || method.startsWith("#")) return undefined;
  // Only members of the user's classes, not of Object or DurableObject.
  for (let p = Object.getPrototypeOf(inst); p && p !== DurableObject.prototype && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (Object.prototype.hasOwnProperty.call(p, method)) return p;
  }
  return undefined;
}

// STD_ERRORS cross RPC with their class; workerd sends any other Error as a
// plain Error whose message starts with its name.
const STD_ERRORS = new Set(["Error", "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError"]);

function rpcError(e) {
  if (e instanceof Error && !(e instanceof DOMException) && !STD_ERRORS.has(e.name)) {
    return new Error(`${e.name}: ${e.message}`);
  }
  return e;
}

register("actor.rpc", async (ns, cls, id, name, method, argBytes, refs) => {
  const o = await instance(ns, cls, id, name);
  if (HANDLERS.has(method)) {
    throw new TypeError(`'${method}' is a reserved method and cannot be called over RPC.`);
  }
  if (!rpcTarget(o.inst, method)) {
    throw new TypeError(`The RPC receiver does not implement the method "${method}".`);
  }
  const v = o.inst[method];
  const args = importArgs(argBytes, refs ?? []);
  let r;
  try {
    r = typeof v === "function" ? await v.apply(o.inst, args) : v;
  } catch (e) {
    throw rpcError(e);
  }
  return exportResult(r);
});

register("actor.alarm", async (ns, cls, id, name, info) => {
  const o = await instance(ns, cls, id, name);
  if (typeof o.inst.alarm !== "function") return {};
  await o.inst.alarm({ retryCount: info.retryCount, isRetry: info.isRetry, scheduledTime: info.scheduledTime });
  call("do.alarm.fired", ns, id, info.scheduledTime);
  return {};
});

register("actor.evict", (ns, id) => {
  instances.delete(ns + ":" + id);
  call("do.release", ns, id);
});

installHibernation({ DurableObjectState, instance, stateKey: (s) => stateKeys.get(s) ?? {} });
