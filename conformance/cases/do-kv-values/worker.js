import { DurableObject } from "cloudflare:workers";
const describe = (v, seen = new Set()) => {
  if (v === null || typeof v !== "object") return [typeof v, typeof v === "bigint" ? String(v) : v === undefined ? "undefined" : Number.isNaN(v) ? "NaN" : Object.is(v, -0) ? "-0" : v];
  if (seen.has(v)) return ["cycle"];
  seen.add(v);
  if (v instanceof Date) return ["Date", v.toISOString()];
  if (v instanceof RegExp) return ["RegExp", v.source, v.flags];
  if (v instanceof Map) return ["Map", [...v].map(([k, x]) => [describe(k, seen), describe(x, seen)])];
  if (v instanceof Set) return ["Set", [...v].map((x) => describe(x, seen))];
  if (v instanceof ArrayBuffer) return ["ArrayBuffer", [...new Uint8Array(v)]];
  if (ArrayBuffer.isView(v)) return [v.constructor.name, Array.from(v instanceof DataView ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : v, String)];
  if (v instanceof Error) return ["Error", v.constructor.name, v.name, v.message];
  if (Array.isArray(v)) return ["Array", v.length, v.map((x) => describe(x, seen))];
  return ["Object", Object.entries(v).map(([k, x]) => [k, describe(x, seen)])];
};
const VALUES = {
  number: 1.5, negZero: -0, nan: NaN, string: "str ✓", bool: false, nul: null, bigint: 10n,
  date: new Date(Date.UTC(2020, 1, 2, 3, 4, 5)),
  map: new Map([[1, "one"], ["k", { v: 2 }]]),
  set: new Set([1, "a"]),
  arrayBuffer: new Uint8Array([1, 2, 3]).buffer,
  typed: [new Int16Array([-1, 300]), new Float32Array([0.5]), new BigUint64Array([7n])],
  nested: { a: { b: [1, { c: "d" }], u: undefined }, arr: [1, , 3] },
  error: new TypeError("stored error"),
  regexp: /x+/g,
  boxed: [new String("s"), new Number(4), new Boolean(false)],
};
const attempt = async (f) => { try { return { ok: await f() }; } catch (e) { return { name: e.name, message: e.message }; } };
export class Store extends DurableObject {
  async step(n) {
    const s = this.ctx.storage;
    if (n === 1) {
      for (const [k, v] of Object.entries(VALUES)) await s.put(k, v);
      const cyc = { name: "c" }; cyc.self = cyc;
      await s.put("cycle", cyc);
      return {
        undefinedValue: await attempt(() => s.put("u", undefined)),
        fn: await attempt(() => s.put("f", () => 1)),
        symbol: await attempt(() => s.put("s", Symbol("x"))),
        nonStringKey: await attempt(() => s.put(5, "five")),
      };
    }
    const out = {};
    for (const k of [...Object.keys(VALUES), "cycle"]) out[k] = describe(await s.get(k));
    out.numberKey = describe(await s.get("5"));
    return out;
  }
}
export default {
  async fetch(req, env) {
    return Response.json(await env.S.getByName("s").step(Number(new URL(req.url).pathname.slice(1))));
  },
};
