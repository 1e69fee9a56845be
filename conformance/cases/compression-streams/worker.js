const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  async fetch() {
    const text = "compress me ".repeat(200);
    const out = {};
    for (const format of ["gzip", "deflate", "deflate-raw"]) {
      out[format] = await attemptAsync(async () => {
        const compressed = await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream(format))).arrayBuffer();
        const back = await new Response(new Blob([compressed]).stream().pipeThrough(new DecompressionStream(format))).text();
        return [compressed.byteLength < text.length, back === text];
      });
    }
    out.gzipMagic = await attemptAsync(async () => [...new Uint8Array(await new Response(new Blob(["x"]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer()).slice(0, 2)]);
    out.badFormat = attempt(() => new CompressionStream("brotli"));
    out.corrupt = await attemptAsync(() => new Response(new Blob([new Uint8Array([1, 2, 3])]).stream().pipeThrough(new DecompressionStream("gzip"))).text());
    return Response.json(out);
  },
};
