const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  async fetch() {
    const r = new Request("https://example.com/p?q=1#frag");
    const p = new Request("https://example.com/post", { method: "POST", body: "data", headers: { "X-A": "b" }, redirect: "manual" });
    const pBody = await p.clone().text();
    const copy = new Request(p, { headers: { "x-new": "1" } });
    return Response.json({
      url: r.url, method: r.method, redirect: r.redirect, bodyNull: r.body === null,
      headers: [...r.headers], signalAborted: r.signal.aborted,
      p: { method: p.method, redirect: p.redirect, headers: [...p.headers], body: pBody, usedAfterCopy: p.bodyUsed },
      copy: { url: copy.url, method: copy.method, headers: [...copy.headers], body: await copy.text() },
      relative: attempt(() => new Request("/relative").url),
      badRedirect: attempt(() => new Request("https://example.com", { redirect: "nope" })),
      badUrl: attempt(() => new Request("http://[x")),
    });
  },
};
