export default {
  fetch() {
    const u = new URL("https://example.com/p?q#h");
    return Response.json({
      parseOk: URL.parse ? URL.parse("/x", "https://a.com")?.href : "missing",
      parseBad: URL.parse ? URL.parse("nope") : "missing",
      toJSON: u.toJSON(), toString: u.toString(), template: `${u}`, json: JSON.stringify({ u }),
      tag: Object.prototype.toString.call(u),
    });
  },
};
