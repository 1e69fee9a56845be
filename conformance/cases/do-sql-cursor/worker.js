import { DurableObject } from "cloudflare:workers";
export class Db extends DurableObject {
  cursor() {
    const sql = this.ctx.storage.sql;
    const out = {};
    const created = sql.exec("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT)");
    out.create = { cols: created.columnNames, rows: created.toArray() };
    const ins = sql.exec("INSERT INTO t (k, v) VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    ins.toArray();
    out.insert = { written: ins.rowsWritten };
    const ret = sql.exec("UPDATE t SET v = v || '!' WHERE k >= 2 RETURNING k, v");
    out.returning = { rows: ret.toArray(), written: ret.rowsWritten };
    const c = sql.exec("SELECT k, v FROM t ORDER BY k");
    out.columnNames = c.columnNames;
    out.first = c.next();
    out.rest = [...c];
    out.afterEnd = c.next();
    out.readAfter = c.rowsRead;
    out.raw = sql.exec("SELECT k, v, k * 2 AS twice FROM t ORDER BY k DESC").raw().toArray();
    const r = sql.exec("SELECT v FROM t ORDER BY k").raw();
    out.rawNext = [r.next(), [...r]];
    out.rawCols = sql.exec("SELECT k AS key, v FROM t").raw().columnNames;
    out.one = sql.exec("SELECT v FROM t WHERE k = ?", 1).one();
    out.empty = { rows: sql.exec("SELECT * FROM t WHERE k > 100").toArray(), cols: sql.exec("SELECT * FROM t WHERE k > 100").columnNames };
    out.multi = sql.exec("INSERT INTO t (v) VALUES ('x'); SELECT count(*) AS n FROM t").toArray();
    const del = sql.exec("DELETE FROM t");
    del.toArray();
    out.del = { written: del.rowsWritten };
    out.iterTag = Object.prototype.toString.call(sql.exec("SELECT 1"));
    return out;
  }
}
export default {
  async fetch(req, env) {
    return Response.json(await env.DB.getByName(new URL(req.url).pathname).cursor());
  },
};
