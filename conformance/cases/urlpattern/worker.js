const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    const out = {};
    const p = new URLPattern({ pathname: "/books/:id" });
    out.test = [p.test("https://example.com/books/123"), p.test("https://example.com/books"), p.test("https://example.com/books/1/2")];
    out.exec = p.exec("https://example.com/books/42?x")?.pathname;
    const q = new URLPattern("https://*.example.com/:cat/*");
    const m = q.exec("https://api.example.com/tools/a/b/c");
    out.wild = { hostname: m.hostname.groups, pathname: m.pathname.groups };
    const r = new URLPattern({ pathname: "/items/:id(\\d+)" });
    out.regex = [r.test({ pathname: "/items/12" }), r.test({ pathname: "/items/ab" })];
    const opt = new URLPattern({ pathname: "/:a/:b?" });
    out.optional = [opt.exec({ pathname: "/x" })?.pathname.groups, opt.exec({ pathname: "/x/y" })?.pathname.groups];
    const base = new URLPattern("/api/:v", "https://example.com");
    out.base = [base.test("https://example.com/api/1"), base.test("https://other.com/api/1"), base.pathname, base.protocol, base.hostname];
    out.props = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"].map((k) => new URLPattern({ pathname: "/x" })[k]);
    out.invalid = attempt(() => new URLPattern({ pathname: "/(" }));
    out.inputs = p.exec("https://example.com/books/9").inputs;
    return Response.json(out);
  },
};
