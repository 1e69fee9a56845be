// loader.js: Dynamic Workers, the parent side: the LOADER binding
// (WorkerLoader.get/load), the WorkerStub and entrypoint stubs a worker
// calls, and the table of capabilities (RpcTargets, functions, service
// bindings, Durable Object stubs, entrypoint stubs) it hands to dynamic
// workers by reference. The sandbox side, the hooks a dynamic worker's
// runtime is driven with, is dynamic.js; a dynamic worker's runtime (the
// sandbox bundle) has no loader of its own and gets js/src/sandbox/loader.js
// instead of this module.
//
// Nothing crosses between the two runtimes but bytes (clone.js format) and
// integers: a capability is an entry in the owner runtime's export table,
// named in the sandbox by a grant id that the Go loader maps back. The Go
// halves are internal/loader (parent) and internal/loader/sandbox.
import { register, call, callAsync } from "./host.js";
import { fromJSResponse } from "./http.js";
import { RpcTarget, WorkerEntrypoint, requestInit, requestFrom, responseFrom } from "./worker.js";
import { RESERVED, rpcMethod, noMethod } from "./dynamic.js";
import { serialize, deserialize } from "./serial.js";

const ERRORS = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };

// remoteError rebuilds an error document {name, message, stack, remote}.
function remoteError(e) {
  const C = ERRORS[e.name] ?? Error;
  const err = new C(e.message ?? "");
  if (e.stack) {
    Object.defineProperty(err, "stack", { value: e.stack, writable: true, configurable: true });
  }
  if (e.remote) err.remote = true;
  return err;
}

// ---- capabilities: the export table of a runtime -------------------------------

const exported = new Map(); // local id -> object
let nextExport = 1;
const stubMarks = new WeakSet(); // stubs made here (entrypoint and capability stubs)
const PROBE = "__isola_capability_probe__";

// isCapability: what goes by reference rather than by value.
function isCapability(v) {
  if (typeof v === "function") return true;
  if (v === null || typeof v !== "object") return false;
  if (stubMarks.has(v) || v instanceof RpcTarget || v instanceof WorkerEntrypoint) return true;
  // Service bindings and Durable Object stubs are Proxies answering any
  // method name with an RPC function.
  try {
    return typeof v.fetch === "function" && typeof v[PROBE] === "function";
  } catch {
    return false;
  }
}

// exportOut serializes value; capabilities become local ids in refs.
function exportOut(value) {
  const refs = [];
  let bytes;
  try {
    bytes = serialize(value, {
      external(v) {
        if (!isCapability(v)) return undefined;
        const id = nextExport++;
        exported.set(id, v);
        refs.push(id);
        return refs.length - 1;
      },
    });
  } catch (e) {
    for (const id of refs) exported.delete(id);
    throw e;
  }
  return { bytes, refs };
}

// importIn deserializes bytes whose externals are local ids of this runtime.
function importIn(bytes, refs) {
  return deserialize(bytes, {
    external(i) {
      const v = exported.get(refs[i]);
      if (v === undefined) throw new DOMException("Unable to deserialize cloned data: revoked capability.", "DataCloneError");
      return v;
    },
  });
}

async function invokeLocal(obj, method, args) {
  if (method === "") {
    if (typeof obj !== "function") throw new TypeError("The RPC receiver is not a function.");
    return obj(...args);
  }
  if (typeof obj === "function") throw noMethod(method);
  if (obj instanceof RpcTarget || obj instanceof WorkerEntrypoint) {
    const f = rpcMethod(obj, method);
    if (!f) throw noMethod(method);
    return f.apply(obj, args);
  }
  if (typeof method !== "string" || RESERVED.has(method)) throw noMethod(method);
  const f = obj[method];
  if (typeof f !== "function") throw noMethod(method);
  return f.apply(obj, args);
}

// Parent hooks the Go loader calls when a dynamic worker uses a capability.
register("loader.capInvoke", async (local, method, bytes, refs) => {
  const obj = exported.get(local);
  if (obj === undefined) throw new Error("The capability was revoked.");
  const args = importIn(bytes, refs ?? []);
  const r = await invokeLocal(obj, method, Array.isArray(args) ? args : []);
  return exportOut(r);
});

