export default {
  fetch() {
    const h = new Headers();
    h.append("X-Multi", "a");
    h.append("x-multi", "b");
    h.set("Content-Type", "text/plain");
    h.append("Accept", "  spaced value  ");
    const before = h.has("CONTENT-TYPE");
    h.delete("content-TYPE");
    return Response.json({
      multi: h.get("X-MULTI"), accept: h.get("accept"), before, after: h.has("content-type"),
      missing: h.get("nope"), entries: [...h],
    });
  },
};
