export default {
  async fetch() {
    const a = new AbortController();
    const b = new AbortController();
    const any = AbortSignal.any([a.signal, b.signal]);
    const log = [];
    any.addEventListener("abort", () => log.push("any aborted: " + any.reason));
    const before = any.aborted;
    b.abort("from b");
    a.abort("from a");
    const pre = AbortSignal.any([AbortSignal.abort("already"), new AbortController().signal]);
    const empty = AbortSignal.any([]);
    const withTimeout = AbortSignal.any([AbortSignal.timeout(5), new AbortController().signal]);
    await new Promise((r) => withTimeout.addEventListener("abort", r));
    return Response.json({ before, log, reason: any.reason, pre: [pre.aborted, pre.reason], empty: empty.aborted, timeout: withTimeout.reason.name });
  },
};
