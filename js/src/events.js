// events.js: Event, EventTarget, CustomEvent, ErrorEvent, MessageEvent,
// CloseEvent, AbortController and AbortSignal, as workerd has them.
//
// workerd's EventTarget is simpler than the DOM's: there is no tree, so
// target === currentTarget and composedPath() is [target] while dispatching;
// capture and passive listeners are refused with a TypeError; an exception
// thrown by a listener stops the dispatch and propagates out of
// dispatchEvent(); a listener returning true is taken as preventDefault();
// a function-valued `on<type>` property of the target runs before the
// listeners (but AbortSignal's onabort after them); preventDefault() works
// on non-cancelable events too; target is undefined before a dispatch.
// AbortSignal drops all its listeners once it has fired.
//
// Other runtime modules (fetch, streams, WebSocket) use:
//   onAbort(signal, fn) -> remove   run fn(reason) when signal aborts (an
//                                    "abort algorithm": before the event)
//   abortSignal(signal, reason)      abort a signal they created
//   newAbortSignal()                 a fresh, unaborted signal
//   dispatchTrusted(target, event)   dispatch with isTrusted = true
import { DOMException } from "./dom.js";
import { uncloneable } from "./clone.js";

let beginDispatch, endDispatch, isStopped, markTrusted;

function illegal() {
  return new TypeError("Illegal invocation");
}

export class Event {
  #type;
  #bubbles;
  #cancelable;
  #composed;
  #canceled = false;
  #stopped = false;
  #stopImmediate = false;
  #target = undefined;
  #dispatching = false;
  #trusted = false;

  constructor(type, init = undefined) {
    if (arguments.length === 0) {
      throw new TypeError("Failed to construct 'Event': 1 argument required, but only 0 present.");
    }
    this.#type = String(type);
    if (init !== undefined && init !== null) {
      if (typeof init !== "object" && typeof init !== "function") {
        throw new TypeError("Failed to construct 'Event': The provided value is not of type 'EventInit'.");
      }
      this.#bubbles = !!init.bubbles;
      this.#cancelable = !!init.cancelable;
      this.#composed = !!init.composed;
    } else {
      this.#bubbles = this.#cancelable = this.#composed = false;
    }
  }

