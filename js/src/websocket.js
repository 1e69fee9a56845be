// websocket.js: WebSocket, WebSocketPair and WebSocketRequestResponsePair.
// A WebSocket here is a handle on one end owned by Go (internal/websocket),
// named by its id: messages sent on it go to the other end, which may be
// another WebSocket in this or another runtime, a network connection, or a
// Durable Object's hibernation manager. Events reach an accepted socket
// through a pull loop (ws.recv), so a socket whose peer is slow to read
// never grows memory here.
import { call, callAsync, register } from "./host.js";
import { dispatchTrusted, MessageEvent, CloseEvent, ErrorEvent, Event, EventTarget } from "./events.js";
import { serialize, deserialize } from "./clone.js";

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
const INTERNAL = Symbol("internal");
const encoder = new TextEncoder();

// Ends whose JS object was collected before anyone used them.
const collected = new FinalizationRegistry((id) => {
  try {
    call("ws.release", id);
  } catch {
    // the end is gone already
  }
});

let priv; // (ws) => its private record
let deliverTo; // (ws, event) => dispatches one event from Go

// Ends whose events Go delivers through the ws.deliver hook, by id.
const pushed = new Map();

// Ends of pairs made here and accept()ed here, by id, while their peer may
// still be accepted here too; then both deliver in JS (see accept).
const localEnds = new Map();

const NOT_ACCEPTED = "You must call one of accept() or state.acceptWebSocket() on this WebSocket before sending messages.";

function invalidState(msg) {
  return new DOMException(msg, "InvalidStateError");
}

function report(e) {
  console.error("Uncaught", e);
}

function copyBytes(data) {
  if (data instanceof ArrayBuffer) return data.slice(0);
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
}

export class WebSocket extends EventTarget {
  static CONNECTING = CONNECTING;
  static OPEN = OPEN;
  static CLOSING = CLOSING;
  static CLOSED = CLOSED;

  #id = 0;
  #peer = 0; // the other end's id, for pairs made here
  #local = null; // the other end, when both were accepted in this runtime
  #inbox = []; // events from #local waiting for their microtask
  #draining = false;
  #state = OPEN;
  #accepted = false; // accept(), acceptWebSocket() or an outgoing connection
  #used = false; // handed to a Response
  #hib = false; // accepted by a Durable Object's hibernation manager
  #sentClose = false;
  #url = null;
  #protocol = "";
  #binaryType = "arraybuffer";
  #queued = []; // sends before an outgoing connection opened

