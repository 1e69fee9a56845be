const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    return Response.json({
      s204: attempt(() => new Response("x", { status: 204 })),
      s205: attempt(() => new Response("x", { status: 205 })),
      s304: attempt(() => new Response("x", { status: 304 })),
      s204null: attempt(() => new Response(null, { status: 204 }).status),
      s204empty: attempt(() => new Response("", { status: 204 }).status),
    });
  },
};
