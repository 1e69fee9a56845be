const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    const r = new Response("x");
    r.headers.set("x-a", "1");
    return Response.json({
      normal: r.headers.get("x-a"),
      redirect: attempt(() => Response.redirect("https://example.com/").headers.set("x", "1")),
      error: attempt(() => Response.error().headers.set("x", "1")),
      json: attempt(() => { const j = Response.json({}); j.headers.set("x-b", "2"); return j.headers.get("x-b"); }),
      request: attempt(() => { const q = new Request("https://example.com"); q.headers.set("x-c", "3"); return q.headers.get("x-c"); }),
    });
  },
};
