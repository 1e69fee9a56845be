const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch(request) {
    const want = ["x-one", "x-two", "content-type", "accept", "user-agent"];
    return Response.json({
      seen: [...request.headers].filter(([k]) => want.includes(k)),
      set: attempt(() => { request.headers.set("x-new", "1"); return request.headers.get("x-new"); }),
    });
  },
};
