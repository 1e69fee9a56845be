const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch(request) {
    const url = new URL(request.url);
    const status = url.searchParams.get("status");
    if (url.pathname === "/invalid-status") return new Response(attempt(() => Response.redirect("https://example.com/", 200)));
    if (url.pathname === "/invalid-url") return new Response(attempt(() => Response.redirect("http://[bad", 302)));
    if (url.pathname === "/inspect") {
      const r = Response.redirect("https://example.com/a b?c", 301);
      return Response.json({ status: r.status, location: r.headers.get("location"), body: r.body === null, type: r.type });
    }
    return status ? Response.redirect("https://example.com/to", Number(status)) : Response.redirect("https://example.com/default");
  },
};
