export default {
  fetch(request) {
    const kind = new URL(request.url).pathname.slice(1);
    const bodies = {
      string: () => "text ✓",
      arraybuffer: () => new TextEncoder().encode("array buffer").buffer,
      uint8array: () => new TextEncoder().encode("uint8"),
      dataview: () => new DataView(new TextEncoder().encode("dataview").buffer),
      blob: () => new Blob(["blob ", "parts"], { type: "text/x-blob" }),
      untypedblob: () => new Blob(["untyped"]),
      searchparams: () => new URLSearchParams({ a: "1", b: "two words" }),
      stream: () => new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("stream")); c.close(); } }),
      null: () => null,
      number: () => 42,
      object: () => ({ a: 1 }),
    };
    return new Response(bodies[kind]());
  },
};