  static {
    priv = (ws) => ({
      get id() {
        return ws.#id;
      },
      markUsed() {
        if (ws.#accepted) throw new TypeError("Can't return WebSocket in a Response after calling accept().");
        if (ws.#used) throw new TypeError("Can't return WebSocket in a Response if it was already used in another Response.");
        ws.#used = true;
        localEnds.delete(ws.#peer);
        collected.unregister(ws);
      },
      checkHibernatable() {
        if (ws.#accepted) throw new Error("Cannot call `acceptWebSocket()` if the WebSocket was already accepted via `accept()`");
        if (ws.#used) {
          throw new Error("Cannot call `acceptWebSocket()` on this WebSocket because its pair has already been accepted or used in a Response.");
        }
      },
      markHibernatable() {
        ws.#accepted = true;
        ws.#hib = true;
        ws.#state = OPEN;
        localEnds.delete(ws.#peer);
        collected.unregister(ws);
      },
      setClosed() {
        ws.#state = CLOSED;
      },
      gotClose() {
        ws.#state = ws.#sentClose ? CLOSED : CLOSING;
      },
      get hibernatable() {
        return ws.#hib;
      },
    });
  }

  constructor(url, protocols = undefined, ...rest) {
    super();
    if (url === INTERNAL) {
      const [id, opts] = [protocols, rest[0] ?? {}];
      this.#id = id;
      this.#peer = opts.peer ?? 0;
      this.#url = opts.url || null;
      this.#protocol = opts.protocol || "";
      if (opts.hibernatable) {
        this.#accepted = true;
        this.#hib = true;
        this.#sentClose = !!opts.closed;
        this.#state = opts.closed ? CLOSING : OPEN;
      } else {
        collected.register(this, id, this);
      }
      return;
    }
    // new WebSocket(url, protocols): an outgoing connection.
    let u;
    try {
      u = new URL(String(url));
    } catch {
      throw new DOMException("WebSocket Constructor: The url is invalid.", "SyntaxError");
    }
    if (u.protocol !== "ws:" && u.protocol !== "wss:") {
      throw new DOMException("WebSocket Constructor: The url scheme must be ws or wss.", "SyntaxError");
    }
    if (u.hash) throw new DOMException("WebSocket Constructor: The url fragment must be empty.", "SyntaxError");
    const list = protocols === undefined ? [] : typeof protocols === "string" ? [protocols] : Array.from(protocols, String);
    if (new Set(list).size !== list.length) {
      throw new DOMException("WebSocket Constructor: The protocols must be unique.", "SyntaxError");
    }
    this.#url = u.href;
    this.#accepted = true;
    this.#state = CONNECTING;
    callAsync("ws.connect", u.href, list, []).then(
      (r) => {
        if (!r || !r.id) {
          this.#state = CLOSED;
          this.#fire(new ErrorEvent("error", { message: "WebSocket connection failed." }));
          this.#fire(new CloseEvent("close", { code: 1006, reason: "", wasClean: false }));
          return;
        }
        this.#id = r.id;
        this.#protocol = r.protocol || "";
        const push = call("ws.accept", r.id) === "push";
        if (push) pushed.set(r.id, this);
        const q = this.#queued;
        this.#queued = [];
        const closing = this.#state === CLOSING;
        this.#state = OPEN;
        if (!closing) this.#fire(new Event("open"));
        for (const [k, a, b] of q) {
          if (k === "send" && !this.#sentClose) call("ws.send", this.#id, a);
          if (k === "close") this.close(a, b);
        }
        if (!push) this.#pump();
      },
      (e) => {
        this.#state = CLOSED;
        this.#fire(new ErrorEvent("error", { message: String(e?.message ?? e), error: e }));
        this.#fire(new CloseEvent("close", { code: 1006, reason: "", wasClean: false }));
      },
    );
  }

  get url() {
    return this.#url;
  }
  get protocol() {
    return this.#protocol;
  }
  get extensions() {
    return "";
  }
  get readyState() {
    return this.#state;
  }
  get binaryType() {
    return this.#binaryType;
  }
  set binaryType(v) {
    if (v === "arraybuffer" || v === "blob") this.#binaryType = v;
  }
  get bufferedAmount() {
    return 0;
  }

  // accept() starts delivering this end's events to its listeners. When
  // the other end of the pair was accepted in this runtime too, both
  // deliver in JS from then on (in a microtask, as workerd does within one
  // I/O turn); what was sent before waits in Go and is taken first.
  accept(options = undefined) {
    if (this.#hib) throw new Error("Can't call accept() on a WebSocket accepted by acceptWebSocket().");
    if (this.#used) throw new TypeError("Can't accept() WebSocket that was already used in a response.");
    if (this.#accepted) return;
    this.#accepted = true;
    // Still registered with `collected`: an end whose script dropped it
    // without closing is released when it is collected.
    const peer = this.#peer ? localEnds.get(this.#peer) : undefined;
    if (peer !== undefined) {
      localEnds.delete(this.#peer);
      pushed.delete(this.#peer);
      this.#local = peer;
      peer.#local = this;
      for (const ev of call("ws.unpair", this.#id)) this.#enqueue(ev);
      return;
    }
    if (this.#peer) localEnds.set(this.#id, this);
    if (call("ws.accept", this.#id) === "push") {
      // Go delivers this end's events through the ws.deliver hook.
      pushed.set(this.#id, this);
      return;
    }
    this.#pump();
  }

  send(message) {
    if (!this.#accepted) throw new TypeError(NOT_ACCEPTED);
    let data;
    if (typeof message === "string") data = message;
    else if (message instanceof ArrayBuffer || ArrayBuffer.isView(message)) data = message;
    else data = String(message);
    if (this.#sentClose || this.#state === CLOSED) throw new TypeError("Can't call WebSocket send() after close().");
    if (this.#state === CONNECTING) {
      this.#queued.push(["send", data]);
      return;
    }
    const peer = this.#local;
    if (peer !== null) {
      if (peer.#state !== CLOSED) peer.#enqueue(typeof data === "string" ? { k: "text", d: data } : { k: "binary", d: copyBytes(data) });
      return;
    }
    call("ws.send", this.#id, data);
  }

  close(code = undefined, reason = undefined) {
    if (code !== undefined) {
      code = Math.trunc(Number(code));
      if (!(code >= 1000 && code <= 4999) || code === 1004 || code === 1005 || code === 1006 || code === 1015) {
        throw new DOMException(`Invalid WebSocket close code: ${code}.`, "InvalidAccessError");
      }
    }
    if (reason !== undefined) reason = String(reason);
    if (!this.#accepted) throw new TypeError(NOT_ACCEPTED);
    if (this.#sentClose) return;
    this.#sentClose = true;
    if (this.#state === CONNECTING) {
      this.#queued.push(["close", code, reason]);
      this.#state = CLOSING;
      return;
    }
    this.#state = this.#state === CLOSING ? CLOSED : CLOSING;
    const peer = this.#local;
    if (peer !== null) {
      if (peer.#state !== CLOSED) peer.#enqueue({ k: "close", c: code ?? 1005, r: reason ?? "", w: true });
      return;
    }
    call("ws.close", this.#id, code ?? null, reason ?? "");
  }

  serializeAttachment(value) {
    const bytes = serialize(value);
    if (bytes.byteLength > ATTACHMENT_LIMIT) {
      throw new Error(`A WebSocket 'attachment' cannot be larger than ${ATTACHMENT_LIMIT} bytes. 'attachment' was ${bytes.byteLength} bytes.`);
    }
    call("ws.setAttachment", this.#id, bytes);
  }

  deserializeAttachment() {
    const b = call("ws.attachment", this.#id);
    if (b === undefined || b === null) return null;
    return deserialize(b);
  }

  // #enqueue delivers an event from the local peer: one event per
  // microtask, re-queued behind whatever the handler caused, like
  // workerd's read loop that takes one message per turn.
  #enqueue(ev) {
    this.#inbox.push(ev);
    if (this.#draining) return;
    this.#draining = true;
    queueMicrotask(() => this.#step());
  }

  #step() {
    const ev = this.#inbox.shift();
    if (ev !== undefined) this.#dispatch(ev);
    if (this.#inbox.length > 0) queueMicrotask(() => this.#step());
    else this.#draining = false;
  }

  async #pump() {
    for (;;) {
      let evs;
      try {
        evs = await callAsync("ws.recv", this.#id);
      } catch {
        evs = [];
      }
      if (this.#local !== null) return; // both ends are here now
      if (evs.length === 0) {
        if (this.#state !== CLOSED) {
          this.#state = CLOSED;
          this.#fire(new CloseEvent("close", { code: 1006, reason: "", wasClean: false }));
        }
        localEnds.delete(this.#id);
        return;
      }
      for (const ev of evs) this.#dispatch(ev);
      if (this.#state === CLOSED || (this.#state === CLOSING && !this.#sentClose)) {
        localEnds.delete(this.#id);
        return; // the peer closed: nothing more comes
      }
    }
  }

  #dispatch(ev) {
    switch (ev.k) {
      case "text":
        this.#fire(new MessageEvent("message", { data: ev.d }));
        break;
      case "binary": {
        let data = ev.d instanceof ArrayBuffer ? ev.d : ev.d.buffer.byteLength === ev.d.byteLength ? ev.d.buffer : ev.d.slice().buffer;
        if (this.#binaryType === "blob" && typeof Blob === "function") data = new Blob([data]);
        this.#fire(new MessageEvent("message", { data }));
        break;
      }
      case "close":
        // As in workerd: CLOSING until this end closes too.
        this.#state = this.#sentClose ? CLOSED : CLOSING;
        this.#fire(new CloseEvent("close", { code: ev.c, reason: ev.r, wasClean: ev.w }));
        break;
      case "error":
        this.#state = CLOSED;
        this.#fire(new ErrorEvent("error", { message: ev.r, error: new Error(ev.r) }));
        this.#fire(new CloseEvent("close", { code: 1006, reason: ev.r, wasClean: false }));
        break;
    }
  }

  // deliver is the ws.deliver hook's way in: one event from Go.
  static {
    deliverTo = (ws, ev) => {
      if (ws.#local !== null) return;
      ws.#dispatch(ev);
      if (ws.#state === CLOSED || (ws.#state === CLOSING && !ws.#sentClose) || ev.k === "error") {
        pushed.delete(ws.#id);
        localEnds.delete(ws.#id);
      }
    };
  }

  #fire(event) {
    try {
      dispatchTrusted(this, event);
    } catch (e) {
      report(e);
    }
  }

  get [Symbol.toStringTag]() {
    return "WebSocket";
  }
}

for (const [k, v] of Object.entries({ CONNECTING, OPEN, CLOSING, CLOSED })) {
  Object.defineProperty(WebSocket.prototype, k, { value: v, enumerable: true });
}

for (const type of ["open", "message", "close", "error"]) {
  const slot = new WeakMap();
  Object.defineProperty(WebSocket.prototype, "on" + type, {
    get() {
      return slot.get(this) ?? null;
    },
    set(v) {
      slot.set(this, typeof v === "function" ? v : null);
    },
    configurable: true,
    enumerable: true,
  });
}

// The largest serialized attachment workerd accepts.
const ATTACHMENT_LIMIT = 16384;


export class WebSocketPair {
  constructor() {
    const [a, b] = call("ws.pair");
    this[0] = new WebSocket(INTERNAL, a, { peer: b });
    this[1] = new WebSocket(INTERNAL, b, { peer: a });
  }
  *[Symbol.iterator]() {
    yield this[0];
    yield this[1];
  }
  get [Symbol.toStringTag]() {
    return "WebSocketPair";
  }
}

export class WebSocketRequestResponsePair {
  #request;
  #response;
  constructor(request, response) {
    if (arguments.length < 1) {
      throw new TypeError("Failed to construct 'WebSocketRequestResponsePair': constructor parameter 1 is not of type 'string'.");
    }
    if (arguments.length < 2) {
      throw new TypeError("Failed to construct 'WebSocketRequestResponsePair': constructor parameter 2 is not of type 'string'.");
    }
    this.#request = String(request);
    this.#response = String(response);
  }
  get request() {
    return this.#request;
  }
  get response() {
    return this.#response;
  }
  get [Symbol.toStringTag]() {
    return "WebSocketRequestResponsePair";
  }
}

// wsHandle is how a WebSocket in a Response crosses to Go (http.js).
export function wsHandle(ws) {
  if (!(ws instanceof WebSocket)) throw new TypeError("Response webSocket must be a WebSocket.");
  const p = priv(ws);
  p.markUsed();
  return p.id;
}

// wsFromHandle wraps an end that came back from Go (a Durable Object's
// 101 response to stub.fetch, an upgraded fetch).
export function wsFromHandle(id, opts) {
  return new WebSocket(INTERNAL, id, opts);
}

// wsHibernatable wraps an end a Durable Object accepted for hibernation.
export function wsHibernatable(id, opts) {
  return new WebSocket(INTERNAL, id, { ...opts, hibernatable: true });
}

export function wsInternals(ws) {
  return priv(ws);
}

export { INTERNAL };

for (const [k, v] of Object.entries({ WebSocket, WebSocketPair, WebSocketRequestResponsePair })) {
  Object.defineProperty(globalThis, k, { value: v, writable: true, enumerable: false, configurable: true });
}

// ws.deliver(id, event): an event of an end accepted with accept(), when Go
// delivers by Call (see internal/actor hibernation.go "ws.accept").
register("ws.deliver", (id, ev) => {
  const ws = pushed.get(id);
  if (ws !== undefined) deliverTo(ws, ev);
});
