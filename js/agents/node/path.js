// node:path for isola: POSIX basename/extname/join, enough for libraries
// that look at file names.
export const sep = "/";
export function basename(p, ext) {
  let b = String(p).replace(/\/+$/, "").split("/").pop();
  if (ext && b.endsWith(ext)) b = b.slice(0, -ext.length);
  return b;
}
export function extname(p) {
  const b = basename(p);
  const i = b.lastIndexOf(".");
  return i <= 0 ? "" : b.slice(i);
}
export function dirname(p) {
  const s = String(p).replace(/\/+$/, "");
  const i = s.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : s.slice(0, i);
}
export function join(...parts) {
  return normalize(parts.filter(Boolean).join("/"));
}
export function normalize(p) {
  const abs = p.startsWith("/");
  const out = [];
  for (const seg of p.split("/")) {
    if (!seg || seg === ".") continue;
    if (seg === "..") out.length && out[out.length - 1] !== ".." ? out.pop() : abs || out.push("..");
    else out.push(seg);
  }
  return (abs ? "/" : "") + out.join("/") || (abs ? "/" : ".");
}
export function resolve(...parts) {
  return normalize("/" + parts.join("/"));
}
export function isAbsolute(p) {
  return String(p).startsWith("/");
}
export const posix = { sep, basename, extname, dirname, join, normalize, resolve, isAbsolute };
export default posix;
