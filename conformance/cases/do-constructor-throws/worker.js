import { DurableObject } from "cloudflare:workers";
export class Broken extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    throw new Error("constructor blew up");
  }
  fetch() { return new Response("unreachable"); }
  method() { return "unreachable"; }
}
export class Fine extends DurableObject {
  fetch() { return new Response("fine"); }
}
export default {
  async fetch(req, env) {
    const p = new URL(req.url).pathname;
    if (p === "/fetch") return env.BROKEN.getByName("b").fetch(req);
    if (p === "/rpc") return new Response(await env.BROKEN.getByName("b").method());
    if (p === "/caught") {
      try { await env.BROKEN.getByName("b").method(); return new Response("no error"); }
      catch (e) { return Response.json({ threw: true, isError: e instanceof Error }); }
    }
    return env.FINE.getByName("f").fetch(req);
  },
};
