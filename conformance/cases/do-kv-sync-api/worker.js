import { DurableObject } from "cloudflare:workers";
export class Store extends DurableObject {
  run() {
    const kv = this.ctx.storage.kv;
    const put = kv.put("b", { v: 2 });
    kv.put("a", 1);
    kv.put("c", [3]);
    const list = kv.list();
    return {
      put: put === undefined ? "undefined" : put,
      get: kv.get("b"),
      missing: kv.get("nope") === undefined,
      listTag: Object.prototype.toString.call(list),
      listIsMap: list instanceof Map,
      entries: [...list],
      prefix: [...kv.list({ prefix: "a" })],
      limited: [...kv.list({ reverse: true, limit: 2 })],
      deleted: kv.delete("a"),
      deletedAgain: kv.delete("a"),
    };
  }
  async asyncView() {
    return { a: (await this.ctx.storage.get("a")) ?? null, b: await this.ctx.storage.get("b") };
  }
}
export default {
  async fetch(req, env) {
    const stub = env.S.getByName("s");
    return Response.json({ sync: await stub.run(), asyncView: await stub.asyncView() });
  },
};
