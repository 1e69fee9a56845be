const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  async fetch() {
    const r = new Response("cloned body", { status: 202, statusText: "Accepted!", headers: { "x-a": "1" } });
    const c = r.clone();
    const a = await r.text();
    const b = await c.text();
    const stream = new Response(new ReadableStream({ start(ctl) { ctl.enqueue(new TextEncoder().encode("streamed")); ctl.close(); } }));
    const sc = stream.clone();
    const [s1, s2] = await Promise.all([stream.text(), sc.text()]);
    return Response.json({
      a, b, s1, s2,
      status: c.status, statusText: c.statusText, header: c.headers.get("x-a"),
      cloneUsed: attempt(() => r.clone()),
      bodyUsed: [r.bodyUsed, c.bodyUsed],
    });
  },
};
