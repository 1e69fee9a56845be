export default {
  fetch() {
    const m = new Map([["b", 1], ["a", 2]]);
    m.set(NaN, "nan").set(0, "zero");
    m.delete("b");
    m.set("b", 3);
    const s = new Set([3, 1, 3, 2]);
    const key = {};
    const wm = new WeakMap([[key, "v"]]);
    const ws = new WeakSet([key]);
    const wr = new WeakRef(key);
    return Response.json({
      mapEntries: [...m].map(([k, v]) => [String(k), v]), nan: m.get(NaN), negZero: m.get(-0), size: m.size,
      set: [...s], weak: [wm.get(key), ws.has(key), wr.deref() === key, wm.has({})],
      groupBy: typeof Map.groupBy === "function" ? [...Map.groupBy([1, 2, 3], (x) => x % 2)] : "missing",
    });
  },
};
