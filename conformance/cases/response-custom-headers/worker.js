export default {
  fetch() {
    const h = new Headers({ "X-Custom-Header": "Value", "x-empty": "" });
    h.append("x-multi", "one");
    h.append("x-multi", "two");
    h.set("Cache-Control", "no-store");
    return new Response("12345", { headers: h });
  },
};
