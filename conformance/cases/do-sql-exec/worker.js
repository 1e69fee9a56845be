import { DurableObject } from "cloudflare:workers";
const show = (v) => v instanceof ArrayBuffer ? ["ArrayBuffer", [...new Uint8Array(v)]] : [typeof v, v];
export class Db extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB, n)");
  }
  run(step) {
    const sql = this.ctx.storage.sql;
    if (step === "insert") {
      sql.exec("INSERT INTO t (i, r, s, b, n) VALUES (?, ?, ?, ?, ?)", 42, 1.25, "text ✓", new Uint8Array([1, 2]), null);
      sql.exec("INSERT INTO t (i, r, s, b, n) VALUES (?, ?, ?, ?, ?)", 2 ** 53 - 1, -0.5, "", new Uint8Array([]).buffer, 7);
      sql.exec("INSERT INTO t (i, r, s) VALUES (?1, ?1, ?2)", 3, "numbered");
      sql.exec("INSERT INTO t (i, s) VALUES (?, ?)", true, false);
      return sql.exec("SELECT count(*) AS n FROM t").one();
    }
    return sql.exec("SELECT i, r, s, b, n, typeof(i) AS ti, typeof(r) AS tr, typeof(b) AS tb FROM t ORDER BY id").toArray().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, show(v)])));
  }
}
export default {
  async fetch(req, env) {
    const step = new URL(req.url).pathname.slice(1);
    return Response.json(await env.DB.getByName("db").run(step));
  },
};
