const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const enc = (s) => new TextEncoder().encode(s);
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
export default {
  async fetch() {
    const out = {};
    for (const alg of ["SHA-1", "SHA-256", "SHA-384", "SHA-512", "sha-256", { name: "SHA-256" }]) {
      const k = typeof alg === "string" ? alg : "object " + alg.name;
      out[k] = [hex(await crypto.subtle.digest(alg, enc("abc"))), hex(await crypto.subtle.digest(alg, new Uint8Array(0)))];
    }
    out.buffer = hex(await crypto.subtle.digest("SHA-256", enc("abc").buffer));
    out.md5 = await attemptAsync(() => crypto.subtle.digest("MD5", enc("abc")).then(hex));
    out.unknown = await attemptAsync(() => crypto.subtle.digest("SHA-3", enc("abc")));
    out.notBuffer = await attemptAsync(() => crypto.subtle.digest("SHA-256", "string"));
    return Response.json(out);
  },
};
