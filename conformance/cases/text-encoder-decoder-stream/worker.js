export default {
  async fetch() {
    const enc = new ReadableStream({ start(c) { c.enqueue("hé"); c.enqueue("llo ✓"); c.close(); } }).pipeThrough(new TextEncoderStream());
    const chunks = [];
    for await (const c of enc) chunks.push([...c]);
    const bytes = new TextEncoder().encode("a✓b");
    const dec = new ReadableStream({ start(c) { c.enqueue(bytes.slice(0, 2)); c.enqueue(bytes.slice(2, 3)); c.enqueue(bytes.slice(3)); c.close(); } }).pipeThrough(new TextDecoderStream());
    const text = [];
    for await (const c of dec) text.push(c);
    const e = new TextEncoderStream();
    return Response.json({ chunks, text: text.join(""), encoding: [e.encoding, new TextDecoderStream().encoding] });
  },
};
