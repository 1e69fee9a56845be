package crypto_test

import (
	"fmt"
	"testing"
)

// TestKnownAnswers checks published test vectors through the JS API.
func TestKnownAnswers(t *testing.T) {
	rt := newRuntime(t)
	tests := []struct {
		name, script, want string
	}{
		{"SHA-1", `return hex(await subtle.digest("SHA-1", utf8("abc")))`,
			"a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"SHA-256", `return hex(await subtle.digest({name: "sha-256"}, utf8("abc")))`,
			"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"SHA-384", `return hex(await subtle.digest("SHA-384", utf8("abc").buffer))`,
			"cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"},
		{"SHA-512", `return hex(await subtle.digest("SHA-512", new DataView(utf8("xabcx").buffer, 1, 3)))`,
			"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
		{"MD5", `return hex(await subtle.digest("MD5", utf8("abc")))`,
			"900150983cd24fb0d6963f7d28e17f72"},
		{"digest returns ArrayBuffer", `const d = await subtle.digest("SHA-256", new Uint8Array(0)); return String(d instanceof ArrayBuffer) + d.byteLength`,
			"true32"},
		{"HMAC RFC 4231 case 2 SHA-256", `
			const k = await subtle.importKey("raw", utf8("Jefe"), {name: "HMAC", hash: "SHA-256"}, false, ["sign"]);
			return hex(await subtle.sign("HMAC", k, utf8("what do ya want for nothing?")))`,
			"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{"HMAC RFC 4231 case 2 SHA-512", `
			const k = await subtle.importKey("raw", utf8("Jefe"), {name: "HMAC", hash: {name: "SHA-512"}}, false, ["sign"]);
			return hex(await subtle.sign({name: "hmac"}, k, utf8("what do ya want for nothing?")))`,
			"164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
		{"AES-GCM NIST test case 2", `
			const k = await subtle.importKey("raw", new Uint8Array(16), "AES-GCM", false, ["encrypt"]);
			return hex(await subtle.encrypt({name: "AES-GCM", iv: new Uint8Array(12)}, k, new Uint8Array(16)))`,
			"0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf"},
		{"AES-GCM NIST test case 4", `
			const k = await subtle.importKey("raw", unhex("feffe9928665731c6d6a8f9467308308"), "AES-GCM", false, ["encrypt", "decrypt"]);
			const alg = {name: "AES-GCM", iv: unhex("cafebabefacedbaddecaf888"), additionalData: unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")};
			const p = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
			const c = await subtle.encrypt(alg, k, unhex(p));
			if (hex(await subtle.decrypt(alg, k, c)) !== p) throw new Error("round trip");
			return hex(c)`,
			"42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091" +
				"5bc94fbc3221a5db94fae95ae7121a47"},
		{"PBKDF2 RFC 6070 c=2", `
			const k = await subtle.importKey("raw", utf8("password"), "PBKDF2", false, ["deriveBits"]);
			return hex(await subtle.deriveBits({name: "PBKDF2", hash: "SHA-1", salt: utf8("salt"), iterations: 2}, k, 160))`,
			"ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"},
		{"HKDF RFC 5869 case 1", `
			const k = await subtle.importKey("raw", new Uint8Array(22).fill(0x0b), "HKDF", false, ["deriveBits"]);
			return hex(await subtle.deriveBits({name: "HKDF", hash: "SHA-256", salt: unhex("000102030405060708090a0b0c"), info: unhex("f0f1f2f3f4f5f6f7f8f9")}, k, 336))`,
			"3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
		{"AES-KW RFC 3394 4.1", `
			const kek = await subtle.importKey("raw", unhex("000102030405060708090a0b0c0d0e0f"), "AES-KW", false, ["wrapKey", "unwrapKey"]);
			const key = await subtle.importKey("raw", unhex("00112233445566778899aabbccddeeff"), "AES-GCM", true, ["encrypt"]);
			const w = await subtle.wrapKey("raw", key, kek, "AES-KW");
			const u = await subtle.unwrapKey("raw", w, kek, "AES-KW", "AES-GCM", true, ["encrypt"]);
			return hex(w) + " " + hex(await subtle.exportKey("raw", u))`,
			"1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5 00112233445566778899aabbccddeeff"},
		{"Ed25519 RFC 8032 test 1", `
			const b64u = (b) => btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
			const d = unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
			const x = unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
			const k = await subtle.importKey("jwk", {kty: "OKP", crv: "Ed25519", d: b64u(d), x: b64u(x)}, "Ed25519", false, ["sign"]);
			const pub = await subtle.importKey("raw", x, {name: "Ed25519"}, true, ["verify"]);
			const sig = await subtle.sign("Ed25519", k, new Uint8Array(0));
			return hex(sig) + " " + await subtle.verify("Ed25519", pub, sig, new Uint8Array(0))`,
			"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b true"},
		{"X25519 RFC 7748 6.1", `
			const a = await subtle.importKey("pkcs8", unhex("302e020100300506032b656e04220420" + "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"), "X25519", false, ["deriveBits"]);
			const b = await subtle.importKey("raw", unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"), "X25519", true, []);
			return hex(await subtle.deriveBits({name: "X25519", public: b}, a, 256))`,
			"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustRun(t, rt, tt.script); got != tt.want {
				t.Errorf("%s = %v; want %s", tt.name, got, tt.want)
			}
		})
	}
}

func TestRandom(t *testing.T) {
	rt := newRuntime(t)
	tests := []struct {
		name, script, want string
	}{
		{"getRandomValues fills and returns its argument", `
			const a = new Uint32Array(64);
			const r = crypto.getRandomValues(a);
			return String(r === a) + String(a.some((x) => x !== 0))`, "truetrue"},
		{"getRandomValues respects view offsets", `
			const buf = new Uint8Array(64);
			crypto.getRandomValues(new Uint8Array(buf.buffer, 16, 32));
			return String(buf.slice(0, 16).every((x) => x === 0) && buf.slice(48).every((x) => x === 0))`, "true"},
		{"getRandomValues takes 65536 bytes", `return crypto.getRandomValues(new Uint8Array(65536)).length`, "65536"},
		{"getRandomValues BigInt64Array", `return crypto.getRandomValues(new BigInt64Array(2)).length`, "2"},
		{"randomUUID", `
			const u = crypto.randomUUID();
			return String(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u)) + String(u !== crypto.randomUUID())`,
			"truetrue"},
		{"globals", `
			return [typeof Crypto, typeof SubtleCrypto, typeof CryptoKey, crypto instanceof Crypto,
				crypto.subtle instanceof SubtleCrypto, Object.prototype.toString.call(crypto.subtle)].join()`,
			"function,function,function,true,true,[object SubtleCrypto]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmt.Sprint(mustRun(t, rt, tt.script)); got != tt.want {
				t.Errorf("%s = %v; want %s", tt.name, got, tt.want)
			}
		})
	}
}

func TestDigestStream(t *testing.T) {
	rt := newRuntime(t)
	tests := []struct {
		name, script, want string
	}{
		{"chunks", `
			const s = new crypto.DigestStream("SHA-256");
			const w = s.getWriter();
			await w.write(utf8("a"));
			await w.write(utf8("bc").buffer);
			await w.close();
			return hex(await s.digest) + " " + s.bytesWritten`,
			"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 3"},
		{"piped", `
			const s = new crypto.DigestStream({name: "MD5"});
			await new ReadableStream({start(c) { c.enqueue(utf8("ab")); c.enqueue(utf8("c")); c.close(); }}).pipeTo(s);
			return hex(await s.digest)`, "900150983cd24fb0d6963f7d28e17f72"},
		{"empty", `
			const s = new crypto.DigestStream("SHA-1");
			await s.getWriter().close();
			return hex(await s.digest)`, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"abort rejects digest", `
			const s = new crypto.DigestStream("SHA-256");
			await s.getWriter().abort(new Error("stop"));
			return await s.digest.then(() => "resolved", (e) => e.message)`, "stop"},
		{"is a WritableStream", `return String(new crypto.DigestStream("SHA-512") instanceof WritableStream)`, "true"},
		{"unknown algorithm", `try { new crypto.DigestStream("SHA-3"); return "no error" } catch (e) { return e.name }`, "NotSupportedError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustRun(t, rt, tt.script); got != tt.want {
				t.Errorf("%s = %v; want %s", tt.name, got, tt.want)
			}
		})
	}
}