  static {
    beginDispatch = (e, target) => {
      if (e.#dispatching) throw new DOMException("The event is already being dispatched.", "InvalidStateError");
      e.#dispatching = true;
      e.#target = target;
      e.#canceled = false;
      e.#stopped = e.#stopImmediate = false;
    };
    endDispatch = (e) => {
      e.#dispatching = false;
    };
    isStopped = (e) => e.#stopImmediate;
    markTrusted = (e) => {
      e.#trusted = true;
    };
  }

  get type() {
    if (!(#type in this)) throw illegal();
    return this.#type;
  }
  get target() {
    if (!(#type in this)) throw illegal();
    return this.#target;
  }
  get currentTarget() {
    return this.target;
  }
  get srcElement() {
    return this.target;
  }
  get eventPhase() {
    if (!(#type in this)) throw illegal();
    return this.#dispatching ? Event.AT_TARGET : Event.NONE;
  }
  get bubbles() {
    if (!(#type in this)) throw illegal();
    return this.#bubbles;
  }
  get cancelable() {
    if (!(#type in this)) throw illegal();
    return this.#cancelable;
  }
  get composed() {
    if (!(#type in this)) throw illegal();
    return this.#composed;
  }
  get defaultPrevented() {
    if (!(#type in this)) throw illegal();
    return this.#canceled;
  }
  get returnValue() {
    return !this.defaultPrevented;
  }
  set returnValue(v) {
    if (!v) this.preventDefault();
  }
  get cancelBubble() {
    if (!(#type in this)) throw illegal();
    return this.#stopped;
  }
  set cancelBubble(v) {
    if (v) this.stopPropagation();
  }
  get isTrusted() {
    if (!(#type in this)) throw illegal();
    return this.#trusted;
  }
  get timeStamp() {
    return 0;
  }
  stopPropagation() {
    if (!(#type in this)) throw illegal();
    this.#stopped = true;
  }
  stopImmediatePropagation() {
    if (!(#type in this)) throw illegal();
    this.#stopped = this.#stopImmediate = true;
  }
  // preventDefault sets defaultPrevented even on a non-cancelable event, as
  // workerd does (the DOM would ignore it).
  preventDefault() {
    if (!(#type in this)) throw illegal();
    this.#canceled = true;
  }
  composedPath() {
    if (!(#type in this)) throw illegal();
    return this.#dispatching ? [this.#target] : [];
  }
  initEvent(type, bubbles = false, cancelable = false) {
    if (!(#type in this)) throw illegal();
    if (this.#dispatching) return;
    this.#type = String(type);
    this.#bubbles = !!bubbles;
    this.#cancelable = !!cancelable;
  }
}

for (const [k, v] of [["NONE", 0], ["CAPTURING_PHASE", 1], ["AT_TARGET", 2], ["BUBBLING_PHASE", 3]]) {
  const d = { value: v, enumerable: true };
  Object.defineProperty(Event, k, d);
  Object.defineProperty(Event.prototype, k, d);
}

function flag(options, name) {
  return options !== null && typeof options === "object" ? !!options[name] : false;
}

let clearListeners;

export class EventTarget {
  #listeners = new Map(); // type -> [{ callback, once, removed, detach }]

  static {
    clearListeners = (t) => {
      for (const list of t.#listeners.values()) {
        for (const l of list) {
          l.removed = true;
          if (l.detach) l.detach();
        }
      }
      t.#listeners.clear();
    };
  }

  addEventListener(type, callback, options = undefined) {
    if (!(#listeners in this)) throw illegal();
    if (arguments.length < 2) {
      throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': 2 arguments required.");
    }
    type = String(type);
    if (callback === null || callback === undefined) return;
    if (typeof callback !== "function" && typeof callback !== "object") {
      throw new TypeError("addEventListener(): the listener must be a function or an object with a handleEvent method.");
    }
    let once = false;
    let signal;
    if (typeof options === "boolean") {
      if (options) throw new TypeError("addEventListener(): useCapture must be false.");
    } else if (options !== null && options !== undefined) {
      if (flag(options, "capture")) throw new TypeError("addEventListener(): options.capture must be false.");
      if (flag(options, "passive")) throw new TypeError("addEventListener(): options.passive must be false.");
      once = flag(options, "once");
      signal = options.signal;
      if (signal !== undefined && !(signal instanceof AbortSignal)) {
        throw new TypeError("addEventListener(): options.signal must be an AbortSignal.");
      }
    }
    if (signal && signal.aborted) return;
    let list = this.#listeners.get(type);
    if (!list) this.#listeners.set(type, (list = []));
    if (list.some((l) => l.callback === callback)) return;
    const entry = { callback, once, removed: false, detach: null };
    if (signal) entry.detach = onAbort(signal, () => this.removeEventListener(type, callback));
    list.push(entry);
  }

  removeEventListener(type, callback, options = undefined) {
    if (!(#listeners in this)) throw illegal();
    if (typeof options === "boolean") {
      if (options) throw new TypeError("removeEventListener(): useCapture must be false.");
    } else if (flag(options, "capture")) {
      throw new TypeError("removeEventListener(): options.capture must be false.");
    }
    type = String(type);
    const list = this.#listeners.get(type);
    if (!list) return;
    const i = list.findIndex((l) => l.callback === callback);
    if (i < 0) return;
    const [l] = list.splice(i, 1);
    l.removed = true;
    if (l.detach) l.detach();
    if (list.length === 0) this.#listeners.delete(type);
  }

  dispatchEvent(event) {
    if (!(#listeners in this)) throw illegal();
    if (!(event instanceof Event)) {
      throw new TypeError("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'.");
    }
    beginDispatch(event, this);
    try {
      const type = event.type;
      // AbortSignal runs its onabort after the listeners (signalAbort).
      const on = this instanceof AbortSignal ? undefined : this["on" + type];
      const list = this.#listeners.get(type);
      if (typeof on === "function") {
        if (on.call(this, event) === true) event.preventDefault();
      }
      if (list) {
        for (const l of list.slice()) {
          if (isStopped(event)) break;
          if (l.removed) continue;
          if (l.once) this.removeEventListener(type, l.callback);
          let ret;
          if (typeof l.callback === "function") {
            ret = l.callback.call(this, event);
          } else {
            const h = l.callback.handleEvent;
            if (typeof h !== "function") throw new TypeError("The event listener's handleEvent is not a function.");
            ret = h.call(l.callback, event);
          }
          if (ret === true) event.preventDefault();
        }
      }
    } finally {
      endDispatch(event);
    }
    return !event.defaultPrevented;
  }
}

// dispatchTrusted dispatches an event the runtime itself raises.
export function dispatchTrusted(target, event) {
  markTrusted(event);
  return target.dispatchEvent(event);
}

function dict(init) {
  return init === undefined || init === null ? {} : init;
}

export class CustomEvent extends Event {
  #detail;
  constructor(type, init = undefined) {
    super(type, init);
    this.#detail = dict(init).detail;
  }
  get detail() {
    if (!(#detail in this)) throw illegal();
    return this.#detail;
  }
}

export class ErrorEvent extends Event {
  #i;
  constructor(type, init = undefined) {
    super(type, init);
    const d = dict(init);
    this.#i = {
      message: d.message === undefined ? "" : String(d.message),
      filename: d.filename === undefined ? "" : String(d.filename),
      lineno: d.lineno >>> 0,
      colno: d.colno >>> 0,
      error: d.error,
    };
  }
  get message() {
    return this.#i.message;
  }
  get filename() {
    return this.#i.filename;
  }
  get lineno() {
    return this.#i.lineno;
  }
  get colno() {
    return this.#i.colno;
  }
  get error() {
    return this.#i.error;
  }
}

export class MessageEvent extends Event {
  #i;
  constructor(type, init = undefined) {
    super(type, init);
    const d = dict(init);
    this.#i = {
      data: d.data === undefined ? null : d.data,
      origin: d.origin === undefined ? "" : String(d.origin),
      lastEventId: d.lastEventId === undefined ? "" : String(d.lastEventId),
      source: d.source ?? null,
      ports: d.ports ? Array.from(d.ports) : [],
    };
  }
  get data() {
    return this.#i.data;
  }
  get origin() {
    return this.#i.origin;
  }
  get lastEventId() {
    return this.#i.lastEventId;
  }
  get source() {
    return this.#i.source;
  }
  get ports() {
    return this.#i.ports;
  }
}

export class CloseEvent extends Event {
  #i;
  constructor(type, init = undefined) {
    super(type, init);
    const d = dict(init);
    this.#i = {
      code: d.code === undefined ? 0 : d.code & 0xffff,
      reason: d.reason === undefined ? "" : String(d.reason),
      wasClean: !!d.wasClean,
    };
  }
  get code() {
    return this.#i.code;
  }
  get reason() {
    return this.#i.reason;
  }
  get wasClean() {
    return this.#i.wasClean;
  }
}

const CREATE = Symbol("create");
let signalAlgorithms, signalAbort;

export class AbortSignal extends EventTarget {
  #aborted = false;
  #reason = undefined;
  #algorithms = new Set();
  #onabort = null;

  constructor(token = undefined) {
    if (token !== CREATE) throw new TypeError("Illegal constructor");
    super();
  }

  static {
    signalAlgorithms = (s) => s.#algorithms;
    signalAbort = (s, reason) => {
      if (s.#aborted) return;
      s.#aborted = true;
      s.#reason = reason === undefined ? new DOMException("The operation was aborted", "AbortError") : reason;
      const algorithms = [...s.#algorithms];
      s.#algorithms.clear();
      try {
        for (const fn of algorithms) fn(s.#reason);
        const ev = new Event("abort");
        dispatchTrusted(s, ev);
        const on = s.#onabort;
        if (typeof on === "function") on.call(s, ev);
        else if (on !== null && typeof on.handleEvent === "function") on.handleEvent(ev);
      } finally {
        clearListeners(s);
      }
    };
  }

  get aborted() {
    if (!(#aborted in this)) throw illegal();
    return this.#aborted;
  }
  get reason() {
    if (!(#aborted in this)) throw illegal();
    return this.#reason;
  }
  get onabort() {
    if (!(#aborted in this)) throw illegal();
    return this.#onabort;
  }
  set onabort(h) {
    if (!(#aborted in this)) throw illegal();
    this.#onabort = typeof h === "function" || (h !== null && typeof h === "object") ? h : null;
  }
  throwIfAborted() {
    if (!(#aborted in this)) throw illegal();
    if (this.#aborted) throw this.#reason;
  }

  static abort(reason = undefined) {
    const s = new AbortSignal(CREATE);
    s.#aborted = true;
    s.#reason = reason === undefined ? new DOMException("The operation was aborted", "AbortError") : reason;
    return s;
  }

  static timeout(ms) {
    ms = Number(ms);
    if (!Number.isFinite(ms) || ms < 0) {
      throw new TypeError("AbortSignal.timeout(): the delay must be a non-negative finite number.");
    }
    const s = new AbortSignal(CREATE);
    globalThis.setTimeout(() => {
      signalAbort(s, new DOMException("The operation was aborted due to timeout", "TimeoutError"));
    }, ms);
    return s;
  }

  static any(signals) {
    const list = Array.from(signals);
    for (const sig of list) {
      if (!(sig instanceof AbortSignal)) throw new TypeError("AbortSignal.any(): every element must be an AbortSignal.");
    }
    for (const sig of list) {
      if (sig.aborted) return AbortSignal.abort(sig.reason);
    }
    const s = new AbortSignal(CREATE);
    const detach = [];
    const fire = (reason) => {
      for (const d of detach) d();
      signalAbort(s, reason);
    };
    for (const sig of list) detach.push(onAbort(sig, fire));
    return s;
  }
}

export class AbortController {
  #signal = new AbortSignal(CREATE);
  get signal() {
    if (!(#signal in this)) throw illegal();
    return this.#signal;
  }
  abort(reason = undefined) {
    if (!(#signal in this)) throw illegal();
    signalAbort(this.#signal, reason);
  }
}

// onAbort registers fn(reason) to run when signal aborts (before its "abort"
// event) and returns a function that unregisters it. If the signal has
// already aborted, fn is not run: check signal.aborted first.
export function onAbort(signal, fn) {
  const set = signalAlgorithms(signal);
  set.add(fn);
  return () => set.delete(fn);
}

// newAbortSignal returns a fresh signal; abortSignal aborts it.
export function newAbortSignal() {
  return new AbortSignal(CREATE);
}

export function abortSignal(signal, reason) {
  signalAbort(signal, reason);
}

// Names are set explicitly: the bundler may rename a class that shadows a
// global another module refers to (URL -> _URL).
for (const [name, C] of Object.entries({
  Event,
  EventTarget,
  CustomEvent,
  ErrorEvent,
  MessageEvent,
  CloseEvent,
  AbortSignal,
  AbortController,
})) {
  Object.defineProperty(C, "name", { value: name, configurable: true });
  Object.defineProperty(C.prototype, Symbol.toStringTag, { value: name, configurable: true });
  Object.defineProperty(globalThis, name, { value: C, writable: true, enumerable: false, configurable: true });
}
for (const C of [Event, EventTarget, AbortController]) uncloneable(C);
