const parts = (u) => ({ href: u.href, origin: u.origin, protocol: u.protocol, username: u.username, password: u.password,
  host: u.host, hostname: u.hostname, port: u.port, pathname: u.pathname, search: u.search, hash: u.hash });
const parse = (input, base) => { try { return parts(base === undefined ? new URL(input) : new URL(input, base)); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    return Response.json([
      "http://127.0.0.1/",
      "http://0x7f.1/",
      "http://2130706433/",
      "http://0177.0.0.1/",
      "http://[::1]:8080/",
      "http://[2001:db8:0:0:0:0:0:1]/",
      "http://[::ffff:192.168.0.1]/",
      "https://münchen.de/",
      "https://xn--mnchen-3ya.de/",
      "https://EXAMPLE.com./",
      "mailto:someone@example.com",
      "data:text/plain,hello%20world",
      "javascript:alert(1)",
      "urn:isbn:0451450523",
      "blob:https://example.com/uuid",
      "file:///etc/passwd",
      "file://host/share/file",
      "custom://host/path?q#f",
      "custom:opaque path",
      "http://example.com/\\backslash",
      "https://%65xample.com/",
    ].map((s) => [s, parse(s)]));
  },
};
