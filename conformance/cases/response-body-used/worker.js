const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  async fetch() {
    const r = new Response("once");
    const first = await r.text();
    const second = await attemptAsync(() => r.text());
    const r2 = new Response("locked");
    r2.body.getReader();
    const locked = await attemptAsync(() => r2.text());
    const r3 = new Response("ab");
    const ab = new Uint8Array(await r3.arrayBuffer());
    const again = await attemptAsync(() => r3.json());
    return Response.json({ first, second, bodyUsed: r.bodyUsed, locked, ab: [...ab], again });
  },
};
