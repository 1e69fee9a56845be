// Misuse of a WebSocket: the error class and message of each.
function attempt(fn) {
  try {
    const r = fn();
    return "ok " + String(r);
  } catch (e) {
    return (e?.constructor?.name ?? typeof e) + " " + e.name + ": " + e.message;
  }
}

export default {
  async fetch(request) {
    const out = {};
    {
      const [a] = Object.values(new WebSocketPair());
      out.sendBeforeAccept = attempt(() => a.send("x"));
      out.closeBeforeAccept = attempt(() => a.close());
    }
    {
      const [a] = Object.values(new WebSocketPair());
      a.accept();
      out.acceptTwice = attempt(() => a.accept());
    }
    for (const code of [999, 1001, 1004, 1005, 1006, 1011, 1015, 2999, 3000, 4999, 5000, 1000.5]) {
      const [a] = Object.values(new WebSocketPair());
      a.accept();
      out["close" + code] = attempt(() => a.close(code, "r"));
    }
    {
      const [a] = Object.values(new WebSocketPair());
      a.accept();
      out.longReason = attempt(() => a.close(1000, "x".repeat(124)));
      out.reason123 = attempt(() => a.close(1000, "x".repeat(123)));
    }
    {
      const [a, b] = Object.values(new WebSocketPair());
      a.accept();
      out.responseWithAccepted = attempt(() => new Response(null, { status: 101, webSocket: a }).status);
      out.response200WithSocket = attempt(() => new Response(null, { status: 200, webSocket: b }).status);
    }
    out.newWebSocketBadScheme = attempt(() => new WebSocket("ftp://example.com/"));
    out.newWebSocketBadURL = attempt(() => new WebSocket("not a url"));
    out.newWebSocketFragment = attempt(() => new WebSocket("wss://example.com/#frag"));
    return Response.json(out);
  },
};
