import { DurableObject } from "cloudflare:workers";
const counts = (c) => { const rows = c.toArray().length; return { rows, read: c.rowsRead, written: c.rowsWritten }; };
export class Db extends DurableObject {
  run() {
    const sql = this.ctx.storage.sql;
    return {
      create: counts(sql.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")),
      index: counts(sql.exec("CREATE INDEX tv ON t (v)")),
      insert: counts(sql.exec("INSERT INTO t (k, v) VALUES (1, 'a'), (2, 'b'), (3, 'c')")),
      selectAll: counts(sql.exec("SELECT * FROM t")),
      selectByKey: counts(sql.exec("SELECT * FROM t WHERE k = 2")),
      count: counts(sql.exec("SELECT count(*) FROM t")),
      update: counts(sql.exec("UPDATE t SET v = v || '!' WHERE k >= 2")),
      returning: counts(sql.exec("UPDATE t SET v = v || '?' WHERE k >= 2 RETURNING k")),
      delete: counts(sql.exec("DELETE FROM t WHERE k = 1")),
      drop: counts(sql.exec("DROP TABLE t")),
    };
  }
}
export default {
  async fetch(req, env) {
    return Response.json(await env.DB.getByName("x").run());
  },
};
