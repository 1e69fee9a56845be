import { DurableObject } from "cloudflare:workers";
export class Store extends DurableObject {
  async run() {
    const s = this.ctx.storage;
    await s.put("n", 0);
    const committed = await s.transaction(async (txn) => { await txn.put("n", 1); await txn.put("m", "in txn"); return "returned"; });
    const afterCommit = [await s.get("n"), await s.get("m")];
    let thrown;
    try {
      await s.transaction(async (txn) => { await txn.put("n", 2); await txn.delete("m"); throw new Error("abort"); });
    } catch (e) { thrown = [e.name, e.message]; }
    const afterThrow = [await s.get("n"), await s.get("m")];
    const rolled = await s.transaction(async (txn) => { await txn.put("n", 3); txn.rollback(); return "after rollback"; });
    const afterRollback = await s.get("n");
    s.sql.exec("CREATE TABLE IF NOT EXISTS t (x)");
    try {
      await s.transaction(async () => { s.sql.exec("INSERT INTO t VALUES (1)"); throw new RangeError("sql abort"); });
    } catch (e) { thrown.push(e.name, e.message); }
    const sqlRows = s.sql.exec("SELECT count(*) AS n FROM t").one().n;
    return { committed, afterCommit, thrown, afterThrow, rolled, afterRollback, sqlRows };
  }
}
export default {
  async fetch(req, env) {
    return Response.json(await env.S.getByName("s").run());
  },
};
