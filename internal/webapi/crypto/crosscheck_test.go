package crypto_test

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"math/big"
	"testing"
)

// jsResult runs body and returns its result as a map of hex strings.
func jsResult(t *testing.T, body string, args ...any) map[string][]byte {
	t.Helper()
	rt := newRuntime(t)
	v := mustRun(t, rt, fmt.Sprintf(body, args...))
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("script returned %T %v; want an object", v, v)
	}
	out := map[string][]byte{}
	for k, v := range m {
		s, _ := v.(string)
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatalf("result %s = %q: %v", k, s, err)
		}
		out[k] = b
	}
	return out
}

func mustHex(b []byte) string { return hex.EncodeToString(b) }

func TestCrossCheckECDSA(t *testing.T) {
	msg := []byte("hello")
	t.Run("JS signs, Go verifies", func(t *testing.T) {
		r := jsResult(t, `
			const {publicKey, privateKey} = await subtle.generateKey({name: "ECDSA", namedCurve: "P-256"}, true, ["sign", "verify"]);
			const sig = await subtle.sign({name: "ECDSA", hash: "SHA-256"}, privateKey, utf8("hello"));
			return {spki: hex(await subtle.exportKey("spki", publicKey)), sig: hex(sig)}`)
		k, err := x509.ParsePKIXPublicKey(r["spki"])
		if err != nil {
			t.Fatalf("ParsePKIXPublicKey: %v", err)
		}
		pub := k.(*ecdsa.PublicKey)
		d := sha256.Sum256(msg)
		sig := r["sig"]
		if len(sig) != 64 || !ecdsa.Verify(pub, d[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			t.Errorf("ecdsa.Verify of a JS signature failed (sig %x)", sig)
		}
	})
	t.Run("Go signs, JS verifies", func(t *testing.T) {
		priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		d := sha256.Sum256(msg)
		rr, s, _ := ecdsa.Sign(rand.Reader, priv, d[:])
		sig := make([]byte, 64)
		rr.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		spki, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
		pkcs8, _ := x509.MarshalPKCS8PrivateKey(priv)
		r := jsResult(t, `
			const alg = {name: "ECDSA", namedCurve: "P-256"};
			const pub = await subtle.importKey("spki", unhex(%q), alg, false, ["verify"]);
			const priv = await subtle.importKey("pkcs8", unhex(%q), alg, false, ["sign"]);
			const ok = await subtle.verify({name: "ECDSA", hash: "SHA-256"}, pub, unhex(%q), utf8("hello"));
			const bad = await subtle.verify({name: "ECDSA", hash: "SHA-256"}, pub, unhex(%q), utf8("hellO"));
			return {ok: ok && !bad ? "01" : "00", sig: hex(await subtle.sign({name: "ECDSA", hash: "SHA-256"}, priv, utf8("hello")))}`,
			mustHex(spki), mustHex(pkcs8), mustHex(sig), mustHex(sig))
		if !bytes.Equal(r["ok"], []byte{1}) {
			t.Errorf("JS verify of a Go signature: ok=%x; want 01", r["ok"])
		}
		js := r["sig"]
		if !ecdsa.Verify(&priv.PublicKey, d[:], new(big.Int).SetBytes(js[:32]), new(big.Int).SetBytes(js[32:])) {
			t.Errorf("ecdsa.Verify of a JS signature with a Go-made key failed")
		}
	})
}

func TestCrossCheckEd25519(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(priv)
	goSig := ed25519.Sign(priv, []byte("hello"))
	r := jsResult(t, `
		const pub = await subtle.importKey("raw", unhex(%q), "Ed25519", false, ["verify"]);
		const priv = await subtle.importKey("pkcs8", unhex(%q), "Ed25519", false, ["sign"]);
		const gen = await subtle.generateKey("Ed25519", true, ["sign", "verify"]);
		return {
			ok: (await subtle.verify("Ed25519", pub, unhex(%q), utf8("hello"))) ? "01" : "00",
			sig: hex(await subtle.sign("Ed25519", priv, utf8("hello"))),
			genPub: hex(await subtle.exportKey("spki", gen.publicKey)),
			genSig: hex(await subtle.sign("Ed25519", gen.privateKey, utf8("hello"))),
		}`, mustHex(pub), mustHex(pkcs8), mustHex(goSig))
	if !bytes.Equal(r["ok"], []byte{1}) {
		t.Errorf("JS verify of a Go Ed25519 signature failed")
	}
	if !bytes.Equal(r["sig"], goSig) {
		t.Errorf("JS Ed25519 signature = %x; want %x (Ed25519 is deterministic)", r["sig"], goSig)
	}
	k, err := x509.ParsePKIXPublicKey(r["genPub"])
	if err != nil {
		t.Fatalf("ParsePKIXPublicKey: %v", err)
	}
	if !ed25519.Verify(k.(ed25519.PublicKey), []byte("hello"), r["genSig"]) {
		t.Errorf("ed25519.Verify of a JS signature failed")
	}
}

func TestCrossCheckRSA(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(priv)
	spki, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	d := sha256.Sum256([]byte("hello"))
	goPKCS1, _ := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, d[:])
	goPSS, _ := rsa.SignPSS(rand.Reader, priv, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: 32})
	goOAEP, _ := rsa.EncryptOAEP(sha256.New(), rand.Reader, &priv.PublicKey, []byte("from go"), nil)
	r := jsResult(t, `
		const h = {hash: "SHA-256"};
		const v15 = {name: "RSASSA-PKCS1-v1_5", ...h}, pss = {name: "RSA-PSS", ...h}, oaep = {name: "RSA-OAEP", ...h};
		const pkcs8 = unhex(%q), spki = unhex(%q);
		const v15priv = await subtle.importKey("pkcs8", pkcs8, v15, false, ["sign"]);
		const v15pub = await subtle.importKey("spki", spki, v15, false, ["verify"]);
		const psspriv = await subtle.importKey("pkcs8", pkcs8, pss, false, ["sign"]);
		const psspub = await subtle.importKey("spki", spki, pss, false, ["verify"]);
		const oaeppriv = await subtle.importKey("pkcs8", pkcs8, oaep, false, ["decrypt"]);
		const oaeppub = await subtle.importKey("spki", spki, oaep, false, ["encrypt"]);
		const ok = await subtle.verify(v15, v15pub, unhex(%q), utf8("hello")) &&
			await subtle.verify({name: "RSA-PSS", saltLength: 32}, psspub, unhex(%q), utf8("hello"));
		return {
			ok: ok ? "01" : "00",
			v15: hex(await subtle.sign(v15, v15priv, utf8("hello"))),
			pss: hex(await subtle.sign({name: "RSA-PSS", saltLength: 32}, psspriv, utf8("hello"))),
			oaep: hex(await subtle.encrypt("RSA-OAEP", oaeppub, utf8("from js"))),
			plain: hex(await subtle.decrypt("RSA-OAEP", oaeppriv, unhex(%q))),
		}`, mustHex(pkcs8), mustHex(spki), mustHex(goPKCS1), mustHex(goPSS), mustHex(goOAEP))
	if !bytes.Equal(r["ok"], []byte{1}) {
		t.Errorf("JS verify of Go RSA signatures failed")
	}
	if !bytes.Equal(r["v15"], goPKCS1) {
		t.Errorf("JS PKCS1v15 signature differs from Go's (it is deterministic)")
	}
	if err := rsa.VerifyPSS(&priv.PublicKey, crypto.SHA256, d[:], r["pss"], &rsa.PSSOptions{SaltLength: 32}); err != nil {
		t.Errorf("rsa.VerifyPSS of a JS signature: %v", err)
	}
	plain, err := rsa.DecryptOAEP(sha256.New(), nil, priv, r["oaep"], nil)
	if err != nil || string(plain) != "from js" {
		t.Errorf("rsa.DecryptOAEP of JS ciphertext = %q, %v; want \"from js\"", plain, err)
	}
	if string(r["plain"]) != "from go" {
		t.Errorf("JS RSA-OAEP decrypt = %q; want \"from go\"", r["plain"])
	}
}

