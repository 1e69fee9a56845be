const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/status") return Response.json({ a: 1 }, { status: 201, headers: { "x-extra": "1" } });
    if (path === "/override") return Response.json([1, 2], { headers: { "content-type": "application/vnd.api+json" } });
    if (path === "/string") return Response.json("just a string");
    if (path === "/null") return Response.json(null);
    if (path === "/unicode") return Response.json({ s: "héllo ✓ \u2028 😀" });
    if (path === "/bigint") return new Response(attempt(() => Response.json({ n: 1n })));
    if (path === "/cyclic") { const o = {}; o.o = o; return new Response(attempt(() => Response.json(o))); }
    const r = Response.json({ nested: { arr: [1, "two", true, null] } });
    return Response.json({ status: r.status, ct: r.headers.get("content-type"), body: await r.json() });
  },
};
