package crypto_test

import "testing"

// TestRoundTrips generates a key for every algorithm, exports it in every
// format the key supports, imports it back and uses the imports.
func TestRoundTrips(t *testing.T) {
	rt := newRuntime(t)
	tests := []struct {
		name, script string
	}{
		{"HMAC", `
			const k = await subtle.generateKey({name: "HMAC", hash: "SHA-384"}, true, ["sign", "verify"]);
			check(k.algorithm.length === 1024 && k.algorithm.hash.name === "SHA-384", "algorithm");
			const raw = await subtle.exportKey("raw", k);
			const jwk = await subtle.exportKey("jwk", k);
			check(jwk.kty === "oct" && jwk.alg === "HS384" && jwk.ext === true && jwk.key_ops.join() === "sign,verify", "jwk " + JSON.stringify(jwk));
			const k2 = await subtle.importKey("jwk", jwk, {name: "HMAC", hash: "SHA-384"}, true, ["verify"]);
			const k3 = await subtle.importKey("raw", raw, {name: "HMAC", hash: "SHA-384"}, true, ["verify"]);
			const sig = await subtle.sign("HMAC", k, utf8("msg"));
			check(await subtle.verify("HMAC", k2, sig, utf8("msg")), "verify jwk");
			check(await subtle.verify("HMAC", k3, sig, utf8("msg")), "verify raw");
			check(!(await subtle.verify("HMAC", k3, sig, utf8("msh"))), "verify other");`},
		{"AES-GCM", `
			const k = await subtle.generateKey({name: "AES-GCM", length: 256}, true, ["encrypt", "decrypt"]);
			const jwk = await subtle.exportKey("jwk", k);
			check(jwk.alg === "A256GCM", "alg " + jwk.alg);
			const k2 = await subtle.importKey("jwk", jwk, "AES-GCM", false, ["decrypt"]);
			const iv = crypto.getRandomValues(new Uint8Array(12));
			for (const tagLength of [32, 64, 96, 104, 112, 120, 128]) {
				const alg = {name: "AES-GCM", iv, additionalData: utf8("aad"), tagLength};
				const c = await subtle.encrypt(alg, k, utf8("hello world"));
				check(c.byteLength === 11 + tagLength / 8, "length");
				check(hex(await subtle.decrypt(alg, k2, c)) === hex(utf8("hello world")), "decrypt " + tagLength);
			}
			const c = await subtle.encrypt({name: "AES-GCM", iv: new Uint8Array(16)}, k, utf8("odd iv"));
			check(hex(await subtle.decrypt({name: "AES-GCM", iv: new Uint8Array(16)}, k, c)) === hex(utf8("odd iv")), "16-byte iv");`},
		{"AES-CBC", `
			const k = await subtle.generateKey({name: "AES-CBC", length: 128}, true, ["encrypt", "decrypt"]);
			const k2 = await subtle.importKey("raw", await subtle.exportKey("raw", k), "AES-CBC", false, ["decrypt"]);
			const iv = new Uint8Array(16);
			for (const n of [0, 15, 16, 33]) {
				const p = new Uint8Array(n).fill(7);
				const c = await subtle.encrypt({name: "AES-CBC", iv}, k, p);
				check(c.byteLength === (Math.floor(n / 16) + 1) * 16, "padding");
				check(hex(await subtle.decrypt({name: "AES-CBC", iv}, k2, c)) === hex(p), "decrypt");
			}`},
		{"AES-CTR", `
			const k = await subtle.generateKey({name: "AES-CTR", length: 192}, true, ["encrypt", "decrypt"]);
			check((await subtle.exportKey("jwk", k)).alg === "A192CTR", "alg");
			const counter = new Uint8Array(16).fill(0xff);
			const p = new Uint8Array(40).fill(1);
			const c = await subtle.encrypt({name: "AES-CTR", counter, length: 8}, k, p);
			check(hex(await subtle.decrypt({name: "AES-CTR", counter, length: 8}, k, c)) === hex(p), "decrypt");`},
		{"AES-KW", `
			const kek = await subtle.generateKey({name: "AES-KW", length: 256}, true, ["wrapKey", "unwrapKey"]);
			const k = await subtle.generateKey({name: "HMAC", hash: "SHA-256"}, true, ["sign", "verify"]);
			const w = await subtle.wrapKey("raw", k, kek, "AES-KW");
			const u = await subtle.unwrapKey("raw", w, kek, "AES-KW", {name: "HMAC", hash: "SHA-256"}, true, ["sign"]);
			check(hex(await subtle.exportKey("raw", u)) === hex(await subtle.exportKey("raw", k)), "unwrapped");`},
		{"wrapKey jwk with AES-GCM", `
			const kek = await subtle.generateKey({name: "AES-GCM", length: 128}, false, ["wrapKey", "unwrapKey"]);
			const {privateKey} = await subtle.generateKey({name: "ECDSA", namedCurve: "P-256"}, true, ["sign", "verify"]);
			const alg = {name: "AES-GCM", iv: new Uint8Array(12)};
			const w = await subtle.wrapKey("jwk", privateKey, kek, alg);
			const u = await subtle.unwrapKey("jwk", w, kek, alg, {name: "ECDSA", namedCurve: "P-256"}, false, ["sign"]);
			check(u.type === "private" && !u.extractable && u.usages.join() === "sign", "unwrapped");`},
		{"ECDSA P-256", `
			const {publicKey, privateKey} = await subtle.generateKey({name: "ECDSA", namedCurve: "P-256"}, true, ["sign", "verify"]);
			check(publicKey.usages.join() === "verify" && privateKey.usages.join() === "sign", "usages");
			check(publicKey.algorithm.namedCurve === "P-256", "curve");
			const sig = await subtle.sign({name: "ECDSA", hash: "SHA-256"}, privateKey, utf8("m"));
			check(sig.byteLength === 64, "P1363 length");
			for (const f of ["raw", "spki", "jwk"]) {
				const pub = await subtle.importKey(f, await subtle.exportKey(f, publicKey), {name: "ECDSA", namedCurve: "P-256"}, true, ["verify"]);
				check(await subtle.verify({name: "ECDSA", hash: "SHA-256"}, pub, sig, utf8("m")), "verify " + f);
			}
			for (const f of ["pkcs8", "jwk"]) {
				const priv = await subtle.importKey(f, await subtle.exportKey(f, privateKey), {name: "ECDSA", namedCurve: "P-256"}, false, ["sign"]);
				const s = await subtle.sign({name: "ECDSA", hash: "SHA-256"}, priv, utf8("m"));
				check(await subtle.verify({name: "ECDSA", hash: "SHA-256"}, publicKey, s, utf8("m")), "sign " + f);
			}
			const jwk = await subtle.exportKey("jwk", privateKey);
			check(jwk.kty === "EC" && jwk.crv === "P-256" && jwk.alg === undefined && jwk.d.length === 43, "jwk");
			check(Object.keys(jwk).join() === "kty,key_ops,ext,crv,x,y,d", "jwk order " + Object.keys(jwk));`},
		{"ECDSA P-384 SHA-384", `
			const {publicKey, privateKey} = await subtle.generateKey({name: "ECDSA", namedCurve: "P-384"}, false, ["sign", "verify"]);
			const sig = await subtle.sign({name: "ECDSA", hash: "SHA-384"}, privateKey, utf8("m"));
			check(sig.byteLength === 96, "length");
			check(await subtle.verify({name: "ECDSA", hash: "SHA-384"}, publicKey, sig, utf8("m")), "verify");
			check(publicKey.extractable && !privateKey.extractable, "extractable");`},
		{"Ed25519", `
			const {publicKey, privateKey} = await subtle.generateKey("Ed25519", true, ["sign", "verify"]);
			const sig = await subtle.sign("Ed25519", privateKey, utf8("m"));
			for (const f of ["raw", "spki", "jwk"]) {
				const pub = await subtle.importKey(f, await subtle.exportKey(f, publicKey), "Ed25519", true, ["verify"]);
				check(await subtle.verify("Ed25519", pub, sig, utf8("m")), "verify " + f);
			}
			for (const f of ["pkcs8", "jwk"]) {
				const priv = await subtle.importKey(f, await subtle.exportKey(f, privateKey), "Ed25519", true, ["sign"]);
				check(hex(await subtle.sign("Ed25519", priv, utf8("m"))) === hex(sig), "sign " + f);
			}
			const jwk = await subtle.exportKey("jwk", privateKey);
			check(jwk.kty === "OKP" && jwk.crv === "Ed25519" && jwk.alg === "EdDSA", "jwk");`},
		{"NODE-ED25519", `
			const alg = {name: "NODE-ED25519", namedCurve: "NODE-ED25519"};
			const {publicKey, privateKey} = await subtle.generateKey(alg, true, ["sign", "verify"]);
			check(publicKey.algorithm.name === "NODE-ED25519" && publicKey.algorithm.namedCurve === "NODE-ED25519", "algorithm");
			const sig = await subtle.sign(alg, privateKey, utf8("m"));
			const pub = await subtle.importKey("raw", await subtle.exportKey("raw", publicKey), alg, true, ["verify"]);
			check(await subtle.verify("NODE-ED25519", pub, sig, utf8("m")), "verify");`},
		{"RSASSA-PKCS1-v1_5", `
			const alg = {name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256"};
			const {publicKey, privateKey} = await subtle.generateKey(alg, true, ["sign", "verify"]);
			check(publicKey.algorithm.modulusLength === 2048 && hex(publicKey.algorithm.publicExponent) === "010001", "algorithm");
			const sig = await subtle.sign("RSASSA-PKCS1-v1_5", privateKey, utf8("m"));
			for (const f of ["spki", "jwk"]) {
				const pub = await subtle.importKey(f, await subtle.exportKey(f, publicKey), {name: alg.name, hash: "SHA-256"}, true, ["verify"]);
				check(await subtle.verify(alg.name, pub, sig, utf8("m")), "verify " + f);
			}
			for (const f of ["pkcs8", "jwk"]) {
				const priv = await subtle.importKey(f, await subtle.exportKey(f, privateKey), {name: alg.name, hash: "SHA-256"}, true, ["sign"]);
				check(hex(await subtle.sign(alg.name, priv, utf8("m"))) === hex(sig), "sign " + f);
			}
			check((await subtle.exportKey("jwk", privateKey)).alg === "RS256", "jwk alg");`},
		{"RSA-PSS", `
			const alg = {name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-512"};
			const {publicKey, privateKey} = await subtle.generateKey(alg, true, ["sign", "verify"]);
			const sig = await subtle.sign({name: "RSA-PSS", saltLength: 32}, privateKey, utf8("m"));
			const pub = await subtle.importKey("jwk", await subtle.exportKey("jwk", publicKey), {name: "RSA-PSS", hash: "SHA-512"}, true, ["verify"]);
			check(await subtle.verify({name: "RSA-PSS", saltLength: 32}, pub, sig, utf8("m")), "verify");
			check(!(await subtle.verify({name: "RSA-PSS", saltLength: 20}, pub, sig, utf8("m"))), "wrong salt");
			check((await subtle.exportKey("jwk", publicKey)).alg === "PS512", "jwk alg");`},
		{"RSA-OAEP", `
			const alg = {name: "RSA-OAEP", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256"};
			const {publicKey, privateKey} = await subtle.generateKey(alg, true, ["encrypt", "decrypt", "wrapKey", "unwrapKey"]);
			check(publicKey.usages.join() === "encrypt,wrapKey" && privateKey.usages.join() === "decrypt,unwrapKey", "usages");
			const c = await subtle.encrypt({name: "RSA-OAEP", label: utf8("l")}, publicKey, utf8("secret"));
			const priv = await subtle.importKey("pkcs8", await subtle.exportKey("pkcs8", privateKey), {name: "RSA-OAEP", hash: "SHA-256"}, false, ["decrypt"]);
			check(hex(await subtle.decrypt({name: "RSA-OAEP", label: utf8("l")}, priv, c)) === hex(utf8("secret")), "decrypt");
			check((await subtle.exportKey("jwk", publicKey)).alg === "RSA-OAEP-256", "jwk alg");
			const aes = await subtle.generateKey({name: "AES-GCM", length: 128}, true, ["encrypt"]);
			const w = await subtle.wrapKey("raw", aes, publicKey, "RSA-OAEP");
			const u = await subtle.unwrapKey("raw", w, privateKey, "RSA-OAEP", "AES-GCM", true, ["encrypt"]);
			check(hex(await subtle.exportKey("raw", u)) === hex(await subtle.exportKey("raw", aes)), "unwrap");`},
		{"ECDH P-256", `
			const alg = {name: "ECDH", namedCurve: "P-256"};
			const a = await subtle.generateKey(alg, true, ["deriveBits", "deriveKey"]);
			const b = await subtle.generateKey(alg, true, ["deriveBits"]);
			check(a.publicKey.usages.length === 0, "public usages");
			const bPub = await subtle.importKey("raw", await subtle.exportKey("raw", b.publicKey), alg, true, []);
			const s1 = await subtle.deriveBits({name: "ECDH", public: bPub}, a.privateKey, 256);
			const s2 = await subtle.deriveBits({name: "ECDH", public: a.publicKey}, b.privateKey, null);
			check(hex(s1) === hex(s2) && s1.byteLength === 32, "shared secret");
			const s3 = await subtle.deriveBits({name: "ECDH", public: a.publicKey}, b.privateKey, 100);
			check(hex(s3) === hex(new Uint8Array(s1).slice(0, 13).map((x, i) => i === 12 ? x & 0xf0 : x)), "truncated");
			const k = await subtle.deriveKey({name: "ECDH", public: bPub}, a.privateKey, {name: "AES-GCM", length: 256}, true, ["encrypt"]);
			check(hex(await subtle.exportKey("raw", k)) === hex(s1), "deriveKey");
			const jwk = await subtle.exportKey("jwk", a.privateKey);
			check(jwk.alg === undefined && jwk.crv === "P-256", "jwk");
			await subtle.importKey("jwk", jwk, alg, false, ["deriveBits"]);
			await subtle.importKey("pkcs8", await subtle.exportKey("pkcs8", a.privateKey), alg, false, ["deriveBits"]);`},
		{"X25519", `
			const a = await subtle.generateKey("X25519", true, ["deriveBits"]);
			const b = await subtle.generateKey({name: "X25519"}, true, ["deriveBits"]);
			const bPub = await subtle.importKey("jwk", await subtle.exportKey("jwk", b.publicKey), "X25519", true, []);
			const s1 = await subtle.deriveBits({name: "X25519", public: bPub}, a.privateKey, 256);
			const s2 = await subtle.deriveBits({name: "X25519", public: a.publicKey}, b.privateKey, 256);
			check(hex(s1) === hex(s2), "shared secret");`},
		{"PBKDF2 deriveKey", `
			const k = await subtle.importKey("raw", utf8("pw"), "PBKDF2", false, ["deriveKey"]);
			const d = await subtle.deriveKey({name: "PBKDF2", hash: "SHA-256", salt: utf8("s"), iterations: 1000}, k, {name: "HMAC", hash: "SHA-256"}, true, ["sign"]);
			check(d.algorithm.length === 512 && (await subtle.exportKey("raw", d)).byteLength === 64, "hmac key");
			check(k.algorithm.name === "PBKDF2" && k.type === "secret" && !k.extractable, "base key");`},
		{"HKDF deriveKey", `
			const k = await subtle.importKey("raw", utf8("ikm"), {name: "HKDF"}, false, ["deriveKey", "deriveBits"]);
			const p = {name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8("i")};
			const d = await subtle.deriveKey(p, k, {name: "AES-CBC", length: 128}, true, ["encrypt"]);
			check(hex(await subtle.exportKey("raw", d)) === hex(await subtle.deriveBits(p, k, 128)), "same bits");`},
	}
	const helpers = `const check = (ok, what) => { if (!ok) throw new Error("check failed: " + what); };`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustRun(t, rt, helpers+tt.script+"\nreturn 'ok'")
		})
	}
}
