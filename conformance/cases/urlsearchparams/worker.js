export default {
  fetch() {
    const out = {};
    out.fromString = [...new URLSearchParams("?a=1&b=x+y&c=%20z&d&=e&a=2")];
    out.fromObject = new URLSearchParams({ b: "2", a: "1" }).toString();
    out.fromPairs = new URLSearchParams([["x", "1"], ["x", "2"]]).toString();
    const p = new URLSearchParams("z=26&a=1&m=13&a=0");
    p.sort();
    out.sorted = p.toString();
    p.set("a", "only");
    out.set = p.toString();
    p.append("sp ace", "é&=?/+");
    out.encoded = p.toString();
    out.has = [p.has("a"), p.has("a", "only"), p.has("a", "no"), p.has("nope")];
    p.delete("a", "wrong");
    out.deleteValue = p.toString();
    out.size = p.size;
    out.get = [p.get("missing"), p.getAll("missing")];
    const keys = [];
    p.forEach((v, k) => keys.push(k));
    out.forEach = keys;
    out.special = new URLSearchParams({ s: "*-._~!'()" }).toString();
    out.unicode = new URLSearchParams("q=%F0%9F%98%80&bad=%ZZ&half=%E2%82").getAll("q").concat(new URLSearchParams("bad=%ZZ&half=%E2%82").get("bad"), new URLSearchParams("half=%E2%82").get("half"));
    return Response.json(out);
  },
};
