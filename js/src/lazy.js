// lazy.js: the lazy modules (js/build lazyModules), declared before any
// other module runs: until one of their globals is first read (or, for a
// hook, called from Go), they are accessors, and building a runtime
// evaluates none of them. runtime.js imports this second, after host.js;
// a bundle module's top level must not read these globals (it would load
// the module while building every runtime).
import { chunk, lazyModule, lazyProperty } from "./host.js";

lazyModule("clone", ["structuredClone"]);
lazyModule("url", ["URL", "URLSearchParams"]);
lazyModule("encoding", ["TextEncoder", "TextDecoder", "atob", "btoa"]);
lazyModule("console", ["console"]);
lazyModule("events", ["Event", "EventTarget", "CustomEvent", "ErrorEvent", "MessageEvent", "CloseEvent", "AbortSignal", "AbortController"]);
lazyModule("crypto", ["crypto", "Crypto", "SubtleCrypto", "CryptoKey"]);
lazyModule("compression", ["CompressionStream", "DecompressionStream"]);
lazyModule("blob", ["Blob", "File"]);
lazyModule("formdata", ["FormData"]);
lazyModule("websocket", ["WebSocket", "WebSocketPair", "WebSocketRequestResponsePair"], ["ws.deliver"]);
// URLPattern: urlpattern-polyfill, a chunk of its own (js/src/chunks).
lazyProperty(globalThis, "URLPattern", () => chunk("urlpattern").URLPattern);
