const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  async fetch() {
    const b = new Blob(["héllo", " ", new Uint8Array([119, 111]), new Blob(["rld"])], { type: "Text/Plain" });
    const s = b.slice(1, 4);
    const neg = b.slice(-3);
    const chunks = [];
    for await (const c of b.stream()) chunks.push(c.constructor.name);
    return Response.json({
      size: b.size, type: b.type, text: await b.text(),
      ab: new Uint8Array(await b.arrayBuffer()).length,
      bytes: typeof b.bytes === "function" ? [...(await b.bytes()).slice(0, 3)] : "missing",
      slice: [s.size, s.type, await s.text()], neg: await neg.text(),
      sliceType: b.slice(0, 1, "x/y").type,
      badType: new Blob(["x"], { type: "bad\u00e9" }).type,
      empty: [new Blob().size, new Blob().type],
      chunks: [...new Set(chunks)],
      endings: await attemptAsync(() => new Blob(["a\nb"], { endings: "native" }).text()),
      tag: Object.prototype.toString.call(b),
      notIterable: attempt(() => new Blob("str")),
    });
  },
};
