export default {
  fetch() {
    const u = new URL("https://example.com/?a=1&b=2&a=3");
    const sp = u.searchParams;
    const out = [sp.getAll("a"), sp.get("b"), sp.size];
    sp.append("c", "x y");
    out.push(u.href);
    sp.delete("a");
    out.push(u.search);
    u.search = "?z=9";
    out.push([...sp], sp === u.searchParams);
    sp.delete("z");
    out.push(u.href);
    return Response.json(out);
  },
};
