export default {
  fetch() {
    const r = new Response();
    const e = Response.error();
    return Response.json({
      status: r.status, ok: r.ok, type: r.type, url: r.url, redirected: r.redirected,
      bodyNull: r.body === null, bodyUsed: r.bodyUsed, headers: [...r.headers],
      error: { type: e.type, status: e.status, statusText: e.statusText },
      tag: Object.prototype.toString.call(r),
    });
  },
};
