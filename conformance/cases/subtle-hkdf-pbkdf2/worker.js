const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const enc = (s) => new TextEncoder().encode(s);
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
export default {
  async fetch() {
    const out = {};
    const ikm = await crypto.subtle.importKey("raw", enc("input key material"), "HKDF", false, ["deriveBits", "deriveKey"]);
    for (const hash of ["SHA-1", "SHA-256", "SHA-512"]) {
      out["hkdf " + hash] = hex(await crypto.subtle.deriveBits({ name: "HKDF", hash, salt: enc("salt"), info: enc("info") }, ikm, 256));
    }
    out.hkdfEmptySalt = hex(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: new Uint8Array() }, ikm, 128));
    const dk = await crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: enc("s"), info: enc("i") }, ikm, { name: "AES-GCM", length: 128 }, true, ["encrypt"]);
    out.hkdfKey = [dk.algorithm, hex(await crypto.subtle.exportKey("raw", dk))];
    const pw = await crypto.subtle.importKey("raw", enc("password"), "PBKDF2", false, ["deriveBits", "deriveKey"]);
    for (const [hash, it] of [["SHA-1", 1], ["SHA-1", 2], ["SHA-256", 1000], ["SHA-512", 10]]) {
      out[`pbkdf2 ${hash} ${it}`] = hex(await crypto.subtle.deriveBits({ name: "PBKDF2", hash, salt: enc("salt"), iterations: it }, pw, 256));
    }
    const hk = await crypto.subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt: enc("salt"), iterations: 100 }, pw, { name: "HMAC", hash: "SHA-256", length: 256 }, true, ["sign"]);
    out.pbkdf2Key = [hk.algorithm, hex(await crypto.subtle.exportKey("raw", hk))];
    out.zeroIterations = await attemptAsync(() => crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: enc("s"), iterations: 0 }, pw, 256));
    out.extractable = await attemptAsync(() => crypto.subtle.importKey("raw", enc("p"), "PBKDF2", true, ["deriveBits"]));
    return Response.json(out);
  },
};