func TestCrossCheckSymmetric(t *testing.T) {
	key := make([]byte, 32)
	rand.Read(key)
	iv := make([]byte, 12)
	rand.Read(iv)
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	goCT := gcm.Seal(nil, iv, []byte("from go"), []byte("aad"))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("hello"))
	r := jsResult(t, `
		const raw = unhex(%q), iv = unhex(%q);
		const aes = await subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
		const mac = await subtle.importKey("raw", raw, {name: "HMAC", hash: "SHA-256"}, false, ["sign"]);
		const alg = {name: "AES-GCM", iv, additionalData: utf8("aad")};
		return {
			plain: hex(await subtle.decrypt(alg, aes, unhex(%q))),
			ct: hex(await subtle.encrypt(alg, aes, utf8("from js"))),
			mac: hex(await subtle.sign("HMAC", mac, utf8("hello"))),
		}`, mustHex(key), mustHex(iv), mustHex(goCT))
	if string(r["plain"]) != "from go" {
		t.Errorf("JS AES-GCM decrypt = %q; want \"from go\"", r["plain"])
	}
	if p, err := gcm.Open(nil, iv, r["ct"], []byte("aad")); err != nil || string(p) != "from js" {
		t.Errorf("Go AES-GCM open of JS ciphertext = %q, %v", p, err)
	}
	if !hmac.Equal(r["mac"], mac.Sum(nil)) {
		t.Errorf("JS HMAC = %x; want %x", r["mac"], mac.Sum(nil))
	}
}

func TestCrossCheckECDH(t *testing.T) {
	goPriv, _ := ecdh.P256().GenerateKey(rand.Reader)
	r := jsResult(t, `
		const alg = {name: "ECDH", namedCurve: "P-256"};
		const peer = await subtle.importKey("raw", unhex(%q), alg, false, []);
		const mine = await subtle.generateKey(alg, true, ["deriveBits"]);
		return {
			pub: hex(await subtle.exportKey("raw", mine.publicKey)),
			secret: hex(await subtle.deriveBits({name: "ECDH", public: peer}, mine.privateKey, 256)),
		}`, mustHex(goPriv.PublicKey().Bytes()))
	pub, err := ecdh.P256().NewPublicKey(r["pub"])
	if err != nil {
		t.Fatalf("NewPublicKey(JS raw export): %v", err)
	}
	want, _ := goPriv.ECDH(pub)
	if !bytes.Equal(r["secret"], want) {
		t.Errorf("JS ECDH secret = %x; want %x", r["secret"], want)
	}
}
