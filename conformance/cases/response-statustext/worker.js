const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    const rows = [
      new Response("x"),
      new Response("x", { status: 404 }),
      new Response("x", { status: 200, statusText: "Fine" }),
      new Response("x", { status: 599, statusText: "" }),
    ].map((r) => ({ status: r.status, statusText: r.statusText, ok: r.ok }));
    rows.push(attempt(() => new Response("x", { statusText: "bad\nline" }).statusText));
    rows.push(attempt(() => new Response("x", { statusText: "é" }).statusText));
    return Response.json(rows);
  },
};
