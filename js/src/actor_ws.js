// actor_ws.js: the WebSocket hibernation API of Durable Objects. The
// sockets, their tags and attachments live in Go (internal/actor
// hibernation.go, internal/websocket); a DurableObjectState only wraps them,
// so an instance may be evicted and re-created while they stay open.
// actor.js calls installHibernation once with what it owns.
import { register, call, lazy } from "./host.js";
import { utf8Encode } from "./streams.js";
// websocket.js is a lazy module: loaded by the first of these calls.
const ws_ = () => lazy("websocket");

const MAX_TAGS = 10;
const MAX_TAG_LENGTH = 256;
const MAX_AUTO = 2048;

// As in workerd, the next message of a hibernatable socket is delivered
// while a webSocketMessage handler awaits I/O (an AIChatAgent's cancel
// arrives while its reply streams): actor.ws returns once the handler
// settled or yielded to a macrotask, and a handler still running keeps its
// object resident (do.ws.hold). At most MAX_OVERLAP handlers of an object
// overlap; past that a message waits for its handler, which bounds memory
// under a flood. An object with a hibernatable event timeout keeps one
// handler at a time, so that the timeout (enforced by the caller in Go)
// covers each handler whole.
const MAX_OVERLAP = 16;
const overlapping = new WeakMap(); // DurableObjectState -> handlers running

async function overlap(ns, id, state, run) {
  const p = Promise.resolve().then(run);
  const n = overlapping.get(state) ?? 0;
  if (n >= MAX_OVERLAP || call("do.ws.timeoutGet", ns, id)) return p;
  let settled = false;
  const done = p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await Promise.race([done, new Promise((r) => setTimeout(r, 0))]);
  if (settled) return p;
  overlapping.set(state, n + 1);
  const held = call("do.ws.hold", ns, id);
  p.catch((e) => console.error("Uncaught (in webSocketMessage)", e)).finally(() => {
    overlapping.set(state, (overlapping.get(state) ?? 1) - 1);
    if (held) call("do.ws.unhold", ns, id);
  });
}

