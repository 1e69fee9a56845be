// The app of the WebSocket process test (websocket_test.go): one chat room
// per name whose sockets are hibernatable.
import { DurableObject } from "cloudflare:workers";

export class Room extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    // Names this instance: a room that hibernated and woke has another.
    this.instance = Math.random().toString(36).slice(2);
  }
  whoami() {
    return this.env.NODE;
  }
  count(tag) {
    return this.ctx.getWebSockets(tag || undefined).length; // "" or null: all
  }
  async closes() {
    return Object.fromEntries(await this.ctx.storage.list({ prefix: "closed:" }));
  }
  async fetch(request) {
    const url = new URL(request.url);
    const user = url.searchParams.get("user") ?? "anon";
    const via = url.searchParams.get("via") ?? "";
    const [client, server] = Object.values(new WebSocketPair());
    if (url.searchParams.get("mode") === "plain") {
      // Not hibernatable: the instance handles it (and stays in memory).
      server.accept();
      server.addEventListener("message", (e) => server.send(`plain ${this.instance}: ${e.data}`));
      server.send(`welcome ${user} from ${this.env.NODE}`);
      return new Response(null, { status: 101, webSocket: client });
    }
    this.ctx.acceptWebSocket(server, ["user:" + user, "via:" + via]);
    server.serializeAttachment({ user });
    server.send(`welcome ${user} from ${this.env.NODE}`);
    return new Response(null, { status: 101, webSocket: client });
  }
  async webSocketMessage(ws, msg) {
    if (typeof msg !== "string") {
      ws.send(msg); // binary: echoed
      return;
    }
    if (msg === "who") {
      ws.send(JSON.stringify({ node: this.env.NODE, instance: this.instance, sockets: this.ctx.getWebSockets().length, tags: this.ctx.getTags(ws) }));
      return;
    }
    const { user } = ws.deserializeAttachment();
    for (const s of this.ctx.getWebSockets()) s.send(`${user}: ${msg}`);
  }
  async webSocketClose(ws, code) {
    const { user } = ws.deserializeAttachment();
    await this.ctx.storage.put("closed:" + user, code);
    for (const s of this.ctx.getWebSockets()) {
      if (s === ws) continue;
      try {
        s.send(`left ${user} ${code}`);
      } catch {}
    }
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, op, name] = url.pathname.split("/");
    if (!name) return new Response(env.NODE);
    if (op === "id") return new Response(env.ROOM.idFromName(name).toString());
    const room = env.ROOM.getByName(name);
    switch (op) {
      case "who":
        return new Response(await room.whoami());
      case "ws":
        return room.fetch(request);
      case "count":
        return new Response(String(await room.count(url.searchParams.get("tag"))));
      case "closes":
        return Response.json(await room.closes());
    }
    return new Response("not found", { status: 404 });
  },
};
