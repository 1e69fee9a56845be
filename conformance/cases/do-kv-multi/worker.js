import { DurableObject } from "cloudflare:workers";
const entries = (m) => (m instanceof Map ? ["Map", [...m]] : [typeof m, m]);
const attempt = async (f) => { try { return { ok: await f() }; } catch (e) { return { name: e.name, message: e.message }; } };
export class Store extends DurableObject {
  async run() {
    const s = this.ctx.storage;
    await s.put({ c: 3, a: 1, b: 2, d: { nested: true } });
    const got = await s.get(["b", "missing", "a", "d", "a"]);
    const deleted = await s.delete(["a", "missing", "b"]);
    return {
      got: entries(got),
      deleted,
      after: entries(await s.get(["a", "b", "c"])),
      emptyGet: entries(await s.get([])),
      emptyDelete: await s.delete([]),
      undefinedInMap: await attempt(async () => { await s.put({ x: undefined }); return entries(await s.get(["x"])); }),
      nonStringKeys: await attempt(async () => { await s.put({ 1: "one" }); return entries(await s.get([1, 2])); }),
    };
  }
}
export default {
  async fetch(req, env) {
    return Response.json(await env.S.getByName("s").run());
  },
};
