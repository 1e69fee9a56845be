export default {
  fetch(request) {
    const kind = new URL(request.url).pathname;
    if (kind === "/string") return "just a string";
    if (kind === "/object") return { status: 200, body: "x" };
    if (kind === "/undefined") return undefined;
    if (kind === "/promise-string") return Promise.resolve(42);
    return new Response("fine");
  },
};
