import { DurableObject } from "cloudflare:workers";
export class Store extends DurableObject {
  run() {
    const s = this.ctx.storage;
    s.sql.exec("CREATE TABLE IF NOT EXISTS t (x INTEGER)");
    s.sql.exec("DELETE FROM t");
    const value = s.transactionSync(() => { s.sql.exec("INSERT INTO t VALUES (1)"); s.kv.put("k", "v"); return { from: "closure" }; });
    let thrown = null;
    try {
      s.transactionSync(() => { s.sql.exec("INSERT INTO t VALUES (2)"); s.kv.put("k", "changed"); throw new TypeError("sync abort"); });
    } catch (e) { thrown = [e.name, e.message]; }
    let nested = null;
    try {
      nested = s.transactionSync(() => { s.sql.exec("INSERT INTO t VALUES (3)"); try { s.transactionSync(() => { s.sql.exec("INSERT INTO t VALUES (4)"); throw new Error("inner"); }); } catch (e) { return "inner caught: " + e.message; } });
    } catch (e) { nested = [e.name, e.message]; }
    let asyncFn = null;
    try { asyncFn = typeof s.transactionSync(async () => 1); } catch (e) { asyncFn = [e.name, e.message]; }
    return { value, thrown, nested, asyncFn, rows: s.sql.exec("SELECT x FROM t ORDER BY x").raw().toArray(), k: s.kv.get("k") };
  }
}
export default {
  async fetch(req, env) {
    return Response.json(await env.S.getByName("s").run());
  },
};
