import { DurableObject } from "cloudflare:workers";
export class Echo extends DurableObject {
  async fetch(req) {
    const h = {};
    for (const [k, v] of req.headers) if (k.startsWith("x-") || k === "content-type") h[k] = v;
    return Response.json({ method: req.method, url: req.url, headers: h, body: await req.text() });
  }
}
export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const stub = env.ECHO.getByName("e");
    switch (url.pathname) {
      case "/forward": return stub.fetch(req);
      case "/string": return stub.fetch("https://example.com/a/b?c=d#frag");
      case "/init": return stub.fetch("http://do.test/init", { method: "PUT", headers: { "X-One": "1", "Content-Type": "text/plain" }, body: "put body" });
      case "/request": return stub.fetch(new Request("http://do.test/req", { method: "POST", headers: [["x-multi", "a"], ["x-multi", "b"]], body: new Uint8Array([104, 105]) }));
      case "/json": return stub.fetch("http://do.test/json", { method: "POST", body: JSON.stringify({ a: [1, 2] }), headers: { "content-type": "application/json" } });
    }
    return new Response("no route", { status: 404 });
  },
};
