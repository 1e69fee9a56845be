package crypto_test

import (
	"strings"
	"testing"
)

// TestErrors checks that failures reach user code as the exception classes
// WebCrypto and workerd use.
func TestErrors(t *testing.T) {
	rt := newRuntime(t)
	const hmacKey = `const hk = await subtle.importKey("raw", utf8("k"), {name: "HMAC", hash: "SHA-256"}, false, ["sign"]);`
	const aesKey = `const ak = await subtle.importKey("raw", new Uint8Array(16), "AES-GCM", false, ["encrypt", "decrypt"]);`
	tests := []struct {
		name, script, wantName, wantMsg string
	}{
		{"digest unknown", `await subtle.digest("SHA-3", new Uint8Array(1))`, "NotSupportedError", "Unrecognized or unimplemented digest"},
		{"digest not a buffer", `await subtle.digest("SHA-256", "abc")`, "TypeError", ""},
		{"generateKey unknown", `await subtle.generateKey("FOO", true, ["sign"])`, "NotSupportedError", `Unrecognized key generation algorithm "FOO"`},
		{"generateKey PBKDF2", `await subtle.generateKey("PBKDF2", true, ["deriveBits"])`, "NotSupportedError", ""},
		{"importKey unknown", `await subtle.importKey("raw", new Uint8Array(1), "FOO", true, ["sign"])`, "NotSupportedError", ""},
		{"importKey bad format", `await subtle.importKey("pem", new Uint8Array(1), "AES-GCM", true, ["encrypt"])`, "NotSupportedError", ""},
		{"sign unknown name", hmacKey + `await subtle.sign("FOO", hk, new Uint8Array(1))`, "NotSupportedError", "Unrecognized name."},
		{"sign algorithm mismatch", hmacKey + `await subtle.sign({name: "ECDSA", hash: "SHA-256"}, hk, new Uint8Array(1))`, "InvalidAccessError", "does not match this CryptoKey's algorithm"},
		{"verify without usage", hmacKey + `await subtle.verify("HMAC", hk, new Uint8Array(32), new Uint8Array(1))`, "InvalidAccessError", `Requested key usage "verify" does not match`},
		{"sign with a non-key", `await subtle.sign("HMAC", {}, new Uint8Array(1))`, "TypeError", ""},
		{"missing iv", aesKey + `await subtle.encrypt({name: "AES-GCM"}, ak, new Uint8Array(1))`, "TypeError", `Missing field "iv"`},
		{"missing hash", `await subtle.importKey("raw", new Uint8Array(1), "HMAC", true, ["sign"])`, "TypeError", `Missing field "hash"`},
		{"unknown hash", `await subtle.importKey("raw", new Uint8Array(1), {name: "HMAC", hash: "SHA-3"}, true, ["sign"])`, "NotSupportedError", ""},
		{"tampered AES-GCM", aesKey + `
			const iv = new Uint8Array(12);
			const c = new Uint8Array(await subtle.encrypt({name: "AES-GCM", iv}, ak, utf8("hello")));
			c[0] ^= 1;
			await subtle.decrypt({name: "AES-GCM", iv}, ak, c)`, "OperationError", "Decryption failed"},
		{"tampered AES-GCM short tag", aesKey + `
			const alg = {name: "AES-GCM", iv: new Uint8Array(12), tagLength: 64};
			const c = new Uint8Array(await subtle.encrypt(alg, ak, utf8("hello")));
			c[c.length - 1] ^= 1;
			await subtle.decrypt(alg, ak, c)`, "OperationError", ""},
		{"wrong AAD", aesKey + `
			const c = await subtle.encrypt({name: "AES-GCM", iv: new Uint8Array(12), additionalData: utf8("a")}, ak, utf8("hello"));
			await subtle.decrypt({name: "AES-GCM", iv: new Uint8Array(12), additionalData: utf8("b")}, ak, c)`, "OperationError", ""},
		{"bad GCM tag length", aesKey + `await subtle.encrypt({name: "AES-GCM", iv: new Uint8Array(12), tagLength: 100}, ak, utf8("x"))`, "OperationError", ""},
		{"AES-CBC bad length", `
			const k = await subtle.importKey("raw", new Uint8Array(16), "AES-CBC", false, ["decrypt"]);
			await subtle.decrypt({name: "AES-CBC", iv: new Uint8Array(16)}, k, new Uint8Array(15))`, "OperationError", ""},
		{"AES-CBC short iv", `
			const k = await subtle.importKey("raw", new Uint8Array(16), "AES-CBC", false, ["encrypt"]);
			await subtle.encrypt({name: "AES-CBC", iv: new Uint8Array(8)}, k, new Uint8Array(15))`, "OperationError", "16 bytes"},
		{"tampered RSA-OAEP", `
			const {publicKey, privateKey} = await subtle.generateKey({name: "RSA-OAEP", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-1"}, false, ["encrypt", "decrypt"]);
			const c = new Uint8Array(await subtle.encrypt("RSA-OAEP", publicKey, utf8("x")));
			c[5] ^= 1;
			await subtle.decrypt("RSA-OAEP", privateKey, c)`, "OperationError", ""},
		{"AES raw bad length", `await subtle.importKey("raw", new Uint8Array(10), "AES-GCM", true, ["encrypt"])`, "DataError", "128, 192, or 256"},
		{"AES generate bad length", `await subtle.generateKey({name: "AES-GCM", length: 100}, true, ["encrypt"])`, "OperationError", ""},
		{"JWK wrong kty", `await subtle.importKey("jwk", {kty: "RSA", k: "AAAA"}, {name: "HMAC", hash: "SHA-256"}, true, ["sign"])`, "DataError", "kty"},
		{"JWK missing k", `await subtle.importKey("jwk", {kty: "oct"}, {name: "HMAC", hash: "SHA-256"}, true, ["sign"])`, "DataError", ""},
		{"JWK bad base64", `await subtle.importKey("jwk", {kty: "oct", k: "!!"}, {name: "HMAC", hash: "SHA-256"}, true, ["sign"])`, "DataError", ""},
		{"JWK alg mismatch", `await subtle.importKey("jwk", {kty: "oct", k: "AAAAAAAAAAAAAAAAAAAAAA", alg: "A256GCM"}, "AES-GCM", true, ["encrypt"])`, "DataError", "alg"},
		{"JWK HMAC alg mismatch", `await subtle.importKey("jwk", {kty: "oct", k: "AAAA", alg: "HS512"}, {name: "HMAC", hash: "SHA-256"}, true, ["sign"])`, "DataError", ""},
		{"JWK ext false", `await subtle.importKey("jwk", {kty: "oct", k: "AAAA", ext: false}, {name: "HMAC", hash: "SHA-256"}, true, ["sign"])`, "DataError", "ext"},
		{"JWK key_ops", `await subtle.importKey("jwk", {kty: "oct", k: "AAAA", key_ops: ["verify"]}, {name: "HMAC", hash: "SHA-256"}, true, ["sign"])`, "DataError", "key_ops"},
		{"JWK use", `await subtle.importKey("jwk", {kty: "oct", k: "AAAA", use: "enc"}, {name: "HMAC", hash: "SHA-256"}, true, ["sign"])`, "DataError", "use"},
		{"JWK EC wrong crv", `
			const {privateKey} = await subtle.generateKey({name: "ECDSA", namedCurve: "P-256"}, true, ["sign"]);
			const jwk = await subtle.exportKey("jwk", privateKey);
			await subtle.importKey("jwk", {...jwk, alg: undefined}, {name: "ECDSA", namedCurve: "P-384"}, true, ["sign"])`, "DataError", "crv"},
		{"JWK EC d mismatch", `
			const a = await subtle.exportKey("jwk", (await subtle.generateKey({name: "ECDSA", namedCurve: "P-256"}, true, ["sign"])).privateKey);
			const b = await subtle.exportKey("jwk", (await subtle.generateKey({name: "ECDSA", namedCurve: "P-256"}, true, ["sign"])).privateKey);
			await subtle.importKey("jwk", {...a, d: b.d}, {name: "ECDSA", namedCurve: "P-256"}, true, ["sign"])`, "DataError", ""},
		{"spki of another key type", `
			const {publicKey} = await subtle.generateKey({name: "ECDSA", namedCurve: "P-256"}, true, ["sign", "verify"]);
			await subtle.importKey("spki", await subtle.exportKey("spki", publicKey), {name: "RSA-PSS", hash: "SHA-256"}, true, ["verify"])`, "DataError", ""},
		{"pkcs8 of another curve", `
			const {privateKey} = await subtle.generateKey({name: "ECDSA", namedCurve: "P-384"}, true, ["sign"]);
			await subtle.importKey("pkcs8", await subtle.exportKey("pkcs8", privateKey), {name: "ECDSA", namedCurve: "P-256"}, true, ["sign"])`, "DataError", "curve"},
		{"garbage spki", `await subtle.importKey("spki", new Uint8Array(20), "Ed25519", true, ["verify"])`, "DataError", ""},
		{"export private as spki", `
			const {privateKey} = await subtle.generateKey("Ed25519", true, ["sign"]);
			await subtle.exportKey("spki", privateKey)`, "InvalidAccessError", ""},
		{"public key with private usage", `
			const {publicKey} = await subtle.generateKey({name: "ECDSA", namedCurve: "P-256"}, true, ["sign", "verify"]);
			await subtle.importKey("spki", await subtle.exportKey("spki", publicKey), {name: "ECDSA", namedCurve: "P-256"}, true, ["sign"])`, "SyntaxError", "invalid usage"},
		{"generate with invalid usage", `await subtle.generateKey({name: "HMAC", hash: "SHA-256"}, true, ["encrypt"])`, "SyntaxError", `invalid usage "encrypt"`},
		{"generate with no usages", `await subtle.generateKey({name: "AES-GCM", length: 128}, true, [])`, "SyntaxError", "at least one usage"},
		{"generate pair without private usage", `await subtle.generateKey("Ed25519", true, ["verify"])`, "SyntaxError", ""},
		{"usages not a sequence", `await subtle.generateKey({name: "AES-GCM", length: 128}, true, "encrypt")`, "TypeError", ""},
		{"export non-extractable", aesKey + `await subtle.exportKey("raw", ak)`, "InvalidAccessError", "non-extractable"},
		{"extractable HKDF", `await subtle.importKey("raw", new Uint8Array(4), "HKDF", true, ["deriveBits"])`, "SyntaxError", ""},
		{"PBKDF2 zero iterations", `
			const k = await subtle.importKey("raw", utf8("pw"), "PBKDF2", false, ["deriveBits"]);
			await subtle.deriveBits({name: "PBKDF2", hash: "SHA-256", salt: new Uint8Array(0), iterations: 0}, k, 256)`, "OperationError", ""},
		{"PBKDF2 over the iteration limit", `
			const k = await subtle.importKey("raw", utf8("pw"), "PBKDF2", false, ["deriveBits"]);
			await subtle.deriveBits({name: "PBKDF2", hash: "SHA-256", salt: new Uint8Array(0), iterations: 100001}, k, 256)`, "NotSupportedError", "above 100000"},
		{"RSA modulus not a multiple of 128", `await subtle.generateKey({name: "RSA-PSS", modulusLength: 1000, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256"}, true, ["sign"])`, "OperationError", ""},
		{"RSA exponent 3", `await subtle.generateKey({name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([3]), hash: "SHA-256"}, true, ["sign"])`, "NotSupportedError", ""},
		{"HKDF null length", `
			const k = await subtle.importKey("raw", utf8("pw"), "HKDF", false, ["deriveBits"]);
			await subtle.deriveBits({name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new Uint8Array(0)}, k, null)`, "OperationError", ""},
		{"ECDH with a private key as public", `
			const a = await subtle.generateKey({name: "ECDH", namedCurve: "P-256"}, true, ["deriveBits"]);
			await subtle.deriveBits({name: "ECDH", public: a.privateKey}, a.privateKey, 256)`, "InvalidAccessError", ""},
		{"ECDH across curves", `
			const a = await subtle.generateKey({name: "ECDH", namedCurve: "P-256"}, true, ["deriveBits"]);
			const b = await subtle.generateKey({name: "ECDH", namedCurve: "P-384"}, true, ["deriveBits"]);
			await subtle.deriveBits({name: "ECDH", public: b.publicKey}, a.privateKey, 256)`, "InvalidAccessError", ""},
		{"ECDH too many bits", `
			const a = await subtle.generateKey({name: "ECDH", namedCurve: "P-256"}, true, ["deriveBits"]);
			await subtle.deriveBits({name: "ECDH", public: a.publicKey}, a.privateKey, 512)`, "OperationError", ""},
		{"unsupported curve", `await subtle.generateKey({name: "ECDSA", namedCurve: "P-192"}, true, ["sign"])`, "NotSupportedError", ""},
		{"CryptoKey constructor", `new CryptoKey()`, "TypeError", "Illegal constructor"},
		{"SubtleCrypto constructor", `new SubtleCrypto()`, "TypeError", "Illegal constructor"},
		{"Crypto constructor", `new Crypto()`, "TypeError", "Illegal constructor"},
		{"getRandomValues float", `crypto.getRandomValues(new Float32Array(4))`, "TypeMismatchError", "integer-typed"},
		{"getRandomValues DataView", `crypto.getRandomValues(new DataView(new ArrayBuffer(4)))`, "TypeMismatchError", ""},
		{"getRandomValues too big", `crypto.getRandomValues(new Uint8Array(65537))`, "QuotaExceededError", "65537"},
		{"getRandomValues not a view", `crypto.getRandomValues([1, 2])`, "TypeError", ""},
		{"timingSafeEqual lengths", `crypto.subtle.timingSafeEqual(new Uint8Array(1), new Uint8Array(2))`, "RangeError", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(t, rt, tt.script)
			if err == nil {
				t.Fatalf("%s: no error; want %s", tt.name, tt.wantName)
			}
			if got := jsErrorName(err); got != tt.wantName {
				t.Fatalf("%s: error %v; want name %s", tt.name, err, tt.wantName)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("%s: error %q; want it to contain %q", tt.name, err, tt.wantMsg)
			}
		})
	}
}

