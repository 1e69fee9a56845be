import { DurableObject } from "cloudflare:workers";
const attempt = (f) => { try { const c = f(); return { ok: c.toArray() }; } catch (e) { return { name: e.name, message: e.message }; } };
export class Db extends DurableObject {
  check() {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    return {
      syntax: attempt(() => sql.exec("SELEC nonsense")),
      noTable: attempt(() => sql.exec("SELECT * FROM missing")),
      noColumn: attempt(() => sql.exec("SELECT nope FROM t")),
      notNull: attempt(() => sql.exec("INSERT INTO t (k, v) VALUES (1, NULL)")),
      unique: attempt(() => { sql.exec("INSERT OR REPLACE INTO t VALUES (1, 'a')"); return sql.exec("INSERT INTO t VALUES (1, 'b')"); }),
      tooFew: attempt(() => sql.exec("SELECT ?, ?", 1)),
      tooMany: attempt(() => sql.exec("SELECT ?", 1, 2)),
      badBinding: attempt(() => sql.exec("SELECT ?", { a: 1 })),
      empty: attempt(() => sql.exec("")),
      notString: attempt(() => sql.exec(42)),
      tooLong: attempt(() => sql.exec("SELECT '" + "x".repeat(100_001) + "'")),
      still: sql.exec("SELECT count(*) AS n FROM t").one().n,
    };
  }
}
export default {
  async fetch(req, env) {
    return Response.json(await env.DB.getByName("x").check());
  },
};
