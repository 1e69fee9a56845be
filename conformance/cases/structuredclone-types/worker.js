const describe = (v) => {
  if (v === null || typeof v !== "object") return [typeof v, typeof v === "bigint" ? String(v) : v === undefined ? "undefined" : v];
  if (v instanceof Date) return ["Date", v.toISOString()];
  if (v instanceof RegExp) return ["RegExp", v.source, v.flags];
  if (v instanceof Map) return ["Map", [...v].map(([k, x]) => [describe(k), describe(x)])];
  if (v instanceof Set) return ["Set", [...v].map(describe)];
  if (v instanceof ArrayBuffer) return ["ArrayBuffer", [...new Uint8Array(v)]];
  if (ArrayBuffer.isView(v)) return [v.constructor.name, Array.from(v instanceof DataView ? new Uint8Array(v.buffer) : v, String)];
  if (v instanceof Error) return ["Error", v.constructor.name, v.name, v.message];
  if (Array.isArray(v)) return ["Array", v.length, v.map(describe)];
  if (v instanceof Boolean || v instanceof String || v instanceof Number) return [Object.prototype.toString.call(v), v.valueOf()];
  return ["Object", Object.entries(v).map(([k, x]) => [k, describe(x)])];
};
export default {
  fetch() {
    const values = [
      1, -0, NaN, "str", true, null, undefined, 10n,
      new Date(Date.UTC(2020, 1, 2, 3, 4, 5)), /ab+c/gi, new Map([[1, "one"], ["k", { v: 2 }]]), new Set([1, "a", 1]),
      new Uint8Array([1, 2, 3]).buffer, new Int16Array([-1, 300]), new Float64Array([0.5]), new DataView(new Uint8Array([9, 8]).buffer),
      [1, , 3], { a: { b: [1, { c: "d" }] } }, new Error("msg"), new TypeError("type"), new RangeError("r"),
      new Boolean(false), new String("s"), new Number(4),
    ];
    return Response.json(values.map((v) => describe(structuredClone(v))));
  },
};
