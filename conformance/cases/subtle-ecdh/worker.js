const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const enc = (s) => new TextEncoder().encode(s);
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const A = {"key_ops": ["deriveBits"], "ext": true, "kty": "EC", "x": "1OWG417tCYxPgDgi1__stdpuPV-OxZbQ-UK6nfJIyZw", "y": "6hjlfZNFqF4vAsthHY-nj2EK0tqg5dEWokn_V0J0IZw", "crv": "P-256", "d": "AemJ627_bpA_yS1W-9Tp2rGdvvrAtZ6TjvB5VfiAGgM"};
const B = {"key_ops": ["deriveBits"], "ext": true, "kty": "EC", "x": "_Lb_NRqNQf3rq7Xqy4kgcxFLyVhrYZmu6sYdhBmuqg4", "y": "Q4pI5PLgD-PFHgA6VPkt9H4je3UEVg8nY2On8-VOpB4", "crv": "P-256", "d": "lVHUITD1XeM4UCKRbcIA5vAimHxRDmK8WnB6H2b_IBg"};
const XA = "MC4CAQAwBQYDK2VuBCIEINgMBZre95J/jl9Q2CXiv5qItJ/2+745Cs6r/5GsZwdC";
const XB = "26B/H5oMSuL/Qx8tyFsHX1l3Pm1v4d4sTQKfg1mrAQc=";

export default {
  async fetch() {
    const alg = { name: "ECDH", namedCurve: "P-256" };
    const pubOf = (jwk) => { const { d, key_ops, ...pub } = jwk; return pub; };
    const { key_ops, ...aJwk } = A;
    const aPriv = await crypto.subtle.importKey("jwk", aJwk, alg, false, ["deriveBits", "deriveKey"]);
    const bPriv = await crypto.subtle.importKey("jwk", B, alg, false, ["deriveBits"]);
    const aPub = await crypto.subtle.importKey("jwk", pubOf(A), alg, true, []);
    const bPub = await crypto.subtle.importKey("jwk", pubOf(B), alg, true, []);
    const ab = hex(await crypto.subtle.deriveBits({ name: "ECDH", public: bPub }, aPriv, 256));
    const ba = hex(await crypto.subtle.deriveBits({ name: "ECDH", public: aPub }, bPriv, 256));
    const key = await crypto.subtle.deriveKey({ name: "ECDH", public: bPub }, aPriv, { name: "AES-GCM", length: 256 }, true, ["encrypt"]);
    const xPriv = await crypto.subtle.importKey("pkcs8", b64(XA), { name: "X25519" }, false, ["deriveBits"]);
    const xPub = await crypto.subtle.importKey("raw", b64(XB), { name: "X25519" }, true, []);
    return Response.json({
      ab, agree: ab === ba, key: [key.algorithm, hex(await crypto.subtle.exportKey("raw", key))],
      short: hex(await crypto.subtle.deriveBits({ name: "ECDH", public: bPub }, aPriv, 128)),
      x25519: hex(await crypto.subtle.deriveBits({ name: "X25519", public: xPub }, xPriv, 256)),
      wrongType: await attemptAsync(() => crypto.subtle.deriveBits({ name: "ECDH", public: aPriv }, aPriv, 256)),
    });
  },
};
