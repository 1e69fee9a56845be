// A chat room: the worker serves one page and routes /room/<name>/ws to the
// room's Durable Object, which keeps every connection with the WebSocket
// hibernation API. Between messages the object may be evicted from memory;
// the sockets stay open, and each socket's user name rides in its
// attachment. The last 50 messages are kept in the object's SQLite.
import { DurableObject } from "cloudflare:workers";
import { page } from "./page";

interface Env {
  ROOMS: DurableObjectNamespace<ChatRoom>;
}

type Attachment = { name: string };

export class ChatRoom extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, text TEXT NOT NULL, at INTEGER NOT NULL)`);
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade") !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const name = (new URL(request.url).searchParams.get("name") || "anonymous").slice(0, 32);
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server, ["user:" + name]);
    server.serializeAttachment({ name } satisfies Attachment);
    const history = this.ctx.storage.sql
      .exec("SELECT name, text, at FROM messages ORDER BY id DESC LIMIT 50")
      .toArray()
      .reverse();
    server.send(JSON.stringify({ type: "history", messages: history }));
    this.broadcast({ type: "join", name, online: this.online() });
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer) {
    if (typeof raw !== "string") return;
    let msg: { text?: string };
    try {
      msg = JSON.parse(raw);
    } catch {
      ws.send(JSON.stringify({ type: "error", error: "messages are JSON" }));
      return;
    }
    const text = String(msg.text ?? "").slice(0, 1000);
    if (!text) return;
    const { name } = ws.deserializeAttachment() as Attachment;
    const at = Date.now();
    this.ctx.storage.sql.exec("INSERT INTO messages (name, text, at) VALUES (?, ?, ?)", name, text, at);
    this.ctx.storage.sql.exec("DELETE FROM messages WHERE id <= (SELECT max(id) - 50 FROM messages)");
    this.broadcast({ type: "message", name, text, at });
  }

  async webSocketClose(ws: WebSocket, code: number, reason: string) {
    const { name } = ws.deserializeAttachment() as Attachment;
    ws.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
    this.broadcast({ type: "leave", name, online: this.online() - 1 }, ws);
  }

  async webSocketError(ws: WebSocket) {
    ws.close(1011, "error");
  }

  private online(): number {
    return this.ctx.getWebSockets().length;
  }

  private broadcast(msg: unknown, except?: WebSocket) {
    const data = JSON.stringify(msg);
    for (const ws of this.ctx.getWebSockets()) {
      if (ws === except) continue;
      try {
        ws.send(data);
      } catch {
        // closing
      }
    }
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const m = url.pathname.match(/^\/room\/([\w-]{1,64})\/ws$/);
    if (m) return env.ROOMS.getByName(m[1]).fetch(request);
    if (url.pathname === "/") return new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } });
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
