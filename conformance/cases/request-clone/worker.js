const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  async fetch(request) {
    const c = request.clone();
    const a = await request.text();
    const b = await c.text();
    return Response.json({
      a, b, used: [request.bodyUsed, c.bodyUsed],
      cloneAfterUse: attempt(() => request.clone()),
      readAgain: await attemptAsync(() => request.text()),
      sameHeaders: c.headers.get("x-h"),
    });
  },
};
