// Closing one end of a WebSocketPair: the other end's close event, codes,
// reasons, readyState before and after, and sends after close.
const tick = () => new Promise((r) => setTimeout(r, 0));

export default {
  async fetch(request) {
    const u = new URL(request.url);
    const [a, b] = Object.values(new WebSocketPair());
    a.accept();
    b.accept();
    const log = [];
    for (const [n, ws] of [["a", a], ["b", b]]) {
      ws.addEventListener("close", (e) => log.push(`${n} close ${e.code} ${JSON.stringify(e.reason)} ${e.wasClean} state=${ws.readyState} ${e instanceof CloseEvent}`));
      ws.addEventListener("error", (e) => log.push(`${n} error ${e.message}`));
    }
    const code = u.searchParams.get("code");
    const reason = u.searchParams.get("reason");
    if (code === null) a.close();
    else if (reason === null) a.close(Number(code));
    else a.close(Number(code), reason);
    log.push("after close a=" + a.readyState + " b=" + b.readyState);
    try {
      a.send("late");
      log.push("send after close: ok");
    } catch (e) {
      log.push("send after close: " + e.name + ": " + e.message);
    }
    for (let i = 0; i < 5; i++) await tick();
    log.push("end a=" + a.readyState + " b=" + b.readyState);
    try {
      b.send("to closed");
      log.push("b send: ok");
    } catch (e) {
      log.push("b send: " + e.name + ": " + e.message);
    }
    return Response.json(log);
  },
};
