export default {
  async fetch() {
    const log = [];
    const w = new WritableStream({
      start() { log.push("start"); },
      write(chunk) { log.push("write " + chunk); },
      close() { log.push("close"); },
      abort(r) { log.push("abort " + r); },
    });
    const writer = w.getWriter();
    await writer.ready;
    await writer.write("1");
    await writer.write("2");
    await writer.close();
    const w2 = new WritableStream({ abort(r) { log.push("abort2 " + r); } });
    await w2.abort("why");
    const failing = new WritableStream({ write() { throw new TypeError("nope"); } });
    const fw = failing.getWriter();
    const err = await fw.write("x").then(() => "ok", (e) => e.name);
    const closedErr = await fw.closed.then(() => "ok", (e) => e.name);
    return Response.json({ log, locked: w.locked, desiredSize: writer.desiredSize, err, closedErr });
  },
};
