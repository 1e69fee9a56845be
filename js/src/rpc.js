// rpc.js: JS RPC between runtimes (service bindings and Durable Object
// stubs). Arguments and results are structured-cloned (clone.js); functions
// and RpcTarget instances among the arguments go by reference: the caller
// keeps them in its export table for the duration of the call, and the
// callee gets a stub whose calls come back to the caller's runtime
// ("rpc.back" in Go, then the "rpc.invoke" hook here). Results go by value.
import { register, callAsync } from "./host.js";
import { serialize, deserialize } from "./serial.js";

let runtimeId = 0; // this runtime's id in Go's registry, set by worker.init
const exported = new Map(); // export id -> function or RpcTarget
let nextExport = 1;
let RpcTargetClass = null;

export function setRuntime(id, RpcTarget) {
  runtimeId = id;
  RpcTargetClass = RpcTarget;
}

function byReference(v) {
  if (typeof v === "function") return true;
  return RpcTargetClass !== null && v instanceof RpcTargetClass;
}

// exportArgs serializes args for a call; release() ends the loan of the
// references when the call is over.
export function exportArgs(args) {
  const ids = [];
  let bytes;
  try {
    bytes = serialize(args, {
      external(v) {
        if (!byReference(v)) return undefined;
        const id = nextExport++;
        exported.set(id, v);
        ids.push(id);
        return ids.length - 1;
      },
    });
  } catch (e) {
    for (const id of ids) exported.delete(id);
    throw e;
  }
  const refs = ids.map((id) => [runtimeId, id]);
  return {
    bytes,
    refs,
    release() {
      for (const id of ids) exported.delete(id);
    },
  };
}

function backStub(ref) {
  const [rt, id] = ref;
  const call = async (method, args) => {
    const out = exportArgs(args);
    try {
      return importResult(await callAsync("rpc.back", rt, id, method, out.bytes, out.refs));
    } finally {
      out.release();
    }
  };
  const target = function () {};
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop !== "string" || prop === "then") return undefined;
      if (prop === "dup") return () => p;
      return (...args) => pipelined(call(prop, args));
    },
    apply(t, self, args) {
      return call("", args);
    },
  });
  var p;
}

// exportResult serializes a call's result; functions and RpcTargets in it
// go by reference and stay exported until the caller's stub is garbage
// collected ("rpc.drop").
export function exportResult(value) {
  const refs = [];
  const bytes = serialize(value, {
    external(v) {
      if (!byReference(v)) return undefined;
      const id = nextExport++;
      exported.set(id, v);
      refs.push([runtimeId, id]);
      return refs.length - 1;
    },
  });
  return { bytes, refs };
}

const dropped = new FinalizationRegistry(([rt, id]) => {
  callAsync("rpc.drop", rt, id).catch(() => {});
});

// importResult deserializes a result; references become stubs.
export function importResult(out) {
  if (out instanceof Uint8Array) return deserialize(out);
  return deserialize(out.bytes, {
    external(i) {
      const s = backStub(out.refs[i]);
      dropped.register(s, out.refs[i]);
      return s;
    },
  });
}

// pipelined lets a caller use the result of an RPC call before it
// arrives: stub.getCounter().increment() calls increment on the result
// once it resolves, as workerd's promise pipelining allows.
export function pipelined(p, parent, prop) {
  const f = function () {};
  return new Proxy(f, {
    get(t, key) {
      if (key === "then" || key === "catch" || key === "finally") return p[key].bind(p);
      if (typeof key !== "string") return undefined;
      return pipelined(p.then((r) => r[key]), p, key);
    },
    apply(t, self, args) {
      if (parent === undefined) return p.then((fn) => fn(...args));
      return pipelined(parent.then((r) => r[prop](...args)));
    },
  });
}

// importArgs deserializes the arguments of an incoming call.
export function importArgs(bytes, refs) {
  return deserialize(bytes, { external: (i) => backStub(refs[i]) });
}

const RESERVED = new Set(["constructor", "then", "dup"]);

// rpc.invoke(exportId, method, bytes, refs): a call through a back-stub.
register("rpc.invoke", async (id, method, bytes, refs) => {
  const v = exported.get(id);
  if (v === undefined) throw new Error("RPC stub used after the call that passed it ended.");
  const args = importArgs(bytes, refs ?? []);
  let r;
  if (method === "") {
    if (typeof v !== "function") throw new TypeError("The RPC receiver is not a function.");
    r = await v(...args);
  } else {
    if (RESERVED.has(method) || typeof v[method] !== "function" || Object.prototype.hasOwnProperty.call(Object.prototype, method)) {
      throw new TypeError(`The RPC receiver does not implement the method "${method}".`);
    }
    r = await v[method](...args);
  }
  return exportResult(r);
});

// rpc.drop(exportId): the stub of an exported result was collected.
register("rpc.drop", (id) => {
  exported.delete(id);
});