register("loader.capFetch", async (local, init) => {
  const obj = exported.get(local);
  if (obj === undefined) throw new Error("The capability was revoked.");
  const req = requestFrom(init);
  let resp;
  if (typeof obj === "function") resp = await obj(req);
  else if (typeof obj.fetch === "function") resp = await obj.fetch(req);
  else throw new TypeError("The capability does not implement fetch().");
  if (!(resp instanceof Response)) throw new TypeError("Incorrect type for Promise: the Promise did not resolve to 'Response'.");
  return fromJSResponse(resp);
});

register("loader.capRelease", (locals) => {
  for (const id of locals ?? []) exported.delete(id);
});

// ---- parent side: the LOADER binding --------------------------------------------

const MODULE_KEYS = ["js", "cjs", "text", "data", "json", "py", "wasm"];

// normalizeCode validates a WorkerCode as workerd does and returns the
// document the Go loader takes, plus env and globalOutbound exported.
function normalizeCode(code) {
  if (code === null || typeof code !== "object") throw new TypeError("WorkerCode must be an object.");
  const mainModule = code.mainModule;
  if (typeof mainModule !== "string") throw new TypeError("Incorrect type for the 'mainModule' field on 'WorkerCode': the provided value is not of type 'string'.");
  const mods = code.modules;
  if (mods === null || typeof mods !== "object") throw new TypeError("Incorrect type for the 'modules' field on 'WorkerCode': the provided value is not of type 'object'.");
  const modules = {};
  for (const name of Object.keys(mods)) {
    const m = mods[name];
    if (typeof m === "string") {
      modules[name] = { type: "js", source: m };
      continue;
    }
    if (m === null || typeof m !== "object") throw new TypeError(`Incorrect type for map entry '${name}': the provided value is not of type 'string or Module'.`);
    const present = MODULE_KEYS.filter((k) => m[k] !== undefined);
    if (present.length !== 1) {
      throw new TypeError(`Each module must contain exactly one of 'js', 'cjs', 'text', 'data', 'json', 'py', or 'wasm'. Module '${name}' contained ${present.length} properties.`);
    }
    const type = present[0];
    const v = m[type];
    if (type === "py") throw new TypeError(`Module "${name}" is a Python module; Python modules are not supported by isola.`);
    if (type === "wasm") throw new TypeError(`Module "${name}" is a WebAssembly module; WebAssembly is not supported by isola.`);
    if (type === "data") {
      if (!(v instanceof ArrayBuffer) && !ArrayBuffer.isView(v)) {
        throw new TypeError("Incorrect type for the 'data' field on 'Module': the provided value is not of type 'ArrayBuffer or ArrayBufferView'.");
      }
      modules[name] = { type, data: v };
    } else if (type === "json") {
      modules[name] = { type, source: JSON.stringify(v) };
    } else {
      if (typeof v !== "string") throw new TypeError(`Incorrect type for the '${type}' field on 'Module': the provided value is not of type 'string'.`);
      modules[name] = { type, source: v };
    }
  }
  let env = null;
  if (code.env !== undefined && code.env !== null) {
    if (typeof code.env !== "object") throw new TypeError("Incorrect type for the 'env' field on 'WorkerCode': the provided value is not of type 'object'.");
    env = exportOut(code.env);
  }
  let outbound = "inherit";
  let outboundRef = 0;
  if ("globalOutbound" in code && code.globalOutbound !== undefined) {
    const g = code.globalOutbound;
    if (g === null) outbound = "none";
    else if (isCapability(g)) {
      outbound = "grant";
      outboundRef = nextExport++;
      exported.set(outboundRef, g);
    } else throw new TypeError("Incorrect type for the 'globalOutbound' field on 'WorkerCode': the provided value is not of type 'Fetcher'.");
  }
  const limits = limitsDoc(code.limits);
  return {
    doc: {
      compatibilityDate: code.compatibilityDate === undefined ? "" : String(code.compatibilityDate),
      compatibilityFlags: Array.isArray(code.compatibilityFlags) ? code.compatibilityFlags.map(String) : [],
      mainModule,
      modules,
      outbound,
      limits,
    },
    env,
    outboundRef,
  };
}

