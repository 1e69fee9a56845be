import { DurableObject } from "cloudflare:workers";
export class Thing extends DurableObject {
  hello() { return { name: this.ctx.id.name ?? null, same: this.ctx.id.toString().length }; }
}
export default {
  async fetch(req, env) {
    const u = env.THING.newUniqueId();
    const v = env.THING.newUniqueId();
    const parsed = env.THING.idFromString(u.toString());
    return Response.json({
      hex: /^[0-9a-f]{64}$/.test(u.toString()),
      distinct: u.toString() !== v.toString() && !u.equals(v),
      name: u.name === undefined,
      roundTrip: parsed.equals(u) && parsed.toString() === u.toString(),
      parsedName: parsed.name === undefined,
      inside: await env.THING.get(u).hello(),
    });
  },
};
