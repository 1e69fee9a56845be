const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const enc = (s) => new TextEncoder().encode(s);
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
export default {
  async fetch() {
    const hmac = await crypto.subtle.importKey("raw", enc("k"), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    return Response.json({
      unknownAlg: await attemptAsync(() => crypto.subtle.generateKey({ name: "FOO" }, true, ["sign"])),
      signWithVerifyKey: await attemptAsync(() => crypto.subtle.sign("HMAC", hmac, enc("x"))),
      badUsage: await attemptAsync(() => crypto.subtle.importKey("raw", enc("k"), { name: "HMAC", hash: "SHA-256" }, false, ["encrypt"])),
      badFormat: await attemptAsync(() => crypto.subtle.importKey("nope", enc("k"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])),
      badSpki: await attemptAsync(() => crypto.subtle.importKey("spki", enc("not der"), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"])),
      badJwk: await attemptAsync(() => crypto.subtle.importKey("jwk", { kty: "oct" }, { name: "HMAC", hash: "SHA-256" }, false, ["sign"])),
      emptyUsages: await attemptAsync(() => crypto.subtle.generateKey({ name: "AES-GCM", length: 128 }, true, [])),
      missingHash: await attemptAsync(() => crypto.subtle.importKey("raw", enc("k"), { name: "HMAC" }, false, ["sign"])),
      cryptoKeyCtor: attempt(() => new CryptoKey()),
      subtleMethods: ["encrypt", "decrypt", "sign", "verify", "digest", "generateKey", "deriveKey", "deriveBits", "importKey", "exportKey", "wrapKey", "unwrapKey"].map((m) => typeof crypto.subtle[m]),
    });
  },
};
