export default {
  fetch() {
    const shared = { s: 1 };
    const o = { a: shared, b: shared, list: [] };
    o.self = o;
    o.list.push(o, shared);
    const m = new Map();
    m.set("me", m);
    const c = structuredClone(o);
    const mc = structuredClone(m);
    return Response.json({
      cycle: c.self === c, shared: c.a === c.b, listSelf: c.list[0] === c, listShared: c.list[1] === c.a,
      distinct: c !== o && c.a !== shared, mapCycle: mc.get("me") === mc,
      protoKept: Object.getPrototypeOf(structuredClone(new (class Foo { x = 1 })())) === Object.prototype,
      getterEvaluated: structuredClone({ get g() { return 7; } }),
      nonEnumerableDropped: Object.keys(structuredClone(Object.defineProperty({ v: 1 }, "hidden", { value: 2 }))),
    });
  },
};
