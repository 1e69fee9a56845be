import { DurableObject } from "cloudflare:workers";
const attempt = async (f) => { try { await f(); return "ok"; } catch (e) { return { name: e.name, message: e.message }; } };
export class Store extends DurableObject {
  async run() {
    const s = this.ctx.storage;
    return {
      keyAtLimit: await attempt(() => s.put("k".repeat(2048), 1)),
      keyOver: await attempt(() => s.put("k".repeat(2049), 1)),
      keyOverUtf8: await attempt(() => s.put("é".repeat(1025), 1)),
      getKeyOver: await attempt(() => s.get("k".repeat(2049))),
      deleteKeyOver: await attempt(() => s.delete("k".repeat(2049))),
      valueNearLimit: await attempt(() => s.put("v", "x".repeat(128 * 1024 - 100))),
      valueOver: await attempt(() => s.put("v2", "x".repeat(128 * 1024 + 1))),
      valueOverBytes: await attempt(() => s.put("v3", new Uint8Array(200 * 1024))),
      multiValueOver: await attempt(() => s.put({ ok: 1, big: "x".repeat(130 * 1024) })),
      afterMulti: (await s.get("ok")) ?? null,
      getTooMany: await attempt(() => s.get(Array.from({ length: 129 }, (_, i) => "k" + i))),
      putTooMany: await attempt(() => s.put(Object.fromEntries(Array.from({ length: 129 }, (_, i) => ["k" + i, i])))),
      deleteTooMany: await attempt(() => s.delete(Array.from({ length: 129 }, (_, i) => "k" + i))),
      stored: [...(await s.list())].map(([k]) => k.length),
    };
  }
}
export default {
  async fetch(req, env) {
    return Response.json(await env.S.getByName("s").run());
  },
};
