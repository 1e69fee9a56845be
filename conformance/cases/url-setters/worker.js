export default {
  fetch() {
    const u = new URL("https://user:pw@example.com:8080/path?q=1#h");
    const log = [];
    const set = (k, v) => { try { u[k] = v; } catch (e) { log.push([k, v, "threw " + e.name]); return; } log.push([k, v, u.href]); };
    set("protocol", "http");
    set("protocol", "ftp:");
    set("protocol", "not a scheme");
    set("username", "new user");
    set("password", "p@ss");
    set("host", "other.org:9090");
    set("hostname", "third.net");
    set("port", "443");
    set("port", "80");
    set("port", "");
    set("port", "abc");
    set("pathname", "/new path/ü");
    set("pathname", "no-slash");
    set("search", "a=1&b=2");
    set("search", "?c=3");
    set("search", "");
    set("hash", "top");
    set("hash", "");
    set("href", "https://reset.com/x");
    set("href", "not valid");
    set("origin", "https://ignored.com");
    return Response.json(log);
  },
};
