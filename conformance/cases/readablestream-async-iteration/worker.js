export default {
  async fetch() {
    const mk = (cancelLog) => new ReadableStream({
      start(c) { for (let i = 0; i < 5; i++) c.enqueue(i); c.close(); },
      cancel() { cancelLog.push("cancelled"); },
    });
    const all = [];
    for await (const v of mk([])) all.push(v);
    const cancelLog = [];
    const partial = [];
    const s = mk(cancelLog);
    for await (const v of s) { partial.push(v); if (v === 1) break; }
    const kept = [];
    const s2 = mk([]);
    for await (const v of s2.values({ preventCancel: true })) { kept.push(v); break; }
    return Response.json({ all, partial, cancelLog, lockedAfterBreak: s.locked, preventCancelLocked: s2.locked, rest: await new Response(s2.pipeThrough(new TransformStream({ transform(c, ctl) { ctl.enqueue(String(c)); } })).pipeThrough(new TextEncoderStream())).text() });
  },
};
