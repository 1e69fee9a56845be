const parts = (u) => ({ href: u.href, origin: u.origin, protocol: u.protocol, username: u.username, password: u.password,
  host: u.host, hostname: u.hostname, port: u.port, pathname: u.pathname, search: u.search, hash: u.hash });
const parse = (input, base) => { try { return parts(base === undefined ? new URL(input) : new URL(input, base)); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    return Response.json([
      "https://example.com",
      "https://user:pa%20ss@Example.COM:8443/a/./b/../c?x=1&y=%41#Frag",
      "http://example.com:80/",
      "https://example.com:443/x",
      "http://example.com:8080",
      "ws://example.com/socket",
      "wss://example.com:443/s",
      "ftp://ftp.example.com/file.txt",
      "HTTP://EXAMPLE.com/UPPER?Q#H",
      "https://example.com/path with spaces/ünï?q=a b#h é",
      "https://example.com/%7Efoo/%2F",
      "https://example.com/?",
      "https://example.com/#",
      "https://example.com/a//b",
      "  https://example.com/trim  ",
      "https://example.com/tab\there\nnewline",
    ].map((s) => [s, parse(s)]));
  },
};
