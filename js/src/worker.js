// worker.js: the classes of "cloudflare:workers" and the hooks the Go worker
// calls to deliver events (fetch, scheduled, RPC) to the user's exports.
import { register, callAsync } from "./host.js";
import { toJSRequest, responseDoc, responseWire } from "./http.js";
import { makeNamespace } from "./actor.js";
import { exportArgs, importArgs, exportResult, importResult, pipelined, setRuntime } from "./rpc.js";
import { makeAi } from "./ai.js"; // the "ai" binding (isola forwards it to an OpenAI-compatible endpoint)
import { makeLoader } from "./loader.js"; // Dynamic Workers (worker_loaders bindings)

export class WorkerEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}
export class DurableObject {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}
export class RpcTarget {}
export class WorkflowEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}

const env = {};
let entry = null;
const waiting = new Set();

export { env };

// getEntry returns the user script's exports.
export function getEntry() {
  return entry;
}

export function waitUntil(p) {
  if (p === undefined) {
    throw new TypeError("Failed to execute 'waitUntil' on 'ExecutionContext': parameter 1 is not of type 'Promise'.");
  }
  const q = Promise.resolve(p).catch((e) => console.error("Uncaught (in waitUntil)", e));
  waiting.add(q);
  q.finally(() => waiting.delete(q));
}

globalThis[Symbol.for("isola.workers")] = { WorkerEntrypoint, DurableObject, RpcTarget, WorkflowEntrypoint, env, waitUntil };

class ExecutionContext {
  #props;
  constructor(props) {
    this.#props = props ?? {};
  }
  waitUntil(p) {
    waitUntil(p);
  }
  passThroughOnException() {}
  get props() {
    return this.#props;
  }
}

function isClass(v, base) {
  return typeof v === "function" && v.prototype instanceof base;
}

// Reserved names an RPC call may not reach.
const RESERVED = new Set(["fetch", "connect", "constructor", "then", "dup", "scheduled", "alarm", "webSocketMessage", "webSocketClose", "webSocketError"]);

// Fetcher is a service binding: fetch() into another worker, and JS RPC to
// its entrypoint through a Proxy.
function makeFetcher(target) {
  const base = {
    async fetch(input, init) {
      const req = new Request(input, init);
      const out = await callAsync("service.fetch", target, await requestInit(req));
      return responseFrom(out);
    },
    connect() {
      throw new Error("connect() on a service binding is not supported by isola yet");
    },
  };
  return new Proxy(base, {
    get(t, prop) {
      if (prop in t) return t[prop];
      if (typeof prop !== "string" || prop === "then") return undefined;
      return (...args) =>
        pipelined(
          (async () => {
            const out = exportArgs(args);
            try {
              return importResult(await callAsync("service.rpc", target, prop, out.bytes, out.refs));
            } finally {
              out.release();
            }
          })(),
        );
    },
  });
}

export async function requestInit(req) {
  const body = req.body === null ? null : new Uint8Array(await req.arrayBuffer());
  return { method: req.method, url: req.url, headers: [...req.headers], body };
}

// requestFrom builds the Request of an event: from a Go body stream (an
// inbound HTTP request) or from bytes (a service binding or stub hop).
export function requestFrom(init) {
  if (init.body === null || init.body === undefined || typeof init.body === "number") return toJSRequest(init);
  return new Request(init.url, { method: init.method, headers: init.headers, body: init.body });
}

export function responseFrom(out) {
  return new Response(out.body ?? null, { status: out.status, statusText: out.statusText ?? "", headers: out.headers });
}

// worker.init(desc): take the bundle's exports and build env. Modules run
// natively (engine.LoadModules) may still be evaluating (top-level await):
// their exports are taken once they have.
register("worker.init", (desc) => {
  const ready = globalThis.__isola_entry_ready;
  delete globalThis.__isola_entry_ready;
  if (ready !== undefined) return ready.then(() => init(desc));
  return init(desc);
});

