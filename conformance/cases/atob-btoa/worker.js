const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    const a = (s) => attempt(() => atob(s));
    const b = (s) => attempt(() => btoa(s));
    return Response.json({
      btoa: [b(""), b("f"), b("fo"), b("foo"), b("hello world"), b("\u00ff\u00fe"), b("✓"), b(null), b(12)],
      atob: [a(""), a("Zg=="), a("Zg"), a("Zm9v"), a(" Zm 9v\n"), a("Zg="), a("Z"), a("Zm9v!"), a("=Zm9v"), a("Zm9v===="), a(null), a("aGVsbG8gd29ybGQ=")],
      errorType: (() => { try { atob("*"); } catch (e) { return [e.name, e instanceof DOMException, e.code]; } })(),
    });
  },
};
