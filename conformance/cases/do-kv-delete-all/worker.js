import { DurableObject } from "cloudflare:workers";
export class Store extends DurableObject {
  async step(n) {
    const s = this.ctx.storage;
    if (n === 1) {
      await s.put({ a: 1, b: 2, c: 3 });
      s.sql.exec("CREATE TABLE IF NOT EXISTS t (x)");
      s.sql.exec("INSERT INTO t VALUES (1)");
      const r = await s.deleteAll();
      return { returned: r === undefined ? "undefined" : r, list: [...(await s.list())] };
    }
    if (n === 2) {
      const tables = s.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf%'").toArray();
      await s.put("fresh", true);
      return { list: [...(await s.list())], tables };
    }
    return { list: [...(await s.list())] };
  }
}
export default {
  async fetch(req, env) {
    return Response.json(await env.S.getByName("s").step(Number(new URL(req.url).pathname.slice(1))));
  },
};
