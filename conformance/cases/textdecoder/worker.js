const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    const d = new TextDecoder();
    const bytes = (...b) => new Uint8Array(b);
    const out = {
      encoding: d.encoding, fatal: d.fatal, ignoreBOM: d.ignoreBOM,
      plain: d.decode(bytes(0x68, 0x69)),
      bom: d.decode(bytes(0xef, 0xbb, 0xbf, 0x78)),
      keepBom: new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes(0xef, 0xbb, 0xbf, 0x78)).length,
      invalid: d.decode(bytes(0x61, 0xff, 0x62, 0xc3)),
      overlong: d.decode(bytes(0xc0, 0xaf)),
      surrogate: d.decode(bytes(0xed, 0xa0, 0x80)),
      fatalThrows: attempt(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes(0xff))),
      empty: d.decode(),
      dataView: d.decode(new DataView(bytes(0x6f, 0x6b).buffer)),
      arrayBuffer: d.decode(bytes(0x41).buffer),
    };
    const s = new TextDecoder();
    const euro = [0xe2, 0x82, 0xac];
    out.streaming = [s.decode(bytes(euro[0]), { stream: true }), s.decode(bytes(euro[1]), { stream: true }), s.decode(bytes(euro[2], 0x21), { stream: true }), s.decode()];
    const t = new TextDecoder();
    out.truncatedFlush = [t.decode(bytes(0xf0, 0x9f), { stream: true }), t.decode()];
    return Response.json(out);
  },
};
