const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const enc = (s) => new TextEncoder().encode(s);
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
export default {
  async fetch() {
    const out = {};
    for (const bits of [128, 256]) {
      const raw = new Uint8Array(bits / 8).map((_, i) => i);
      const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", true, ["encrypt", "decrypt"]);
      const iv = new Uint8Array(12).fill(7);
      const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, enc("attack at dawn"));
      const ad = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: enc("header"), tagLength: 96 }, key, enc("with ad"));
      const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv }, key, ct);
      const tampered = new Uint8Array(ct); tampered[0] ^= 1;
      out[bits] = {
        ct: hex(ct), ad: hex(ad), pt: new TextDecoder().decode(pt),
        adRoundTrip: new TextDecoder().decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: enc("header"), tagLength: 96 }, key, ad)),
        tampered: await attemptAsync(() => crypto.subtle.decrypt({ name: "AES-GCM", iv }, key, tampered)),
        algorithm: key.algorithm, jwk: await crypto.subtle.exportKey("jwk", key),
      };
    }
    out.badKeyLength = await attemptAsync(() => crypto.subtle.importKey("raw", new Uint8Array(10), "AES-GCM", false, ["encrypt"]));
    const gen = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    out.generatedRoundTrip = new TextDecoder().decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv }, gen, await crypto.subtle.encrypt({ name: "AES-GCM", iv }, gen, enc("rt"))));
    const cbcKey = await crypto.subtle.importKey("raw", new Uint8Array(16).fill(1), "AES-CBC", false, ["encrypt", "decrypt"]);
    out.cbc = await attemptAsync(async () => hex(await crypto.subtle.encrypt({ name: "AES-CBC", iv: new Uint8Array(16) }, cbcKey, enc("cbc block data"))));
    const ctrKey = await crypto.subtle.importKey("raw", new Uint8Array(16).fill(2), "AES-CTR", false, ["encrypt"]);
    out.ctr = await attemptAsync(async () => hex(await crypto.subtle.encrypt({ name: "AES-CTR", counter: new Uint8Array(16), length: 64 }, ctrKey, enc("ctr data"))));
    const kwKey = await crypto.subtle.importKey("raw", new Uint8Array(16).fill(3), "AES-KW", false, ["wrapKey", "unwrapKey"]);
    out.kw = await attemptAsync(async () => hex(await crypto.subtle.wrapKey("raw", await crypto.subtle.importKey("raw", new Uint8Array(16).fill(4), "AES-GCM", true, ["encrypt"]), kwKey, "AES-KW")));
    return Response.json(out);
  },
};
