export default {
  fetch() {
    const e = new TextEncoder();
    const dest = new Uint8Array(5);
    const into = e.encodeInto("héllo✓", dest);
    return Response.json({
      encoding: e.encoding,
      ascii: [...e.encode("abc")],
      multi: [...e.encode("é✓😀")],
      lone: [...e.encode("a\ud800b\udc00")],
      empty: e.encode().length,
      type: Object.prototype.toString.call(e.encode("x")),
      into, dest: [...dest],
      number: [...e.encode(123)],
    });
  },
};
