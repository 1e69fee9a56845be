const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  async fetch() {
    const aborted = AbortSignal.abort();
    const custom = new AbortController();
    custom.abort(new RangeError("custom reason"));
    return Response.json({
      relative: await attemptAsync(() => fetch("/relative")),
      invalid: await attemptAsync(() => fetch("http://[bad")),
      scheme: await attemptAsync(() => fetch("ftp://example.com/file")),
      dataUrl: await attemptAsync(async () => (await fetch("data:text/plain,hi")).status),
      abortedSignal: await attemptAsync(() => fetch("https://example.com/", { signal: aborted })),
      customReason: await attemptAsync(() => fetch("https://example.com/", { signal: custom.signal })),
      badMethod: await attemptAsync(() => fetch("https://example.com/", { method: "bad method" })),
      getBody: await attemptAsync(() => fetch("https://example.com/", { method: "GET", body: "x" })),
      requestObject: await attemptAsync(() => fetch(new Request("https://example.com/", { signal: aborted }))),
      isFunction: typeof fetch,
    });
  },
};
