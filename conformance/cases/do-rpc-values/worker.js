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
  number: () => 1.5, negZero: () => -0, nan: () => NaN, string: () => "str ✓", bool: () => false, nul: () => null, undef: () => undefined, bigint: () => 10n,
  date: () => new Date(Date.UTC(2020, 1, 2, 3, 4, 5)),
  map: () => new Map([[1, "one"], ["k", { v: 2 }]]),
  set: () => new Set([1, "a", 1]),
  arrayBuffer: () => new Uint8Array([1, 2, 3]).buffer,
  typed: () => [new Int16Array([-1, 300]), new Float64Array([0.5]), new Uint8Array([7]), new BigInt64Array([5n])],
  dataView: () => new DataView(new Uint8Array([9, 8, 7]).buffer, 1, 2),
  nested: () => ({ a: { b: [1, { c: "d" }], u: undefined }, arr: [1, , 3] }),
  error: () => new RangeError("as a value"),
  regexp: () => /ab+c/gi,
  cycle: () => { const o = { name: "root" }; o.self = o; o.list = [o]; return o; },
};
export class Values extends DurableObject {
  value(kind) { return VALUES[kind](); }
  async later(kind) { await null; return VALUES[kind](); }
}
export default {
  async fetch(req, env) {
    const stub = env.V.getByName("v");
    const out = {};
    for (const kind of Object.keys(VALUES)) {
      try { out[kind] = describe(await stub.value(kind)); } catch (e) { out[kind] = ["threw", e.name, e.message]; }
    }
    out.async = describe(await stub.later("map"));
    return Response.json(out);
  },
};
