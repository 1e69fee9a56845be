const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    const out = {
      indent: JSON.stringify({ a: [1, { b: 2 }] }, null, 2),
      tabs: JSON.stringify([1], null, "\t"),
      replacerFn: JSON.stringify({ a: 1, b: "x", c: [1, 2] }, (k, v) => (typeof v === "number" ? v * 10 : v)),
      replacerArr: JSON.stringify({ a: 1, b: 2, c: 3 }, ["c", "a"]),
      toJSON: JSON.stringify({ d: new Date(0), custom: { toJSON() { return "custom!"; } } }),
      special: JSON.stringify([NaN, Infinity, -0, undefined, () => 1, Symbol("s"), null]),
      objectSkips: JSON.stringify({ u: undefined, f() {}, s: Symbol("x"), ok: 1 }),
      unicode: JSON.stringify("\u2028\u2029 é \ud800 \udfff 😀 \u0007 \u001f"),
      escapes: JSON.stringify("quote\" back\\ nl\n tab\t"),
      bigint: attempt(() => JSON.stringify({ n: 1n })),
      parse: JSON.parse('{"a":[1,2.5e3,-0.1,true,false,null,"s\\u00e9"],"__proto__":1}'),
      reviver: JSON.parse('{"a":1,"b":{"c":2}}', (k, v) => (typeof v === "number" ? v + 1 : v)),
      bad: ["{", "[1,]", "{'a':1}", "01", "NaN", ""].map((s) => attempt(() => JSON.parse(s))),
      numbers: JSON.stringify([0.1 + 0.2, 1e21, 1e-7, 123456789012345680000, 5e-324, 2 ** 53]),
      keysOrder: JSON.stringify({ b: 1, a: 2, 1: 3, 0: 4 }),
      rawJSON: typeof JSON.rawJSON,
    };
    return new Response(JSON.stringify(out), { headers: { "content-type": "application/json" } });
  },
};
