import { DurableObject } from "cloudflare:workers";
export class Responder extends DurableObject {
  async fetch(req) {
    const p = new URL(req.url).pathname;
    switch (p) {
      case "/status": return new Response("teapot", { status: 418, statusText: "I'm a teapot", headers: { "X-From": "object", "Content-Type": "text/x-tea" } });
      case "/redirect": return Response.redirect("https://example.com/next", 302);
      case "/json": return Response.json({ ok: true }, { headers: { "X-Json": "1" } });
      case "/empty": return new Response(null, { status: 204 });
      case "/bytes": return new Response(new Uint8Array([0, 1, 2, 255]));
      case "/stream": {
        const { readable, writable } = new TransformStream();
        const w = writable.getWriter();
        (async () => { for (const s of ["a", "b", "c"]) await w.write(new TextEncoder().encode(s)); await w.close(); })();
        return new Response(readable);
      }
    }
    return new Response("no route", { status: 404 });
  }
}
export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const stub = env.R.getByName("r");
    const r = await stub.fetch("http://do.test" + url.pathname);
    const bytes = new Uint8Array(await r.arrayBuffer());
    return Response.json({
      status: r.status, statusText: r.statusText, redirected: r.redirected,
      location: r.headers.get("location"), from: r.headers.get("x-from"), type: r.headers.get("content-type"),
      json: r.headers.get("x-json"), body: [...bytes],
    });
  },
};
