import { DurableObject } from "cloudflare:workers";
const attempt = async (f) => { try { const m = await f(); return [...m.keys()]; } catch (e) { return { name: e.name, message: e.message }; } };
export class Store extends DurableObject {
  async run() {
    const s = this.ctx.storage;
    const keys = ["a", "aa", "ab", "b", "ba", "c", "é", "z", "A", "0", "a/b", "a/c"];
    for (const k of keys) await s.put(k, k.toUpperCase());
    const all = await s.list();
    return {
      all: [...all],
      start: await attempt(() => s.list({ start: "b" })),
      startAfter: await attempt(() => s.list({ startAfter: "b" })),
      end: await attempt(() => s.list({ end: "b" })),
      range: await attempt(() => s.list({ start: "aa", end: "ba" })),
      prefix: await attempt(() => s.list({ prefix: "a" })),
      prefixSlash: await attempt(() => s.list({ prefix: "a/" })),
      reverse: await attempt(() => s.list({ reverse: true })),
      limit: await attempt(() => s.list({ limit: 3 })),
      reverseLimit: await attempt(() => s.list({ reverse: true, limit: 2 })),
      prefixReverseLimit: await attempt(() => s.list({ prefix: "a", reverse: true, limit: 2 })),
      startEndReverse: await attempt(() => s.list({ start: "a", end: "b", reverse: true })),
      emptyRange: await attempt(() => s.list({ start: "z", end: "a" })),
      prefixStart: await attempt(() => s.list({ prefix: "a", start: "ab" })),
      startAfterEnd: await attempt(() => s.list({ startAfter: "a", end: "ab" })),
      limitZero: await attempt(() => s.list({ limit: 0 })),
      bothStarts: await attempt(() => s.list({ start: "a", startAfter: "b" })),
    };
  }
}
export default {
  async fetch(req, env) {
    return Response.json(await env.S.getByName("s").run());
  },
};
