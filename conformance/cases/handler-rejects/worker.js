export default {
  async fetch(request) {
    await null;
    if (new URL(request.url).pathname === "/ok") return new Response("still ok");
    throw new TypeError("async failure");
  },
};
