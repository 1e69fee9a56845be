// WebSocketPair in one request: accept, text and binary messages both ways,
// event order, readyState, and what the pair looks like.
const tick = () => new Promise((r) => setTimeout(r, 0));

export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    const pair = new WebSocketPair();
    const [a, b] = Object.values(pair);
    if (path === "/shape") {
      return Response.json({
        keys: Object.keys(pair),
        same: pair[0] === a && pair[1] === b,
        tag: Object.prototype.toString.call(a),
        consts: [WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED, a.OPEN === undefined ? "no-instance-const" : a.OPEN],
        initial: [a.readyState, b.readyState],
        url: a.url,
        protocol: a.protocol,
        extensions: a.extensions,
        isEventTarget: a instanceof EventTarget,
      });
    }
    const log = [];
    a.accept();
    b.accept();
    log.push("states " + a.readyState + " " + b.readyState);
    b.addEventListener("message", (e) => {
      const d = e.data;
      log.push("b got " + (typeof d === "string" ? "text " + d : Object.prototype.toString.call(d) + " " + new Uint8Array(d).join(",")));
      if (d === "ping") b.send("pong");
    });
    a.onmessage = (e) => log.push("a got " + e.data + " " + (e instanceof MessageEvent));
    if (path === "/messages") {
      a.send("ping");
      a.send(new Uint8Array([1, 2, 3]));
      a.send(new Uint16Array([258]).buffer);
      a.send(new DataView(new Uint8Array([9, 8]).buffer));
      log.push("sent");
      for (let i = 0; i < 5; i++) await tick();
      return Response.json(log);
    }
    if (path === "/order") {
      for (let i = 0; i < 20; i++) a.send("m" + i);
      for (let i = 0; i < 5; i++) await tick();
      return Response.json(log);
    }
    return new Response("?", { status: 404 });
  },
};
