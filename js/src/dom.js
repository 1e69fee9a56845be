// dom.js: DOMException, navigator and performance.
//
// DOMException follows WebIDL and workerd: it extends Error (so `instanceof
// Error` holds and it has a stack), name/code are prototype getters, message
// is an own property as for Error, and the legacy XXX_ERR constants sit on
// both the constructor and the prototype. Other runtime modules import it
// from here; host.js finds it on globalThis to rethrow DOMException-named Go
// errors.
//
// performance.now() reads a monotonic Go clock ("perf.now", milliseconds
// since the runtime's HostSet was built, which is also timeOrigin). workerd
// instead freezes time between I/O events (a Spectre mitigation); isola's
// clock advances while JS runs. The difference is documented, not hidden.
import { call } from "./host.js";

const codes = {
  IndexSizeError: 1,
  HierarchyRequestError: 3,
  WrongDocumentError: 4,
  InvalidCharacterError: 5,
  NoModificationAllowedError: 7,
  NotFoundError: 8,
  NotSupportedError: 9,
  InUseAttributeError: 10,
  InvalidStateError: 11,
  SyntaxError: 12,
  InvalidModificationError: 13,
  NamespaceError: 14,
  InvalidAccessError: 15,
  TypeMismatchError: 17,
  SecurityError: 18,
  NetworkError: 19,
  AbortError: 20,
  URLMismatchError: 21,
  QuotaExceededError: 22,
  TimeoutError: 23,
  InvalidNodeTypeError: 24,
  DataCloneError: 25,
};

const constants = {
  INDEX_SIZE_ERR: 1,
  DOMSTRING_SIZE_ERR: 2,
  HIERARCHY_REQUEST_ERR: 3,
  WRONG_DOCUMENT_ERR: 4,
  INVALID_CHARACTER_ERR: 5,
  NO_DATA_ALLOWED_ERR: 6,
  NO_MODIFICATION_ALLOWED_ERR: 7,
  NOT_FOUND_ERR: 8,
  NOT_SUPPORTED_ERR: 9,
  INUSE_ATTRIBUTE_ERR: 10,
  INVALID_STATE_ERR: 11,
  SYNTAX_ERR: 12,
  INVALID_MODIFICATION_ERR: 13,
  NAMESPACE_ERR: 14,
  INVALID_ACCESS_ERR: 15,
  VALIDATION_ERR: 16,
  TYPE_MISMATCH_ERR: 17,
  SECURITY_ERR: 18,
  NETWORK_ERR: 19,
  ABORT_ERR: 20,
  URL_MISMATCH_ERR: 21,
  QUOTA_EXCEEDED_ERR: 22,
  TIMEOUT_ERR: 23,
  INVALID_NODE_TYPE_ERR: 24,
  DATA_CLONE_ERR: 25,
};

export class DOMException extends Error {
  #name;
  constructor(message = undefined, options = undefined) {
    super(message === undefined ? "" : String(message));
    let name = "Error";
    if (options !== undefined && options !== null && typeof options === "object") {
      if (options.name !== undefined) name = String(options.name);
      if ("cause" in options) {
        Object.defineProperty(this, "cause", { value: options.cause, writable: true, configurable: true });
      }
    } else if (options !== undefined) {
      name = String(options);
    }
    this.#name = name;
  }
  get name() {
    if (!(#name in this)) throw new TypeError("Illegal invocation");
    return this.#name;
  }
  get code() {
    if (!(#name in this)) throw new TypeError("Illegal invocation");
    return codes[this.#name] ?? 0;
  }
}

// One defineProperties per object: building a runtime runs this, and a
// loop of defineProperty calls cost twice as much on QuickJS.
{
  const descs = {};
  for (const k in constants) descs[k] = { value: constants[k], enumerable: true };
  Object.defineProperties(DOMException, descs);
  Object.defineProperties(DOMException.prototype, descs);
}
Object.defineProperty(DOMException.prototype, Symbol.toStringTag, { value: "DOMException", configurable: true });

// Navigator is what workerd exposes as globalThis.navigator.
export class Navigator {
  constructor() {
    throw new TypeError("Illegal constructor");
  }
  get userAgent() {
    return "Cloudflare-Workers";
  }
  get hardwareConcurrency() {
    return 1;
  }
  get language() {
    return "en";
  }
  get languages() {
    return ["en"];
  }
}
Object.defineProperty(Navigator.prototype, Symbol.toStringTag, { value: "Navigator", configurable: true });

// Read when asked, not at start-up: a runtime may be started ahead of its
// worker (the sandbox warm pool), and its origin is when the worker starts.
let timeOrigin;
const origin = () => (timeOrigin ??= call("perf.timeOrigin"));

export class Performance {
  constructor() {
    throw new TypeError("Illegal constructor");
  }
  get timeOrigin() {
    return origin();
  }
  now() {
    return call("perf.now");
  }
  toJSON() {
    return { timeOrigin: origin() };
  }
}
Object.defineProperty(Performance.prototype, Symbol.toStringTag, { value: "Performance", configurable: true });

function install(name, value) {
  Object.defineProperty(globalThis, name, { value, writable: true, enumerable: false, configurable: true });
}

// Names are set explicitly: the bundler may rename a class that shadows a
// global another module refers to.
for (const [name, C] of Object.entries({ DOMException, Navigator, Performance })) {
  Object.defineProperty(C, "name", { value: name, configurable: true });
}
// ---- V8 and workerd conventions QuickJS lacks ------------------------------

// Error.captureStackTrace(obj[, fn]) is V8's: it gives obj a "stack" of the
// current call stack, headed by obj's "name: message". Libraries call it in
// their error constructors; QuickJS's frames are used, fn is ignored.
if (typeof Error.captureStackTrace !== "function") {
  Object.defineProperty(Error, "captureStackTrace", {
    value: function captureStackTrace(obj, fn = undefined) {
      if (obj === null || (typeof obj !== "object" && typeof obj !== "function")) {
        throw new TypeError("Invalid argument");
      }
      let head;
      try {
        head = Error.prototype.toString.call(obj);
      } catch {
        head = "Error";
      }
      const frames = String(new Error().stack || "").split("\n").slice(1).join("\n");
      Object.defineProperty(obj, "stack", { value: frames ? head + "\n" + frames : head, writable: true, enumerable: false, configurable: true });
    },
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

// Date strings end with the time zone's name, as in V8: workerd runs in UTC.
for (const m of ["toString", "toTimeString"]) {
  const f = Date.prototype[m];
  Object.defineProperty(Date.prototype, m, {
    value: {
      [m]() {
        const s = f.call(this);
        return s === "Invalid Date" ? s : s + " (Coordinated Universal Time)";
      },
    }[m],
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

install("DOMException", DOMException);
install("Navigator", Navigator);
install("Performance", Performance);
install("navigator", Object.create(Navigator.prototype));
install("performance", Object.create(Performance.prototype));
