import { DurableObject } from "cloudflare:workers";
export class Db extends DurableObject {
  run() {
    const sql = this.ctx.storage.sql;
    const before = sql.databaseSize;
    sql.exec("CREATE TABLE IF NOT EXISTS big (v TEXT)");
    for (let i = 0; i < 50; i++) sql.exec("INSERT INTO big VALUES (?)", "x".repeat(4000));
    const after = sql.databaseSize;
    return { type: typeof before, positive: before > 0, grew: after > before, pageMultiple: after % 4096 === 0 };
  }
}
export default {
  async fetch(req, env) {
    return Response.json(await env.DB.getByName("d").run());
  },
};