function limitsDoc(l) {
  if (l === undefined || l === null) return {};
  if (typeof l !== "object") throw new TypeError("Incorrect type for the 'limits' field: the provided value is not of type 'object'.");
  const out = {};
  if (l.cpuMs !== undefined) {
    const n = Number(l.cpuMs);
    if (!(n > 0)) throw new RangeError("limits.cpuMs must be a positive number.");
    out.cpuMs = n;
  }
  if (l.subRequests !== undefined) {
    const n = Number(l.subRequests);
    if (!(n >= 0)) throw new RangeError("limits.subRequests must be a non-negative number.");
    out.subRequests = n;
  }
  return out;
}

const finalizer = typeof FinalizationRegistry === "function" ? new FinalizationRegistry(({ binding, handle }) => {
  try {
    call("loader.release", binding, handle);
  } catch {
    // the runtime is closing
  }
}) : null;

class WorkerStub {
  #binding;
  #name; // null for load()
  #getCode;
  #handle = null; // Promise<string>
  constructor(binding, name, getCode) {
    this.#binding = binding;
    this.#name = name;
    this.#getCode = getCode;
    if (name !== null && call("loader.cached", binding, name)) {
      this.#handle = Promise.resolve(name);
    } else {
      this.#handle = this.#load();
      this.#handle.catch(() => {});
    }
  }
  async #load() {
    const code = await this.#getCode();
    const n = normalizeCode(code);
    const h = await callAsync("loader.load", this.#binding, this.#name, n.doc, n.env ? n.env.bytes : null, n.env ? n.env.refs : [], n.outboundRef);
    if (this.#name === null && finalizer) finalizer.register(this, { binding: this.#binding, handle: h });
    return h;
  }
  // _call runs op(handle); a worker evicted from the cache meanwhile is
  // loaded again (running the code callback again) and the call retried,
  // a few times: under churn (more workers loading at once than the cache
  // holds) a fresh worker can be evicted before its first call.
  async _call(op) {
    for (let attempt = 0; ; attempt++) {
      const handle = await this.#handle;
      const r = await op(handle);
      if (r && r.evicted) {
        if (attempt >= 4) throw new Error("The dynamic worker was evicted from the loader's cache before it could be called; the cache is too small for the workers loaded at once.");
        this.#handle = this.#load();
        continue;
      }
      if (r && r.error) throw remoteError(r.error);
      return r;
    }
  }
  get _binding() {
    return this.#binding;
  }
  getEntrypoint(name, options) {
    if (name !== undefined && name !== null && typeof name !== "string") throw new TypeError("Entrypoint name must be a string.");
    const opts = options ?? {};
    return makeEntrypoint(this, name ?? null, opts.props, limitsDoc(opts.limits));
  }
  getDurableObjectClass(name, options) {
    throw new Error("getDurableObjectClass() of a dynamic worker is not supported by isola yet.");
  }
}

function makeEntrypoint(stub, name, props, limits) {
  const b = stub._binding;
  const base = {
    async fetch(input, init) {
      const req = input instanceof Request && init === undefined ? input : new Request(input, init);
      const ri = await requestInit(req);
      const r = await stub._call((h) => callAsync("loader.fetch", b, h, name, props ?? null, limits, ri));
      return responseFrom(r.response);
    },
    connect() {
      throw new Error("connect() on a dynamic worker entrypoint is not supported by isola yet.");
    },
  };
  const p = new Proxy(base, {
    get(t, prop) {
      if (Object.prototype.hasOwnProperty.call(t, prop)) return t[prop];
      if (typeof prop !== "string" || prop === "then") return undefined;
      return async (...args) => {
        const out = exportOut(args);
        let r;
        try {
          r = await stub._call((h) => callAsync("loader.rpc", b, h, name, props ?? null, limits, prop, out.bytes, out.refs));
        } finally {
          // Stubs passed as arguments live for the call, as in workerd.
          for (const id of out.refs) exported.delete(id);
        }
        return importIn(r.bytes, r.refs ?? []);
      };
    },
  });
  stubMarks.add(p);
  return p;
}

export class WorkerLoader {
  #binding;
  constructor(binding) {
    this.#binding = binding;
  }
  get(name, getCode) {
    if (typeof getCode !== "function") throw new TypeError("WorkerLoader.get() requires a callback returning the WorkerCode.");
    return new WorkerStub(this.#binding, String(name), getCode);
  }
  load(code) {
    return new WorkerStub(this.#binding, null, () => code);
  }
}

export function makeLoader(binding) {
  return new WorkerLoader(binding);
}
