let finished = [];
export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (path === "/check") {
      await new Promise((r) => setTimeout(r, 100));
      return Response.json(finished);
    }
    ctx.waitUntil(new Promise((r) => setTimeout(r, 10)).then(() => finished.push("background done")));
    ctx.waitUntil(Promise.reject(new Error("ignored rejection")));
    let bad;
    try { ctx.waitUntil(); } catch (e) { bad = e.name; }
    return Response.json({ respondedFirst: finished.length === 0, bad });
  },
};
