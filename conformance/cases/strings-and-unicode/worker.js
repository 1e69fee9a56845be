const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    const s = "Ünïcödé 😀";
    return Response.json({
      length: [s.length, [...s].length], codePoint: s.codePointAt(8), fromCodePoint: String.fromCodePoint(0x1f600, 65),
      normalize: ["é".normalize("NFD").length, "e\u0301".normalize("NFC").length, "ﬁ".normalize("NFKC")],
      case: [s.toUpperCase(), s.toLowerCase()],
      encode: [encodeURIComponent("a b&c/d?é😀"), encodeURI("http://x.com/a b?q=é#f"), escape("a b+é"), unescape("%u00e9%20")],
      decode: [decodeURIComponent("%F0%9F%98%80"), attempt(() => decodeURIComponent("%E0%A4%A")), decodeURI("%3B%2F")],
      localeCompare: ["a".localeCompare("b"), "b".localeCompare("a"), "a".localeCompare("a")],
      misc: ["abc".repeat(2), "a,b,,c".split(","), "Hello".startsWith("He"), "Hello".includes("ll"), "  x".trimStart(), "abc".substring(2, 0), "abc".slice(-2), "%".charCodeAt(0)],
      surrogates: ["😀".charCodeAt(0), "😀".split(""), Array.from("😀a")],
    });
  },
};