// TestKeyMaterialHidden checks that user code cannot reach the bytes of a
// non-extractable key.
func TestKeyMaterialHidden(t *testing.T) {
	rt := newRuntime(t)
	got := mustRun(t, rt, `
		const k = await subtle.importKey("raw", new Uint8Array(16).fill(9), "AES-GCM", false, ["encrypt"]);
		const seen = [];
		for (const o of [k, Object.getPrototypeOf(k)]) {
			seen.push(...Object.getOwnPropertyNames(o), ...Object.getOwnPropertySymbols(o).map(String));
		}
		return [JSON.stringify(k), seen.sort().join(), k.type, k.extractable, k.algorithm.name, k.algorithm.length, k.usages.join(),
			Object.prototype.toString.call(k), k.algorithm === k.algorithm].join("|")`)
	want := "{}|Symbol(Symbol.toStringTag),algorithm,constructor,extractable,type,usages|secret|false|AES-GCM|128|encrypt|[object CryptoKey]|true"
	if got != want {
		t.Errorf("key surface = %v; want %s", got, want)
	}
}

func TestTimingSafeEqual(t *testing.T) {
	rt := newRuntime(t)
	got := mustRun(t, rt, `return [
		subtle.timingSafeEqual(utf8("abc"), utf8("abc")),
		subtle.timingSafeEqual(utf8("abc").buffer, utf8("abd")),
		subtle.timingSafeEqual(new Uint8Array(0), new ArrayBuffer(0))].join()`)
	if got != "true,false,true" {
		t.Errorf("timingSafeEqual = %v; want true,false,true", got)
	}
}

// TestDOMExceptions checks that WebCrypto errors are real DOMExceptions, and
// the TypeErrors real TypeErrors, whether they come from JS or from Go.
func TestDOMExceptions(t *testing.T) {
	rt := newRuntime(t)
	got := mustRun(t, rt, `
		const kind = async (f) => { try { await f(); return "none"; } catch (e) {
			return (e instanceof DOMException ? "DOMException:" : e instanceof TypeError ? "TypeError:" : "other:") + e.name + ":" + e.code; } };
		return [
			await kind(() => subtle.digest("X", new Uint8Array(0))),
			await kind(() => subtle.importKey("raw", new Uint8Array(3), "AES-GCM", false, ["encrypt"])),
			await kind(() => subtle.generateKey({name: "HMAC", hash: "SHA-256"}, false, ["encrypt"])),
			await kind(() => crypto.getRandomValues(new Float64Array(1))),
			await kind(() => subtle.digest("SHA-1", 5)),
		].join()`)
	want := "DOMException:NotSupportedError:9,DOMException:DataError:0,DOMException:SyntaxError:12,DOMException:TypeMismatchError:17,TypeError:TypeError:undefined"
	if got != want {
		t.Errorf("error kinds = %v; want %s", got, want)
	}
}
