const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    const labels = ["utf-8", "UTF8", " unicode-1-1-utf-8 ", "utf-16le", "utf-16", "latin1", "iso-8859-1", "windows-1252", "ascii", "utf-16be", "bogus", "replacement"];
    const out = {};
    for (const l of labels) out[l] = attempt(() => new TextDecoder(l).encoding);
    out.decodeUtf16 = attempt(() => new TextDecoder("utf-16le").decode(new Uint8Array([0x68, 0, 0x69, 0, 0x3d, 0xd8, 0x00, 0xde])));
    out.decodeLatin1 = attempt(() => new TextDecoder("latin1").decode(new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x80])));
    return Response.json(out);
  },
};
