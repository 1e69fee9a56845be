// The hibernation API, driven from the worker: it opens a WebSocket to a
// Durable Object through stub.fetch (the object's 101 carries the socket
// back), accepts it, and reports what the object's handlers saw.
import { DurableObject } from "cloudflare:workers";

function attempt(fn) {
  try {
    return "ok " + JSON.stringify(fn());
  } catch (e) {
    return e.name + ": " + e.message;
  }
}

export class Room extends DurableObject {
  async fetch(request) {
    const u = new URL(request.url);
    if (u.pathname === "/limits") {
      const out = {};
      const [a] = Object.values(new WebSocketPair());
      out.tooManyTags = attempt(() => this.ctx.acceptWebSocket(a, ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]));
      const [b] = Object.values(new WebSocketPair());
      out.longTag = attempt(() => this.ctx.acceptWebSocket(b, ["x".repeat(257)]));
      const [c] = Object.values(new WebSocketPair());
      c.accept();
      out.afterAccept = attempt(() => this.ctx.acceptWebSocket(c));
      out.bigAuto = attempt(() => this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("x".repeat(2049), "y")));
      out.bigAutoRes = attempt(() => this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("x", "y".repeat(2049))));
      out.noAuto = this.ctx.getWebSocketAutoResponse();
      out.timeout = this.ctx.getHibernatableWebSocketEventTimeout();
      out.hugeTimeout = attempt(() => this.ctx.setHibernatableWebSocketEventTimeout(604800001));
      const [d] = Object.values(new WebSocketPair());
      out.tagsOfPlain = attempt(() => this.ctx.getTags(d));
      return Response.json(out);
    }
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server, ["room", "user:" + (u.searchParams.get("user") ?? "x"), "room"]);
    server.serializeAttachment({ user: u.searchParams.get("user"), n: 1, when: new Date(0) });
    this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    return new Response(null, { status: 101, webSocket: client });
  }
  async webSocketMessage(ws, message) {
    if (message instanceof ArrayBuffer) {
      ws.send("binary " + new Uint8Array(message).join(","));
      return;
    }
    if (message === "info") {
      const att = ws.deserializeAttachment();
      ws.send(JSON.stringify({
        tags: this.ctx.getTags(ws),
        att: { user: att.user, n: att.n, when: att.when.toISOString() },
        all: this.ctx.getWebSockets().length,
        room: this.ctx.getWebSockets("room").length,
        none: this.ctx.getWebSockets("nobody").length,
        readyState: ws.readyState,
        same: this.ctx.getWebSockets().includes(ws),
        auto: this.ctx.getWebSocketAutoResponse()?.request,
        autoTs: this.ctx.getWebSocketAutoResponseTimestamp(ws) instanceof Date,
      }));
      return;
    }
    if (message === "bump") {
      const att = ws.deserializeAttachment();
      ws.serializeAttachment({ ...att, n: att.n + 1 });
      ws.send("n=" + ws.deserializeAttachment().n);
      return;
    }
    if (message === "bye") {
      ws.close(4001, "server bye");
      return;
    }
    ws.send("echo " + message);
  }
  async webSocketClose(ws, code, reason, wasClean) {
    const { user } = ws.deserializeAttachment();
    await this.ctx.storage.put("closed:" + user, [code, reason, wasClean, ws.readyState]);
  }
  async closed(user) {
    return (await this.ctx.storage.get("closed:" + user)) ?? null;
  }
}

async function open(env, name, user) {
  const stub = env.ROOM.getByName(name);
  const resp = await stub.fetch("http://do/ws?user=" + user, { headers: { Upgrade: "websocket" } });
  const ws = resp.webSocket;
  ws.accept();
  const inbox = [];
  let wake = null;
  ws.addEventListener("message", (e) => {
    inbox.push(e.data);
    if (wake) wake();
  });
  const closed = new Promise((r) => ws.addEventListener("close", (e) => r([e.code, e.reason, e.wasClean])));
  const next = async () => {
    while (inbox.length === 0) await new Promise((r) => (wake = r));
    return inbox.shift();
  };
  return { resp, ws, next, closed, stub };
}

export default {
  async fetch(request, env) {
    const u = new URL(request.url);
    if (u.pathname === "/limits") return env.ROOM.getByName("limits").fetch("http://do/limits");
    if (u.pathname === "/exchange") {
      const a = await open(env, "ex", "ann");
      const b = await open(env, "ex", "bob");
      const log = [a.resp.status, a.resp.webSocket === a.ws, a.ws.readyState];
      a.ws.send("hello");
      log.push(await a.next());
      a.ws.send("ping");
      log.push(await a.next());
      a.ws.send(new Uint8Array([7, 8]));
      log.push(await a.next());
      b.ws.send("info");
      log.push(JSON.parse(await b.next()));
      b.ws.send("bump");
      log.push(await b.next());
      b.ws.send("bump");
      log.push(await b.next());
      a.ws.send("info");
      log.push(JSON.parse(await a.next()));
      b.ws.send("bye");
      log.push(await b.closed, b.ws.readyState);
      a.ws.close(3000, "client bye");
      log.push(a.ws.readyState);
      for (let i = 0; i < 50 && (await a.stub.closed("ann")) === null; i++) await new Promise((r) => setTimeout(r, 10));
      log.push(await a.stub.closed("ann"), await a.stub.closed("bob"));
      return Response.json(log);
    }
    return new Response("?", { status: 404 });
  },
};
