const parts = (u) => ({ href: u.href, origin: u.origin, protocol: u.protocol, username: u.username, password: u.password,
  host: u.host, hostname: u.hostname, port: u.port, pathname: u.pathname, search: u.search, hash: u.hash });
const parse = (input, base) => { try { return parts(base === undefined ? new URL(input) : new URL(input, base)); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    const base = "https://example.com/a/b/c?q=1#h";
    return Response.json([
      "d", "./d", "../d", "../../../../d", "/d", "//other.com/d", "?x=2", "#frag", "", ".", "..",
      "d?y#z", "https://abs.com/", "http:relative", "https:other", "\\back", "%2e%2e/x", "/a/%2e/b",
    ].map((s) => [s, parse(s, base)]).concat([["base invalid", parse("d", "not a url")], ["URL base", parse("x", new URL("https://b.com/p/"))]]));
  },
};
