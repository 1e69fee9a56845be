// urlparse.js: URL parsing for the runtime, in Go ("url.parse"; see
// url.js). Request's constructor needs only parseHref; the URL and
// URLSearchParams classes (url.js) are a lazy module built on this.
import { call } from "./host.js";

export const HREF = 0,
  ORIGIN = 1,
  PROTOCOL = 2,
  USERNAME = 3,
  PASSWORD = 4,
  HOST = 5,
  HOSTNAME = 6,
  PORT = 7,
  PATHNAME = 8,
  SEARCH = 9,
  HASH = 10;

export function usv(v) {
  const s = typeof v === "string" ? v : String(v);
  return s.isWellFormed() ? s : s.toWellFormed();
}

// parts splits what url.parse and url.set return: the components as one
// NUL-separated string (a bridge primitive), or as an array.
export function parts(p) {
  return typeof p === "string" ? p.split("\0") : p;
}

// parsed caches the components of recently parsed inputs without a base (a
// worker parses the same few URLs again and again, and a parse costs a host
// call and a split). The arrays are shared and never changed in place: a
// setter replaces a URL's array. Bounded: cleared when full.
const parsed = new Map();
const PARSED_MAX = 256;
const PARSED_LEN = 2048;

export function parse(url, base) {
  const u = usv(url);
  if (base !== undefined) return parts(call("url.parse", u, usv(base)));
  let p = parsed.get(u);
  if (p !== undefined) return p;
  p = parts(call("url.parse", u, null));
  if (p !== undefined && u.length <= PARSED_LEN) {
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(u, p);
  }
  return p;
}

// parseHref returns the href of url (no base) as new URL(url).href, or
// undefined when it does not parse, without making a URL object (Request's
// constructor needs only the href).
export function parseHref(url) {
  const p = parse(url, undefined);
  return p === undefined ? undefined : p[HREF];
}
