export default {
  fetch() {
    const tryClone = (v, opts) => { try { structuredClone(v, opts); return "ok"; } catch (e) { return [e.name, e instanceof DOMException ? e.code : null]; } };
    const buf = new Uint8Array([1, 2, 3]).buffer;
    const moved = structuredClone(buf, { transfer: [buf] });
    return Response.json({
      fn: tryClone(() => 1),
      symbol: tryClone(Symbol("s")),
      nestedFn: tryClone({ a: [{ f() {} }] }),
      weakMap: tryClone(new WeakMap()),
      promise: tryClone(Promise.resolve()),
      noArgs: (() => { try { structuredClone(); return "ok"; } catch (e) { return e.name; } })(),
      transfer: [buf.byteLength, moved.byteLength],
      transferTwice: tryClone(buf, { transfer: [buf] }),
    });
  },
};
