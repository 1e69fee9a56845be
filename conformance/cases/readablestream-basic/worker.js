const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  async fetch() {
    let pulls = 0;
    const s = new ReadableStream({
      start(c) { c.enqueue("a"); c.enqueue("b"); },
      pull(c) { pulls++; if (pulls < 3) c.enqueue("p" + pulls); else c.close(); },
    }, { highWaterMark: 1 });
    const r = s.getReader();
    const reads = [];
    for (;;) { const x = await r.read(); reads.push(x); if (x.done) break; }
    const locked = [s.locked, attempt(() => s.getReader())];
    r.releaseLock();
    let cancelReason;
    const c = new ReadableStream({ cancel(reason) { cancelReason = reason; } });
    await c.cancel("bye");
    const errored = new ReadableStream({ start(ctl) { ctl.error(new TypeError("bad")); } });
    const err = await errored.getReader().read().then(() => "no", (e) => e.name);
    return Response.json({ reads, pulls, locked, unlocked: s.locked, cancelReason, err });
  },
};
