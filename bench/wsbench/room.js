// The WebSocket benchmark's worker: every connection goes to one Durable
// Object per room, accepted with the hibernation API.
import { DurableObject } from "cloudflare:workers";

export class Room extends DurableObject {
  async fetch(request) {
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }
  async webSocketMessage(ws, message) {
    if (message === "broadcast") {
      for (const s of this.ctx.getWebSockets()) s.send("b");
      return;
    }
    ws.send(message);
  }
}

export default {
  async fetch(request, env) {
    const room = new URL(request.url).searchParams.get("room") ?? "r";
    return env.ROOM.getByName(room).fetch(request);
  },
};
