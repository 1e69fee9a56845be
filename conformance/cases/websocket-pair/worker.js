const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  async fetch() {
    const pair = new WebSocketPair();
    const [a, b] = Object.values(pair);
    const log = [];
    a.accept();
    b.accept();
    const closed = new Promise((resolve) => {
      b.addEventListener("message", (e) => { log.push(["b got", typeof e.data === "string" ? e.data : [...new Uint8Array(e.data)]]); if (e.data === "bye") b.close(1000, "done"); });
      a.addEventListener("close", (e) => { log.push(["a close", e.code, e.reason]); resolve(); });
    });
    a.send("hello");
    a.send(new Uint8Array([1, 2, 3]));
    a.send("bye");
    await closed;
    return Response.json({
      keys: Object.keys(pair), log, readyState: [WebSocket.OPEN, WebSocket.CLOSED],
      badCode: attempt(() => new WebSocketPair()[0].close(1, "x")),
    });
  },
};
