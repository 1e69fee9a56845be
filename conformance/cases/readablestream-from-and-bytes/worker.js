const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  async fetch() {
    const fromArr = [];
    const from = typeof ReadableStream.from === "function" ? ReadableStream.from(["a", "b"]) : null;
    if (from) for await (const v of from) fromArr.push(v);
    const bytes = new ReadableStream({
      type: "bytes",
      start(c) { c.enqueue(new Uint8Array([1, 2, 3, 4, 5])); c.close(); },
    });
    const r = bytes.getReader({ mode: "byob" });
    const first = await r.read(new Uint8Array(2));
    const second = await r.read(new Uint8Array(10));
    const third = await r.read(new Uint8Array(1));
    return Response.json({
      from: from ? fromArr : "missing",
      first: [first.done, [...first.value]], second: [second.done, [...second.value]], third: [third.done, third.value ? third.value.length : null],
      byobOnDefault: attempt(() => new ReadableStream().getReader({ mode: "byob" })),
    });
  },
};
