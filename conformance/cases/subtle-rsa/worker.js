const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const enc = (s) => new TextEncoder().encode(s);
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const PKCS8 = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDYZqzZa20xoe3wB2px0rLPtBmVhPX1YgmFGZEOCePwUXdXqyQhB9Mt+/elk39CX+8nDaIeJFdLNf9Ld8TYFmfgsbV/DfGJLevUAJWFE+KWhiDv7mpNdd7XCotqd7Uxq+IMKW6MQhrJxceq+T1lTq2WYLLlNYfZqQTGhfw3JBpJqAjhVETBOo6TBf7IMMJP/+sdoin7KuopaZhgi9NeROuBnFI5myUxEHK2LsZ9nWWJyb9h5mJ5jgnoAJh1nYhT/VUABTyP7HhUiIK77mbci1em7fxqPjuemJxKlVsfqwZ0tmhcDy+fH1kRLksDBCl+JD1neLVQTW6aabQV+CPPNiKHAgMBAAECggEAInS+wuOjAEsbOqPDpBn7VK0FgdQo4YhZobK/cO/MNmCSUwgx+XxoeKLs/JUupx/lUV+PV6NLrvMLEjYgxpNSuOkyz+cldUU1jo0FQao34uW6atmYXXsOH0lTh4FF/YGzvWH/cx+3ajcuop+K0g2kABSnh21tkw+hbga5cQIzmVR4DBRmGMUBSATWcue3+/tX0xj137IERIMbUpp8IXAHtIh+r1IGgBn2UuZWLGPWP5o+oeL+HjU6v7GBQaZ4zuMXr4ZhXOPc8md6quQ/adPeOjwRXBJfZXZKVzxFV/8BvMPCSxeLe34YLZyQCli99IT+iM/DA7my/QVQYq8jUBXikQKBgQD0TWENtLN2tGzkD80OJrUpQntmd41hg5rVmapoRJU/fBkaW4x9OlphXkmWU4WGCvRSxptQBpLU2mTBD7UedbewSqSv3bq47pn12+J7OXJeFVUMd4jCanWgCnFtJ2NvN/6atxx+NZaGhYjISoRNWxARK2NqsV5leWXcZxGKYCSQqQKBgQDiw0mXPO2wMXeOePGH3MQgORfGXk26uxGEyh+j3wY4YnAgWE+4t24BIWqL+ROQalYw9s9UEcxZwZNH2kxZWU58Vjy8A2R2A5G9qXBG2Sk22WXSIySrVAl53sdzftVloy3tawFmC+cvCpw4okDmupH5zMuGiuW+p3jUXw7h37GnrwKBgQCY9mIQPNYpOur7GNGhTKcdgFzXWX+SUN5/Y0mJI3f3WfI1yKB8QC8ay/hzQTRXK0CzG1tfjd4dm+h94SHcQoSSwwm+e6xP4kVP5S83TE7Jjb3Eootkf1fKrv86AvGFT6AAqyoR8+edrrpn/hA8hwnWVj5XLVsXWh1nFLms1GnQkQKBgDCRrXB0P2Cup7HfW7RC58sTD3GQf0uQh8cOV8qMmVN4WhXDdIfW2fvqAV0rozIaZI2mP2/9Q+yxlm8cZZ/5jeL5wZZvj5PrXcrmwMKb/sTduX5Rwqfjnwf4XHXzY5eaZNrmQW1u/TxJJH7I2efRbDS51ZnipCS60BmEprZgaDfHAoGAN+z7GCCVFp33UJRWpn9tY8CHa4ks3pXwrCFW4lVOfHO7MwLzLrDl5/JxYVrPFAUN89CiiRLn3bMSIBqWieB0backOKXbWSHdRvGC4JtzH/OT02SQvypGPQ+S0zxSa7rseRzYxjsb++nNMQSUSaWl//QX4scnQ0BXjPa+gl7s4PA=";
const SPKI = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA2Gas2WttMaHt8AdqcdKyz7QZlYT19WIJhRmRDgnj8FF3V6skIQfTLfv3pZN/Ql/vJw2iHiRXSzX/S3fE2BZn4LG1fw3xiS3r1ACVhRPiloYg7+5qTXXe1wqLane1MaviDClujEIaycXHqvk9ZU6tlmCy5TWH2akExoX8NyQaSagI4VREwTqOkwX+yDDCT//rHaIp+yrqKWmYYIvTXkTrgZxSOZslMRByti7GfZ1licm/YeZieY4J6ACYdZ2IU/1VAAU8j+x4VIiCu+5m3ItXpu38aj47npicSpVbH6sGdLZoXA8vnx9ZES5LAwQpfiQ9Z3i1UE1ummm0FfgjzzYihwIDAQAB";

export default {
  async fetch() {
    const out = {};
    const v15 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    const priv = await crypto.subtle.importKey("pkcs8", b64(PKCS8), v15, true, ["sign"]);
    const pub = await crypto.subtle.importKey("spki", b64(SPKI), v15, true, ["verify"]);
    const sig = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", priv, enc("rsa message"));
    out.pkcs1 = { sigSha256: hex(await crypto.subtle.digest("SHA-256", sig)), len: sig.byteLength, verify: await crypto.subtle.verify("RSASSA-PKCS1-v1_5", pub, sig, enc("rsa message")) };
    out.algorithm = { ...pub.algorithm, publicExponent: [...pub.algorithm.publicExponent] };
    const jwk = await crypto.subtle.exportKey("jwk", pub);
    out.jwk = { kty: jwk.kty, alg: jwk.alg, e: jwk.e, nLength: jwk.n.length };
    const pss = { name: "RSA-PSS", hash: "SHA-256" };
    const pssPriv = await crypto.subtle.importKey("pkcs8", b64(PKCS8), pss, false, ["sign"]);
    const pssPub = await crypto.subtle.importKey("spki", b64(SPKI), pss, false, ["verify"]);
    const psig = await crypto.subtle.sign({ name: "RSA-PSS", saltLength: 32 }, pssPriv, enc("pss"));
    out.pss = await crypto.subtle.verify({ name: "RSA-PSS", saltLength: 32 }, pssPub, psig, enc("pss"));
    const oaep = { name: "RSA-OAEP", hash: "SHA-256" };
    const oPriv = await crypto.subtle.importKey("pkcs8", b64(PKCS8), oaep, false, ["decrypt"]);
    const oPub = await crypto.subtle.importKey("spki", b64(SPKI), oaep, false, ["encrypt"]);
    const ct = await crypto.subtle.encrypt({ name: "RSA-OAEP", label: enc("l") }, oPub, enc("secret"));
    out.oaep = [ct.byteLength, new TextDecoder().decode(await crypto.subtle.decrypt({ name: "RSA-OAEP", label: enc("l") }, oPriv, ct))];
    out.oaepWrongLabel = await attemptAsync(() => crypto.subtle.decrypt({ name: "RSA-OAEP", label: enc("x") }, oPriv, ct));
    const gen = await crypto.subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign", "verify"]);
    out.generated = [gen.privateKey.algorithm.modulusLength, (await crypto.subtle.sign("RSASSA-PKCS1-v1_5", gen.privateKey, enc("g"))).byteLength];
    return Response.json(out);
  },
};
