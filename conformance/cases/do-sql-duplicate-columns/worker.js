import { DurableObject } from "cloudflare:workers";
export class Db extends DurableObject {
  run() {
    const sql = this.ctx.storage.sql;
    return {
      names: sql.exec("SELECT 1 AS x, 2 AS x").columnNames,
      three: sql.exec("SELECT 1 AS x, 2 AS y, 3 AS x").columnNames,
      raw: sql.exec("SELECT 1 AS x, 2 AS x").raw().toArray(),
      objects: sql.exec("SELECT 1 AS x, 2 AS x").toArray(),
      unnamed: sql.exec("SELECT 1, 1 + 1, 'a' || 'b'").columnNames,
    };
  }
}
export default {
  async fetch(req, env) {
    return Response.json(await env.DB.getByName("x").run());
  },
};
