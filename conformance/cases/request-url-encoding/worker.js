export default {
  fetch(request) {
    const u = new URL(request.url);
    return Response.json({ url: request.url, pathname: u.pathname, search: u.search, params: [...u.searchParams] });
  },
};
