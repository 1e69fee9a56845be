import { DurableObject } from "cloudflare:workers";
export class Thing extends DurableObject {
  who() {
    const id = this.ctx.id;
    return { name: id.name ?? null, hex: /^[0-9a-f]{64}$/.test(id.toString()) };
  }
  async fetch(req) { return Response.json(this.who()); }
}
export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const ns = env.THING;
    switch (url.pathname) {
      case "/from-name": return Response.json(await ns.get(ns.idFromName("n1")).who());
      case "/by-name": return Response.json(await ns.getByName("n2").who());
      case "/unique": return Response.json(await ns.get(ns.newUniqueId()).who());
      case "/fetch": return ns.getByName("n3").fetch("http://do/");
      case "/same-id": {
        const id = ns.idFromName("n4");
        const inside = await ns.get(id).who();
        return Response.json({ inside, equal: id.toString() === ns.idFromName("n4").toString() });
      }
    }
    return new Response("no route", { status: 404 });
  },
};