function init(desc) {
  entry = globalThis.__isola_entry ?? {};
  delete globalThis.__isola_entry;
  setRuntime(desc.runtimeId ?? 0, RpcTarget);
  for (const [k, v] of Object.entries(desc.vars ?? {})) env[k] = v;
  for (const [k, t] of Object.entries(desc.services ?? {})) env[k] = makeFetcher(t);
  for (const [k, ns] of Object.entries(desc.durableObjects ?? {})) env[k] = makeNamespace(ns);
  for (const [k, a] of Object.entries(desc.ai ?? {})) env[k] = makeAi(a);
  // worker_loaders: desc.loaders maps env name -> loader binding key (internal/loader).
  for (const [k, b] of Object.entries(desc.loaders ?? {})) env[k] = makeLoader(b);
  const exportsInfo = {};
  for (const [k, v] of Object.entries(entry)) {
    exportsInfo[k] = isClass(v, DurableObject) ? "durable_object" : isClass(v, WorkerEntrypoint) ? "entrypoint" : typeof v;
  }
  return exportsInfo;
}

function handlerFor(name, props, method) {
  const exp = entry[name ?? "default"];
  if (exp === undefined) throw new Error(`Worker has no export named "${name ?? "default"}".`);
  const ctx = new ExecutionContext(props);
  if (isClass(exp, WorkerEntrypoint)) {
    const inst = new exp(ctx, env);
    if (typeof inst[method] !== "function") return null;
    return (arg) => inst[method](arg);
  }
  // Handlers take one argument (the request, the controller); no spread:
  // it is costly in this engine and this is every request's path.
  if (exp && typeof exp[method] === "function") return (arg) => exp[method](arg, env, ctx);
  return null;
}

// worker.fetch(entrypoint, requestInit, props) -> response document.
register("worker.fetch", async (name, init, props) => {
  const h = handlerFor(name, props, "fetch");
  if (!h) throw new Error("Handler does not export a fetch() function.");
  const req = requestFrom(init);
  const resp = await h(req);
  if (!(resp instanceof Response)) {
    throw new TypeError("Incorrect type for Promise: the Promise did not resolve to 'Response'.");
  }
  // A request in fetch.Exchange.Wire's compact string form may be answered
  // in the compact form too (no JSON either way); fromJSResponse's document
  // otherwise, without one more promise.
  return typeof init === "string" ? responseWire(resp) : responseDoc(resp);
});

// worker.scheduled(entrypoint, cron, scheduledTime)
register("worker.scheduled", async (name, cron, scheduledTime) => {
  const h = handlerFor(name, null, "scheduled");
  if (!h) throw new Error("Handler does not export a scheduled() function.");
  let retry = true;
  const controller = { cron, scheduledTime, type: "scheduled", noRetry() { retry = false; } };
  await h(controller);
  await drain();
  return { noRetry: !retry };
});

// worker.rpc(entrypoint, method, args, props)
register("worker.rpc", async (name, method, argBytes, refs, props) => {
  if (typeof method !== "string" || RESERVED.has(method) || method.startsWith("_")) {
    throw new TypeError(`The RPC receiver does not implement the method "${method}".`);
  }
  const exp = entry[name ?? "default"];
  if (!isClass(exp, WorkerEntrypoint)) {
    throw new TypeError("The RPC receiver does not implement the method \"" + method + "\".");
  }
  const inst = new exp(new ExecutionContext(props), env);
  if (typeof inst[method] !== "function") {
    throw new TypeError(`The RPC receiver does not implement the method "${method}".`);
  }
  const args = argBytes ? importArgs(argBytes, refs ?? []) : [];
  return exportResult(await inst[method](...args));
});

async function drain() {
  while (waiting.size) await Promise.allSettled([...waiting]);
}

// worker.drain: resolves when every waitUntil promise has settled.
register("worker.drain", drain);
