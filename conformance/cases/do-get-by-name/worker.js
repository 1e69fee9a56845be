import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  async incr() {
    const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
    await this.ctx.storage.put("n", n);
    return n;
  }
}
export default {
  async fetch(req, env) {
    const byName = env.COUNTER.getByName("shared");
    const byId = env.COUNTER.get(env.COUNTER.idFromName("shared"));
    const byString = env.COUNTER.get(env.COUNTER.idFromString(env.COUNTER.idFromName("shared").toString()));
    return Response.json({
      steps: [await byName.incr(), await byId.incr(), await byString.incr(), await env.COUNTER.getByName("other").incr()],
      stubId: byName.id.equals(env.COUNTER.idFromName("shared")),
      stubName: byName.name ?? null,
      idName: byId.id.name ?? null,
    });
  },
};
