export default {
  fetch(request) {
    if (new URL(request.url).pathname === "/ok") return new Response("ok");
    throw new Error("deliberate failure");
  },
};