export function installHibernation({ DurableObjectState, instance, stateKey }) {
  // state -> Map(end id -> WebSocket): one JS object per socket per instance.
  const wrappers = new WeakMap();

  function cache(state) {
    let m = wrappers.get(state);
    if (!m) wrappers.set(state, (m = new Map()));
    return m;
  }

  function wrap(state, id) {
    const m = cache(state);
    let ws = m.get(id);
    if (!ws) {
      const st = call("ws.state", id);
      ws = ws_().wsHibernatable(id, { closed: st.closed, url: st.url, protocol: st.protocol });
      m.set(id, ws);
    }
    return ws;
  }

  function hibernatable(ws, what) {
    if (!(ws instanceof ws_().WebSocket)) {
      throw new TypeError(`Failed to execute '${what}' on 'DurableObjectState': parameter 1 is not of type 'WebSocket'.`);
    }
    const p = ws_().wsInternals(ws);
    return p;
  }

  const methods = {
    acceptWebSocket(ws, tags = undefined) {
      const p = hibernatable(ws, "acceptWebSocket");
      const distinct = [];
      if (tags !== undefined && tags !== null) {
        const seen = new Set();
        for (let tag of tags) {
          tag = String(tag);
          if (seen.size >= MAX_TAGS) throw new Error(`a Hibernatable WebSocket cannot have more than ${MAX_TAGS} tags`);
          if (utf8Encode(tag).length > MAX_TAG_LENGTH) {
            throw new Error(`"${tag}" is longer than the max tag length (${MAX_TAG_LENGTH} characters).`);
          }
          if (!seen.has(tag)) {
            seen.add(tag);
            distinct.push(tag);
          }
        }
      }
      if (p.hibernatable) throw new Error("Cannot call `acceptWebSocket()` if the WebSocket was already accepted via `accept()`");
      const { ns, id } = stateKey(this);
      p.checkHibernatable();
      call("do.ws.accept", ns, id, p.id, distinct);
      p.markHibernatable();
      cache(this).set(p.id, ws);
    },
    getWebSockets(tag = undefined) {
      const { ns, id } = stateKey(this);
      const ids = call("do.ws.list", ns, id, tag === undefined || tag === null ? null : String(tag));
      return ids.map((i) => wrap(this, i));
    },
    getTags(ws) {
      const p = hibernatable(ws, "getTags");
      if (!p.hibernatable) throw new Error("you must call 'acceptWebSocket()' before attempting to access the tags of a WebSocket.");
      return call("do.ws.tags", p.id);
    },
    setWebSocketAutoResponse(pair = undefined) {
      const { ns, id } = stateKey(this);
      if (pair === undefined || pair === null) {
        call("do.ws.auto", ns, id, null, null);
        return;
      }
      if (!(pair instanceof ws_().WebSocketRequestResponsePair)) {
        throw new TypeError("Failed to execute 'setWebSocketAutoResponse' on 'DurableObjectState': parameter 1 is not of type 'WebSocketRequestResponsePair'.");
      }
      const rq = utf8Encode(pair.request).length;
      const rs = utf8Encode(pair.response).length;
      if (rq > MAX_AUTO) throw new RangeError(`Request cannot be larger than ${MAX_AUTO} bytes. A request of size ${rq} was provided.`);
      if (rs > MAX_AUTO) throw new RangeError(`Response cannot be larger than ${MAX_AUTO} bytes. A response of size ${rs} was provided.`);
      call("do.ws.auto", ns, id, pair.request, pair.response);
    },
    getWebSocketAutoResponse() {
      const { ns, id } = stateKey(this);
      const r = call("do.ws.autoGet", ns, id);
      return r ? new (ws_().WebSocketRequestResponsePair)(r[0], r[1]) : null;
    },
    getWebSocketAutoResponseTimestamp(ws) {
      const p = hibernatable(ws, "getWebSocketAutoResponseTimestamp");
      const ms = call("do.ws.autoTime", p.id);
      return ms === undefined || ms === null ? null : new Date(ms);
    },
    setHibernatableWebSocketEventTimeout(ms = undefined) {
      const { ns, id } = stateKey(this);
      call("do.ws.timeout", ns, id, ms === undefined || ms === null ? 0 : Math.max(0, Math.trunc(Number(ms)) || 0));
    },
    getHibernatableWebSocketEventTimeout() {
      const { ns, id } = stateKey(this);
      return call("do.ws.timeoutGet", ns, id) ?? null;
    },
  };
  for (const [k, fn] of Object.entries(methods)) {
    Object.defineProperty(DurableObjectState.prototype, k, { value: fn, writable: true, configurable: true, enumerable: false });
  }

  // actor.ws(ns, cls, id, name, event): a hibernatable socket's event.
  register("actor.ws", async (ns, cls, id, name, ev) => {
    const o = await instance(ns, cls, id, name);
    const ws = wrap(o.state, ev.ws);
    const inst = o.inst;
    switch (ev.k) {
      case "text":
        if (typeof inst.webSocketMessage === "function") await overlap(ns, id, o.state, () => inst.webSocketMessage(ws, ev.d));
        break;
      case "binary": {
        const data = ev.d.buffer.byteLength === ev.d.byteLength ? ev.d.buffer : ev.d.slice().buffer;
        if (typeof inst.webSocketMessage === "function") await overlap(ns, id, o.state, () => inst.webSocketMessage(ws, data));
        break;
      }
      case "close":
        ws_().wsInternals(ws).gotClose(); // CLOSING until the handler closes too
        cache(o.state).delete(ev.ws);
        if (typeof inst.webSocketClose === "function") await inst.webSocketClose(ws, ev.c, ev.r, ev.w);
        break;
      case "error":
        ws_().wsInternals(ws).setClosed();
        cache(o.state).delete(ev.ws);
        if (typeof inst.webSocketError === "function") await inst.webSocketError(ws, new Error(ev.r));
        break;
    }
  });
}
