import { DurableObject } from "cloudflare:workers";
const attempt = (f) => { try { return { ok: f().toArray() }; } catch (e) { return { name: e.name, message: e.message }; } };
export class Db extends DurableObject {
  check() {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS t (k INTEGER)");
    const stmts = [
      "BEGIN", "BEGIN TRANSACTION", "COMMIT", "ROLLBACK", "SAVEPOINT sp", "RELEASE sp",
      "ATTACH DATABASE ':memory:' AS other", "DETACH DATABASE other",
      "PRAGMA journal_mode", "PRAGMA journal_mode = DELETE", "PRAGMA synchronous = OFF", "PRAGMA table_info(t)",
      "PRAGMA foreign_keys", "PRAGMA user_version", "VACUUM", "SELECT sqlite_version() IS NOT NULL AS v",
      "CREATE TEMP TABLE tmp (x)", "SELECT load_extension('x')",
    ];
    const out = {};
    for (const s of stmts) out[s] = attempt(() => sql.exec(s));
    return out;
  }
}
export default {
  async fetch(req, env) {
    return Response.json(await env.DB.getByName("x").check());
  },
};
