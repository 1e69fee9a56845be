import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  async incr() {
    // get, then put: without input gates, concurrent calls would lose updates.
    const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
    await this.ctx.storage.put("n", n);
    return n;
  }
  sqlIncr() {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS c (id INTEGER PRIMARY KEY, n INTEGER)");
    return sql.exec("INSERT INTO c VALUES (1, 1) ON CONFLICT(id) DO UPDATE SET n = n + 1 RETURNING n").one().n;
  }
}
export default {
  async fetch(req, env) {
    const stub = env.C.getByName(new URL(req.url).pathname);
    const kv = await Promise.all(Array.from({ length: 20 }, () => stub.incr()));
    const sql = await Promise.all(Array.from({ length: 20 }, () => stub.sqlIncr()));
    return Response.json({ kv: kv.sort((a, b) => a - b), sql: sql.sort((a, b) => a - b) });
  },
};
