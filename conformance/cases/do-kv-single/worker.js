import { DurableObject } from "cloudflare:workers";
export class Store extends DurableObject {
  async step(n) {
    const s = this.ctx.storage;
    if (n === 1) {
      const missing = await s.get("a");
      const put = await s.put("a", "one");
      await s.put("b", 2);
      await s.put("", "empty key");
      await s.put("a", "one again");
      return { missing: missing === undefined, put: put === undefined, a: await s.get("a"), empty: await s.get("") };
    }
    const delA = await s.delete("a");
    const delAgain = await s.delete("a");
    return { b: await s.get("b"), afterDelete: (await s.get("a")) === undefined, delA, delAgain, empty: await s.get("") };
  }
}
export default {
  async fetch(req, env) {
    return Response.json(await env.S.getByName("s").step(Number(new URL(req.url).pathname.slice(1))));
  },
};
