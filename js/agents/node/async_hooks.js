// node:async_hooks for isola: AsyncLocalStorage and AsyncResource.
//
// QuickJS has no hook on `await`, so the context is carried by hand: the
// bundler lowers async functions to generators stepped with
// Promise.prototype.then whenever a bundle imports this module
// (internal/bundle), and this module makes then(), setTimeout, setInterval
// and queueMicrotask run their callbacks in the context they were
// registered in. The current context is an immutable Map from each
// AsyncLocalStorage's key to its store; the root context is empty, and
// every change is undone when the synchronous code that made it returns.
import "node:buffer"; // installs the global Buffer, as nodejs_compat does

const ROOT = new Map();
let current = ROOT;

function runIn(ctx, fn, thisArg, args) {
  const prev = current;
  current = ctx;
  try {
    return fn.apply(thisArg, args);
  } finally {
    current = prev;
  }
}

// bindCurrent wraps fn to run in the current context; in the root context
// it returns fn itself, which will run in the root context anyway.
function bindCurrent(fn) {
  if (typeof fn !== "function" || current === ROOT) return fn;
  const ctx = current;
  return function (...args) {
    return runIn(ctx, fn, this, args);
  };
}

const installed = Symbol.for("isola.asyncContext");
if (!globalThis[installed]) {
  globalThis[installed] = true;
  const then = Promise.prototype.then;
  Object.defineProperty(Promise.prototype, "then", {
    value: function then_(onFulfilled, onRejected) {
      return then.call(this, bindCurrent(onFulfilled), bindCurrent(onRejected));
    },
    writable: true,
    configurable: true,
  });
  for (const name of ["setTimeout", "setInterval", "queueMicrotask"]) {
    const orig = globalThis[name];
    if (typeof orig !== "function") continue;
    globalThis[name] = function (fn, ...rest) {
      return orig.call(this, bindCurrent(fn), ...rest);
    };
  }
}

export class AsyncLocalStorage {
  #key = Symbol("AsyncLocalStorage");
  #enabled = true;

  getStore() {
    return this.#enabled ? current.get(this.#key) : undefined;
  }
  run(store, fn, ...args) {
    this.#enabled = true;
    const ctx = new Map(current);
    ctx.set(this.#key, store);
    return runIn(ctx, fn, undefined, args);
  }
  exit(fn, ...args) {
    const ctx = new Map(current);
    ctx.delete(this.#key);
    return runIn(ctx, fn, undefined, args);
  }
  enterWith(store) {
    this.#enabled = true;
    current = new Map(current);
    current.set(this.#key, store);
  }
  disable() {
    this.#enabled = false;
  }
  static bind(fn) {
    const ctx = current;
    return function (...args) {
      return runIn(ctx, fn, this, args);
    };
  }
  static snapshot() {
    const ctx = current;
    return (fn, ...args) => runIn(ctx, fn, undefined, args);
  }
}

export class AsyncResource {
  #ctx = current;
  constructor(type) {
    this.type = type;
  }
  runInAsyncScope(fn, thisArg, ...args) {
    return runIn(this.#ctx, fn, thisArg, args);
  }
  bind(fn, thisArg) {
    const self = this;
    return function (...args) {
      return self.runInAsyncScope(fn, thisArg ?? this, ...args);
    };
  }
  static bind(fn, type, thisArg) {
    return new AsyncResource(type ?? "bound-anonymous-fn").bind(fn, thisArg);
  }
}

export default { AsyncLocalStorage, AsyncResource };
