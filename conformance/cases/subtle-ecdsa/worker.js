const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const enc = (s) => new TextEncoder().encode(s);
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const PRIV = {"key_ops": ["sign"], "ext": true, "kty": "EC", "x": "3xrUSiNGtU1ZxLtYATjaRUO-_o4HGl1JfimCO74Jv3U", "y": "S42SFyKfGK4J151FGUt7CYplr1crV6zs9HGVhsBh_dk", "crv": "P-256", "d": "c9RaxHMZDdeLT_rxVVdKOzY6-S65Snq3enxewH4UQQo"};
const PUB = {"key_ops": ["verify"], "ext": true, "kty": "EC", "x": "3xrUSiNGtU1ZxLtYATjaRUO-_o4HGl1JfimCO74Jv3U", "y": "S42SFyKfGK4J151FGUt7CYplr1crV6zs9HGVhsBh_dk", "crv": "P-256"};
const SPKI = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE3xrUSiNGtU1ZxLtYATjaRUO+/o4HGl1JfimCO74Jv3VLjZIXIp8YrgnXnUUZS3sJimWvVytXrOz0cZWGwGH92Q==";
const SIG = "ybmswcTIle0rgtXPeLYB7H35npm3hfkAnyY/96jfEIJdgVMn7illOWmese0AS+EX2vRV78iCki7IgMnnJ13YZA==";

export default {
  async fetch() {
    const alg = { name: "ECDSA", namedCurve: "P-256" };
    const sigAlg = { name: "ECDSA", hash: "SHA-256" };
    const pub = await crypto.subtle.importKey("jwk", PUB, alg, true, ["verify"]);
    const priv = await crypto.subtle.importKey("jwk", PRIV, alg, true, ["sign"]);
    const spki = await crypto.subtle.importKey("spki", b64(SPKI), alg, true, ["verify"]);
    const msg = enc("message to sign");
    const sig = await crypto.subtle.sign(sigAlg, priv, msg);
    const gen = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
    const gsig = await crypto.subtle.sign(sigAlg, gen.privateKey, msg);
    return Response.json({
      fixed: await crypto.subtle.verify(sigAlg, pub, b64(SIG), msg),
      fixedSpki: await crypto.subtle.verify(sigAlg, spki, b64(SIG), msg),
      fixedWrongMsg: await crypto.subtle.verify(sigAlg, pub, b64(SIG), enc("other")),
      roundTrip: [sig.byteLength, await crypto.subtle.verify(sigAlg, pub, sig, msg)],
      generated: [await crypto.subtle.verify(sigAlg, gen.publicKey, gsig, msg), gen.publicKey.algorithm, gen.privateKey.usages, gen.publicKey.usages],
      exportSpki: hex(await crypto.subtle.exportKey("spki", pub)),
      exportRaw: hex(await crypto.subtle.exportKey("raw", pub)),
      exportJwk: await crypto.subtle.exportKey("jwk", priv),
      pkcs8Length: (await crypto.subtle.exportKey("pkcs8", priv)).byteLength,
      privAsVerify: await attemptAsync(() => crypto.subtle.verify(sigAlg, priv, sig, msg)),
      badCurve: await attemptAsync(() => crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-999" }, true, ["sign"])),
    });
  },
};
