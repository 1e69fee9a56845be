import { DurableObject } from "cloudflare:workers";
const attempt = (f) => { try { return { ok: f() }; } catch (e) { return { name: e.name, message: e.message }; } };
export class Db extends DurableObject {
  check() {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS t (k INTEGER)");
    sql.exec("DELETE FROM t");
    sql.exec("INSERT INTO t VALUES (1), (2)");
    const partly = sql.exec("SELECT k FROM t ORDER BY k");
    partly.next();
    return {
      none: attempt(() => sql.exec("SELECT k FROM t WHERE k > 5").one()),
      two: attempt(() => sql.exec("SELECT k FROM t").one()),
      one: attempt(() => sql.exec("SELECT k FROM t WHERE k = 2").one()),
      afterNext: attempt(() => partly.one()),
      write: attempt(() => sql.exec("INSERT INTO t VALUES (3)").one()),
    };
  }
}
export default {
  async fetch(req, env) {
    return Response.json(await env.DB.getByName("x").check());
  },
};
