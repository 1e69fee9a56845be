// runtime.js: entry of the runtime bundle. Each import installs one family
// of globals. Order matters only where noted.
import { invoke, settle, provide, register } from "./host.js";
import "./lazy.js"; // before the others: declares the lazy modules' globals
import "./dom.js"; // before the modules that use DOMException
import { fire } from "./timers.js";
import "./streams.js";
import { toJSRequest, fromJSResponse } from "./http.js";
import "./fetch.js";
import "./websocket_fetch.js"; // after fetch.js: wraps fetch for Upgrade: websocket
import "./worker.js"; // cloudflare:workers classes and the worker hooks; imports actor.js
import "./loader.js"; // Dynamic Workers: the LOADER binding (parent side)
import "./dynamic.js"; // Dynamic Workers: the sandbox hooks
import shared from "isola:shared"; // the modules the lazy ones import (js/build)

// The lazy modules (declared in lazy.js) import the modules above from
// shared when they load.
provide(shared);

// Indirect eval for engine.Runtime.Eval (tests and tools).
register("eval", (src) => (0, eval)(src));

// Engine hooks: taken by the engine right after this bundle runs, then removed.
globalThis.__isola_hooks = {
  invoke,
  settle,
  timer: fire,
  http: { request: toJSRequest, response: fromJSResponse },
};
