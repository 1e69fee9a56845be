import { DurableObject } from "cloudflare:workers";
const attempt = (f) => { try { return { ok: f().toArray() }; } catch (e) { return { name: e.name, message: e.message }; } };
export class Db extends DurableObject {
  async check() {
    await this.ctx.storage.put("k", "v");
    const sql = this.ctx.storage.sql;
    return {
      readKv: attempt(() => sql.exec("SELECT * FROM _cf_KV")),
      writeKv: attempt(() => sql.exec("DELETE FROM _cf_KV")),
      create: attempt(() => sql.exec("CREATE TABLE _cf_mine (x)")),
      createLower: attempt(() => sql.exec("CREATE TABLE _CF_other (x)")),
      master: attempt(() => sql.exec("SELECT name FROM sqlite_master WHERE name NOT LIKE '_cf%' ORDER BY name")),
      kvStill: await this.ctx.storage.get("k"),
    };
  }
}
export default {
  async fetch(req, env) {
    return Response.json(await env.DB.getByName("x").check());
  },
};
