export default {
  async fetch(request) {
    const url = new URL(request.url);
    return Response.json({
      method: request.method,
      url: request.url,
      pathname: url.pathname,
      search: url.search,
      host: request.headers.get("host"),
      contentType: request.headers.get("content-type"),
      custom: request.headers.get("X-Custom"),
      body: await request.text(),
      bodyUsed: request.bodyUsed,
    });
  },
};
