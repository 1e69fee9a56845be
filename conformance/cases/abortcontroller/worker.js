const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    const c = new AbortController();
    const log = [];
    c.signal.addEventListener("abort", (e) => log.push(["listener", e.type, c.signal.aborted]));
    c.signal.onabort = () => log.push("onabort");
    const before = [c.signal.aborted, c.signal.reason, attempt(() => { c.signal.throwIfAborted(); return "no throw"; })];
    c.abort();
    c.abort("second call ignored");
    const reason = c.signal.reason;
    const c2 = new AbortController();
    c2.abort("custom");
    const c3 = new AbortController();
    c3.abort(new RangeError("r"));
    return Response.json({
      before, log,
      defaultReason: [reason instanceof DOMException, reason.name, reason.code],
      custom: c2.signal.reason,
      customError: c3.signal.reason.name,
      throwIfAborted: (() => { try { c2.signal.throwIfAborted(); } catch (e) { return e; } })(),
      staticAbort: [AbortSignal.abort().aborted, AbortSignal.abort().reason.name, AbortSignal.abort(7).reason],
      newSignal: attempt(() => new AbortSignal()),
    });
  },
};
