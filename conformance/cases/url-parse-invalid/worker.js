const parts = (u) => ({ href: u.href, origin: u.origin, protocol: u.protocol, username: u.username, password: u.password,
  host: u.host, hostname: u.hostname, port: u.port, pathname: u.pathname, search: u.search, hash: u.hash });
const parse = (input, base) => { try { return parts(base === undefined ? new URL(input) : new URL(input, base)); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    const bad = ["", "not a url", "http://", "http://[::1", "https://exa mple.com", "http://300.0.0.1/", "//no-scheme", "http://a:b:c/", "http://example.com:99999/", "http://ex%ample.com"];
    return Response.json(bad.map((s) => [s, parse(s), URL.canParse(s)]).concat([["canParse relative", URL.canParse("/x", "https://a.com")]]));
  },
};
