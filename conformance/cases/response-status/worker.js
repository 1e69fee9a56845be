const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/invalid") {
      return Response.json([0, 100, 101, 199, 600, 999, 200.5, -1].map((s) => [s, attempt(() => new Response(null, { status: s }).status)]));
    }
    const s = Number(url.pathname.slice(1));
    const nullBody = s === 204 || s === 205 || s === 304;
    return new Response(nullBody ? null : "status " + s, { status: s });
  },
};
