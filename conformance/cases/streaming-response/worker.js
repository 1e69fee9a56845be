export default {
  fetch(request) {
    const enc = new TextEncoder();
    const mode = new URL(request.url).pathname;
    if (mode === "/transform") {
      const { readable, writable } = new TransformStream();
      (async () => {
        const w = writable.getWriter();
        for (let i = 0; i < 5; i++) { await w.write(enc.encode("line " + i + "\n")); await new Promise((r) => setTimeout(r, 2)); }
        await w.close();
      })();
      return new Response(readable, { headers: { "content-type": "text/plain" } });
    }
    let i = 0;
    const body = new ReadableStream({
      async pull(c) {
        await new Promise((r) => setTimeout(r, 1));
        if (i < 4) c.enqueue(enc.encode("chunk" + i++ + ";"));
        else c.close();
      },
    });
    return new Response(body, { headers: { "x-streamed": "yes" } });
  },
};
