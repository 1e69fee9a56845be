const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const enc = (s) => new TextEncoder().encode(s);
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
export default {
  async fetch() {
    const raw = enc("super secret key material");
    const out = {};
    for (const hash of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"]) {
      const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash }, true, ["sign", "verify"]);
      const sig = await crypto.subtle.sign("HMAC", key, enc("the message"));
      out[hash] = { sig: hex(sig), ok: await crypto.subtle.verify("HMAC", key, sig, enc("the message")), bad: await crypto.subtle.verify("HMAC", key, sig, enc("other")) };
    }
    const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
    out.key = { type: key.type, extractable: key.extractable, usages: key.usages, algorithm: key.algorithm };
    out.jwk = await crypto.subtle.exportKey("jwk", key);
    out.raw = hex(await crypto.subtle.exportKey("raw", key));
    const fromJwk = await crypto.subtle.importKey("jwk", out.jwk, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    out.fromJwk = hex(await crypto.subtle.sign("HMAC", fromJwk, enc("x")));
    out.exportNonExtractable = await attemptAsync(() => crypto.subtle.exportKey("raw", fromJwk));
    out.wrongUsage = await attemptAsync(() => crypto.subtle.verify("HMAC", key, new Uint8Array(32), enc("x")));
    const gen = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-512" }, true, ["sign"]);
    out.generated = { algorithm: gen.algorithm, rawLength: (await crypto.subtle.exportKey("raw", gen)).byteLength };
    return Response.json(out);
  },
};
