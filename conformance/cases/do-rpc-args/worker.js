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
export class Args extends DurableObject {
  echo(...args) { return { count: args.length, described: args.map((a) => describe(a)) }; }
  mutate(obj) { obj.changed = true; return obj; }
}
export default {
  async fetch(req, env) {
    const stub = env.A.getByName("a");
    const cyc = { k: 1 }; cyc.me = cyc;
    const shared = { s: 1 };
    const mine = { v: 1 };
    const back = await stub.mutate(mine);
    return Response.json({
      none: await stub.echo(),
      many: await stub.echo(1, "two", null, undefined, true, 3n),
      rich: await stub.echo(new Date(0), new Map([["a", 1]]), new Set([2]), new Uint8Array([1, 2]), new Error("arg error"), [shared, shared], cyc),
      copied: mine.changed === undefined && back.changed === true,
    });
  },
};
