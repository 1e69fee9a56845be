// runtime.js: entry of the runtime bundle. Each import installs one family
// of globals. Order matters only where noted.
import * as host from "./host.js";
import shared from "isola:shared"; // the modules chunks import (js/build)
import "./dom.js"; // first: other modules use DOMException
import "./encoding.js";
import "./url.js";
import { fire } from "./timers.js";
import "./console.js";
import "./streams.js";
import { toJSRequest, fromJSResponse } from "./http.js";
import "./fetch.js";
import "./websocket_fetch.js"; // after fetch.js: wraps fetch for Upgrade: websocket
import "./worker.js"; // cloudflare:workers classes and the worker hooks; imports actor.js
import "./loader.js"; // Dynamic Workers: the LOADER binding and the sandbox hooks

// Lazy modules (js/build lazyModules): chunks loaded on first use of one of
// their globals (or, for hooks, a call from Go). Their imports of the
// modules above come from shared.
host.provide(shared);
host.lazyModule("clone", ["structuredClone"]);
host.lazyModule("events", ["Event", "EventTarget", "CustomEvent", "ErrorEvent", "MessageEvent", "CloseEvent", "AbortSignal", "AbortController"]);
host.lazyModule("crypto", ["crypto", "Crypto", "SubtleCrypto", "CryptoKey"]);
host.lazyModule("compression", ["CompressionStream", "DecompressionStream"]);
host.lazyModule("blob", ["Blob", "File"]);
host.lazyModule("formdata", ["FormData"]);
host.lazyModule("websocket", ["WebSocket", "WebSocketPair", "WebSocketRequestResponsePair"], ["ws.deliver"]);

// Indirect eval for engine.Runtime.Eval (tests and tools).
host.register("eval", (src) => (0, eval)(src));

// Engine hooks: taken by the engine right after this bundle runs, then removed.
globalThis.__isola_hooks = {
  invoke: host.invoke,
  settle: host.settle,
  timer: fire,
  http: { request: toJSRequest, response: fromJSResponse },
};
