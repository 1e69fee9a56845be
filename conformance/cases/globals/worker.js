const names = [
  "fetch", "Request", "Response", "Headers", "URL", "URLSearchParams", "URLPattern", "TextEncoder", "TextDecoder",
  "TextEncoderStream", "TextDecoderStream", "atob", "btoa", "console", "setTimeout", "clearTimeout", "setInterval",
  "clearInterval", "queueMicrotask", "structuredClone", "AbortController", "AbortSignal", "Event", "EventTarget",
  "CustomEvent", "ReadableStream", "WritableStream", "TransformStream", "ReadableStreamDefaultReader",
  "ReadableStreamBYOBReader", "WritableStreamDefaultWriter", "ByteLengthQueuingStrategy", "CountQueuingStrategy",
  "CompressionStream", "DecompressionStream", "Blob", "File", "FormData", "crypto", "Crypto", "CryptoKey",
  "SubtleCrypto", "performance", "navigator", "DOMException", "WebSocket", "WebSocketPair", "caches", "HTMLRewriter",
  "scheduler", "MessageChannel", "MessagePort", "FixedLengthStream", "IdentityTransformStream", "EventSource",
  "self", "globalThis", "addEventListener", "reportError", "setImmediate", "process", "Buffer", "require",
  "window", "document", "localStorage", "XMLHttpRequest", "WebAssembly", "SharedArrayBuffer", "Atomics",
];
export default {
  fetch() {
    return Response.json({
      types: Object.fromEntries(names.map((n) => [n, typeof globalThis[n]])),
      selfIsGlobal: typeof self !== "undefined" && self === globalThis,
    });
  },
};
