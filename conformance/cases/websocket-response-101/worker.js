// A Response carrying a WebSocket, inspected in the worker (not returned).
function attempt(fn) {
  try {
    return "ok " + JSON.stringify(fn());
  } catch (e) {
    return e.name + ": " + e.message;
  }
}

export default {
  async fetch(request) {
    const [client, server] = Object.values(new WebSocketPair());
    const r = new Response(null, { status: 101, webSocket: client, headers: { "x-a": "1" } });
    const out = {
      status: r.status,
      statusText: r.statusText,
      ok: r.ok,
      same: r.webSocket === client,
      body: r.body,
      plainWebSocket: new Response("x").webSocket,
      clone: attempt(() => r.clone().status),
      withBody: attempt(() => new Response("body", { status: 101, webSocket: server }).status),
      pairRR: attempt(() => {
        const p = new WebSocketRequestResponsePair("ping", "pong");
        return [p.request, p.response, Object.prototype.toString.call(p)];
      }),
      pairRRMissing: attempt(() => new WebSocketRequestResponsePair("ping")),
    };
    return Response.json(out);
  },
};
