import { DurableObject } from "cloudflare:workers";
export class Db extends DurableObject {
  check() {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS b (k INTEGER PRIMARY KEY, v BLOB)");
    const all = new Uint8Array(256).map((_, i) => i);
    sql.exec("INSERT INTO b VALUES (1, ?)", all);
    sql.exec("INSERT INTO b VALUES (2, ?)", all.buffer.slice(10, 20));
    sql.exec("INSERT INTO b VALUES (3, ?)", new DataView(all.buffer, 250, 6));
    sql.exec("INSERT INTO b VALUES (4, ?)", new Uint16Array([0x0102, 0xfffe]));
    sql.exec("INSERT INTO b VALUES (5, x'00ff10')");
    return sql.exec("SELECT k, v, length(v) AS len, hex(v) AS hex, typeof(v) AS t FROM b ORDER BY k").toArray().map((r) => ({
      k: r.k, len: r.len, hex: r.hex, t: r.t, ctor: r.v?.constructor?.name, bytes: r.v instanceof ArrayBuffer ? [...new Uint8Array(r.v)].slice(0, 8) : null,
    }));
  }
}
export default {
  async fetch(req, env) {
    return Response.json(await env.DB.getByName(new URL(req.url).pathname).check());
  },
};
