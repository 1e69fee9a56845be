export default {
  async fetch() {
    const s = AbortSignal.timeout(10);
    const before = s.aborted;
    const ev = await new Promise((resolve) => s.addEventListener("abort", (e) => resolve(e.type)));
    return Response.json({ before, ev, after: s.aborted, reason: [s.reason.name, s.reason instanceof DOMException, s.reason.code] });
  },
};
