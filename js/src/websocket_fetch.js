// websocket_fetch.js: fetch() with "Upgrade: websocket" opens an outgoing
// WebSocket; the response is a 101 whose webSocket must be accept()ed.
// Imported by runtime.js after fetch.js, whose global fetch it wraps.
import { callAsync, lazy } from "./host.js";

const innerFetch = globalThis.fetch;
if (typeof innerFetch === "function") {
  const fetch = function fetch(input, init = undefined) {
    let headers;
    try {
      headers = new Headers(init != null && init.headers !== undefined ? init.headers : input instanceof Request ? input.headers : undefined);
    } catch {
      return innerFetch.apply(this, arguments);
    }
    if (String(headers.get("upgrade") ?? "").toLowerCase() !== "websocket") return innerFetch.apply(this, arguments);
    const req = new Request(input, init);
    const hdrs = [];
    for (const [k, v] of req.headers) {
      if (!["upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "sec-websocket-protocol", "sec-websocket-extensions", "host"].includes(k)) hdrs.push([k, v]);
    }
    const protos = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    return callAsync("ws.connect", req.url, protos, hdrs).then((r) => {
      if (!r.id) return new Response(null, { status: r.status || 502 });
      const { WebSocket, INTERNAL } = lazy("websocket");
      const ws = new WebSocket(INTERNAL, r.id, { url: r.url, protocol: r.protocol });
      const h = new Headers();
      if (r.protocol) h.set("sec-websocket-protocol", r.protocol);
      return new Response(null, { status: 101, webSocket: ws, headers: h });
    });
  };
  Object.defineProperty(globalThis, "fetch", { value: fetch, writable: true, configurable: true });
}

