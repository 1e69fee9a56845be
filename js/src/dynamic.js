// dynamic.js: Dynamic Workers, the sandbox side: the hooks a dynamic
// worker's fresh runtime is driven with (set-up of the frozen clock and the
// subrequest count, env from structured-clone bytes, RPC into its exports)
// and the stubs through which it reaches the capabilities it was given.
// The parent side is loader.js.
import { register, call, callAsync } from "./host.js";
import { RpcTarget, WorkerEntrypoint, getEntry, env as workerEnv, requestInit, responseFrom } from "./worker.js";
import { serialize, deserialize } from "./serial.js";

const RealDate = Date;
const realSetTimeout = globalThis.setTimeout;
export const RESERVED = new Set(["fetch", "connect", "constructor", "then", "dup", "scheduled", "alarm", "webSocketMessage", "webSocketClose", "webSocketError", "__proto__"]);

// rpcMethod finds method on the class chain of an RpcTarget or entrypoint
// (never on Object.prototype or the base classes).
export function rpcMethod(obj, method) {
  if (typeof method !== "string" || RESERVED.has(method)) return undefined;
  for (let p = Object.getPrototypeOf(obj); p && p !== Object.prototype && p !== RpcTarget.prototype && p !== WorkerEntrypoint.prototype; p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, method);
    if (d) return typeof d.value === "function" ? d.value : undefined;
  }
  return undefined;
}

export function noMethod(method) {
  return new TypeError(`The RPC receiver does not implement the method "${method}".`);
}

const capStubs = new WeakMap(); // stub -> grant id

function capStub(grant) {
  const target = function () {};
  const p = new Proxy(target, {
    get(t, prop) {
      if (prop === "fetch") {
        return async (input, init) => {
          const req = input instanceof Request && init === undefined ? input : new Request(input, init);
          const out = await callAsync("loader.capFetch", grant, await requestInit(req));
          return responseFrom(out);
        };
      }
      if (prop === Symbol.dispose) return () => {};
      if (typeof prop !== "string" || prop === "then") return undefined;
      if (prop === "dup") return () => p;
      return (...args) => capCall(grant, prop, args);
    },
    apply(t, self, args) {
      return capCall(grant, "", args);
    },
    set() {
      return false;
    },
    defineProperty() {
      return false;
    },
  });
  capStubs.set(p, grant);
  return p;
}

function sandboxOut(value) {
  const grants = [];
  const bytes = serialize(value, {
    external(v) {
      const g = capStubs.get(v);
      if (g === undefined) return undefined;
      grants.push(g);
      return grants.length - 1;
    },
  });
  return { bytes, grants };
}

function sandboxIn(bytes, grants) {
  return deserialize(bytes, { external: (i) => capStub(grants[i]) });
}

async function capCall(grant, method, args) {
  const out = sandboxOut(args);
  const r = await callAsync("loader.capCall", grant, method, out.bytes, out.grants);
  return sandboxIn(r.bytes, r.grants ?? []);
}

// freezeClock makes Date and performance.now stand still while JS runs: the
// clock is read at most once per macrotask window (the first read of a
// window; a zero timer ends the window), as workerd advances time only
// between I/O events. performance.now's Go side reads the same frozen value.
function freezeClock() {
  let now = 0;
  let fresh = false;
  const read = () => {
    if (!fresh) {
      now = call("loader.tick");
      fresh = true;
      realSetTimeout(() => {
        fresh = false;
      }, 0);
    }
    return now;
  };
  function Date(...args) {
    if (!new.target) return new RealDate(read()).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [read()] : args, new.target);
  }
  Object.defineProperty(Date, "prototype", { value: RealDate.prototype, writable: false, enumerable: false, configurable: false });
  Object.defineProperty(RealDate.prototype, "constructor", { value: Date, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(Date, "now", { value: () => read(), writable: true, enumerable: false, configurable: true });
  Object.defineProperty(Date, "parse", { value: RealDate.parse, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(Date, "UTC", { value: RealDate.UTC, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(globalThis, "Date", { value: Date, writable: true, enumerable: false, configurable: true });
  const perf = globalThis.performance;
  if (perf) {
    const proto = Object.getPrototypeOf(perf);
    const now0 = proto.now;
    Object.defineProperty(proto, "now", {
      value: function now() {
        read();
        return now0.call(this);
      },
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
}

// loader.sandboxSetup(): makes a fresh runtime a sandbox's, once, when the
// warm pool builds it (off any request's path): freezes the clock and
// counts every fetch() against the call's subrequest limit. Nothing here
// depends on the worker the runtime will run (the clock and the limit are
// read from Go at call time).
register("loader.sandboxSetup", () => {
  freezeClock();
  const fetch0 = globalThis.fetch;
  Object.defineProperty(globalThis, "fetch", {
    value: async function fetch(input, init) {
      call("loader.subrequest");
      return fetch0(input, init);
    },
    writable: true,
    configurable: true,
  });
});

// loader.sandboxEnv(envBytes, grants): builds env from the parent's bytes
// before the worker's code runs (its top level may read env).
register("loader.sandboxEnv", (bytes, grants) => {
  const e = sandboxIn(bytes, grants ?? []);
  if (e !== null && typeof e === "object") {
    for (const k of Object.keys(e)) workerEnv[k] = e[k];
  }
});

function isClass(v, base) {
  return typeof v === "function" && v.prototype instanceof base;
}

class SandboxContext {
  #props;
  constructor(props) {
    this.#props = props ?? {};
  }
  waitUntil(p) {
    Promise.resolve(p).catch((e) => console.error("Uncaught (in waitUntil)", e));
  }
  passThroughOnException() {}
  get props() {
    return this.#props;
  }
}

// loader.rpc(entrypoint, method, bytes, grants, props): JS RPC into the
// dynamic worker's export.
register("loader.rpc", async (name, method, bytes, grants, props) => {
  const key = name ?? "default";
  const exp = getEntry()[key];
  if (exp === undefined) throw new Error(`Worker has no such entrypoint: ${key}`);
  const args = sandboxIn(bytes, grants ?? []);
  const ctx = new SandboxContext(props);
  let r;
  if (isClass(exp, WorkerEntrypoint)) {
    const inst = new exp(ctx, workerEnv);
    const f = rpcMethod(inst, method);
    if (!f) throw noMethod(method);
    r = await f.apply(inst, args);
  } else if (exp !== null && typeof exp === "object") {
    if (typeof method !== "string" || RESERVED.has(method) || !Object.prototype.hasOwnProperty.call(exp, method) || typeof exp[method] !== "function") {
      throw noMethod(method);
    }
    if (args.length !== 1) {
      throw new TypeError(
        `Attempted to call RPC function "${method}" with the wrong number of arguments. When calling a top-level handler function that is not declared as part of a class, you must always send exactly one argument. In order to support variable numbers of arguments, the server must use class-based syntax (extending WorkerEntrypoint) instead.`,
      );
    }
    r = await exp[method](args[0], workerEnv, ctx);
  } else {
    throw noMethod(method);
  }
  return sandboxOut(r);
});
