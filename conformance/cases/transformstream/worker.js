export default {
  async fetch() {
    const upper = new TransformStream({
      transform(chunk, c) { c.enqueue(chunk.toUpperCase()); },
      flush(c) { c.enqueue("!"); },
    });
    const src = new ReadableStream({ start(c) { c.enqueue("hello "); c.enqueue("world"); c.close(); } });
    const out = [];
    await src.pipeThrough(upper).pipeTo(new WritableStream({ write(c) { out.push(c); } }));
    const id = new TransformStream();
    const w = id.writable.getWriter();
    w.write("through");
    w.close();
    const ident = [];
    for await (const c of id.readable) ident.push(c);
    const split = new TransformStream({ transform(chunk, c) { for (const ch of chunk) c.enqueue(ch); } });
    const parts = [];
    await new ReadableStream({ start(c) { c.enqueue("abc"); c.close(); } }).pipeThrough(split).pipeTo(new WritableStream({ write(c) { parts.push(c); } }));
    return Response.json({ out, ident, parts });
  },
};
