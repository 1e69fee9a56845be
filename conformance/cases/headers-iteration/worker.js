export default {
  fetch() {
    const h = new Headers([["Zeta", "z"], ["alpha", "a"], ["Mid", "m1"], ["mid", "m2"], ["Beta", "b"]]);
    const forEach = [];
    h.forEach((v, k, self) => forEach.push([k, v, self === h]));
    return Response.json({
      entries: [...h.entries()], keys: [...h.keys()], values: [...h.values()], forEach,
      iteratorTag: Object.prototype.toString.call(h.entries()),
    });
  },
};
