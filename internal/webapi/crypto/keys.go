package crypto

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"math/big"
	"strings"
)

// Algorithm families, by normalized name.
func isAES(name string) bool { return strings.HasPrefix(name, "AES-") }
func isRSA(name string) bool {
	return name == "RSASSA-PKCS1-v1_5" || name == "RSA-PSS" || name == "RSA-OAEP"
}
func isEC(name string) bool      { return name == "ECDSA" || name == "ECDH" }
func isEd25519(name string) bool { return name == "Ed25519" || name == "NODE-ED25519" }

// generateKeyOp: crypto.generateKey(alg) -> keyResult for secret keys, or
// {publicKey, privateKey} of keyResults for key pairs.
func generateKeyOp(args []any) (any, error) {
	alg := argParams(args, 0)
	name := alg.str("name")
	switch {
	case isAES(name):
		bits := alg.num("length", 0)
		if bits != 128 && bits != 192 && bits != 256 {
			return nil, opError("AES key length must be 128, 192, or 256 bits.")
		}
		b := make([]byte, bits/8)
		rand.Read(b)
		return keyResult("secret", b, map[string]any{"length": bits}), nil
	case name == "HMAC":
		bits, err := hmacLength(alg.str("hash"), alg.num("length", 0))
		if err != nil {
			return nil, err
		}
		b := make([]byte, (bits+7)/8)
		rand.Read(b)
		maskBits(b, bits)
		return keyResult("secret", b, map[string]any{"hash": alg.str("hash"), "length": bits}), nil
	case isRSA(name):
		bits := alg.num("modulusLength", 0)
		if e := alg.bytes("publicExponent"); !isF4(e) {
			return nil, notSupported("The only supported RSA public exponent is 65537.")
		}
		if bits < 1024 || bits > maxRSABits || bits%128 != 0 {
			return nil, opError("Can't generate a %d-bit RSA key: modulusLength must be a multiple of 128 between 1024 and %d.", bits, maxRSABits)
		}
		priv, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			return nil, opError("RSA key generation failed: %v", err)
		}
		return pairResult(priv, &priv.PublicKey, rsaInfo(&priv.PublicKey, alg.str("hash")))
	case isEC(name):
		curve, err := lookupCurve(alg.str("namedCurve"))
		if err != nil {
			return nil, err
		}
		priv, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			return nil, opError("EC key generation failed: %v", err)
		}
		return pairResult(priv, &priv.PublicKey, map[string]any{"namedCurve": alg.str("namedCurve")})
	case isEd25519(name):
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, opError("Ed25519 key generation failed: %v", err)
		}
		return pairResult(priv, pub, edInfo(name))
	case name == "X25519":
		priv, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			return nil, opError("X25519 key generation failed: %v", err)
		}
		return pairResult(priv, priv.PublicKey(), nil)
	}
	return nil, notSupported("Unrecognized key generation algorithm %q requested.", name)
}

// maxRSABits caps RSA key generation, which runs on a goroutine that a
// runtime's CPU limit does not stop (an 8192-bit key takes seconds).
const maxRSABits = 8192

func pairResult(priv, pub any, info map[string]any) (any, error) {
	pkcs8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, opError("encoding the private key: %v", err)
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, opError("encoding the public key: %v", err)
	}
	return map[string]any{
		"publicKey":  keyResult("public", spki, info),
		"privateKey": keyResult("private", pkcs8, info),
	}, nil
}

func isF4(e []byte) bool {
	v := new(big.Int).SetBytes(e)
	return v.IsInt64() && v.Int64() == 65537
}

func rsaInfo(pub *rsa.PublicKey, hash string) map[string]any {
	return map[string]any{
		"modulusLength":  pub.N.BitLen(),
		"publicExponent": big.NewInt(int64(pub.E)).Bytes(),
		"hash":           hash,
	}
}

func edInfo(name string) map[string]any {
	if name == "NODE-ED25519" {
		return map[string]any{"namedCurve": "NODE-ED25519"}
	}
	return nil
}

// hmacLength is the length in bits of an HMAC key: the requested one, or the
// hash's block size as workerd does.
func hmacLength(hash string, bits int) (int, error) {
	if bits < 0 {
		return 0, opError("HMAC key length must be a non-zero unsigned long integer.")
	}
	if bits > 0 {
		return bits, nil
	}
	switch hash {
	case "SHA-1", "SHA-256", "MD5":
		return 512, nil
	case "SHA-384", "SHA-512":
		return 1024, nil
	}
	return 0, notSupported("Unrecognized or unimplemented digest algorithm requested.")
}

// maskBits clears the bits of b past the first n.
func maskBits(b []byte, n int) {
	if r := n % 8; r != 0 && len(b) > 0 {
		b[len(b)-1] &= byte(0xff << (8 - r))
	}
}

var curves = map[string]elliptic.Curve{
	"P-256": elliptic.P256(),
	"P-384": elliptic.P384(),
	"P-521": elliptic.P521(),
}

func lookupCurve(name string) (elliptic.Curve, error) {
	if c, ok := curves[name]; ok {
		return c, nil
	}
	return nil, notSupported("Unsupported namedCurve %q.", name)
}

// Parsing canonical key material. Material that is in a key's slot was
// validated on import, so failures here mean a key of the wrong kind.

func parsePublic(k key) (any, error) {
	if k.Type != "public" {
		return nil, newError("InvalidAccessError", "The provided key has type %q, not \"public\".", k.Type)
	}
	pub, err := x509.ParsePKIXPublicKey(k.Data)
	if err != nil {
		return nil, dataError("Invalid public key: %v", err)
	}
	return pub, nil
}

func parsePrivate(k key) (any, error) {
	if k.Type != "private" {
		return nil, newError("InvalidAccessError", "The provided key has type %q, not \"private\".", k.Type)
	}
	priv, err := x509.ParsePKCS8PrivateKey(k.Data)
	if err != nil {
		return nil, dataError("Invalid private key: %v", err)
	}
	return priv, nil
}

func rsaPublic(k key) (*rsa.PublicKey, error) {
	pub, err := parsePublic(k)
	if err != nil {
		return nil, err
	}
	if p, ok := pub.(*rsa.PublicKey); ok {
		return p, nil
	}
	return nil, dataError("Key is not an RSA public key.")
}

func rsaPrivate(k key) (*rsa.PrivateKey, error) {
	priv, err := parsePrivate(k)
	if err != nil {
		return nil, err
	}
	if p, ok := priv.(*rsa.PrivateKey); ok {
		return p, nil
	}
	return nil, dataError("Key is not an RSA private key.")
}

func ecPublic(k key) (*ecdsa.PublicKey, error) {
	pub, err := parsePublic(k)
	if err != nil {
		return nil, err
	}
	if p, ok := pub.(*ecdsa.PublicKey); ok {
		return p, nil
	}
	return nil, dataError("Key is not an EC public key.")
}

func ecPrivate(k key) (*ecdsa.PrivateKey, error) {
	priv, err := parsePrivate(k)
	if err != nil {
		return nil, err
	}
	if p, ok := priv.(*ecdsa.PrivateKey); ok {
		return p, nil
	}
	return nil, dataError("Key is not an EC private key.")
}

func edPublic(k key) (ed25519.PublicKey, error) {
	pub, err := parsePublic(k)
	if err != nil {
		return nil, err
	}
	if p, ok := pub.(ed25519.PublicKey); ok {
		return p, nil
	}
	return nil, dataError("Key is not an Ed25519 public key.")
}

func edPrivate(k key) (ed25519.PrivateKey, error) {
	priv, err := parsePrivate(k)
	if err != nil {
		return nil, err
	}
	if p, ok := priv.(ed25519.PrivateKey); ok {
		return p, nil
	}
	return nil, dataError("Key is not an Ed25519 private key.")
}

// ecdhPublic and ecdhPrivate accept ECDH (NIST curve) and X25519 keys.
func ecdhPublic(k key) (*ecdh.PublicKey, error) {
	pub, err := parsePublic(k)
	if err != nil {
		return nil, err
	}
	switch p := pub.(type) {
	case *ecdh.PublicKey:
		return p, nil
	case *ecdsa.PublicKey:
		e, err := p.ECDH()
		if err != nil {
			return nil, dataError("Invalid EC public key: %v", err)
		}
		return e, nil
	}
	return nil, dataError("Key is not an ECDH public key.")
}

func ecdhPrivate(k key) (*ecdh.PrivateKey, error) {
	priv, err := parsePrivate(k)
	if err != nil {
		return nil, err
	}
	switch p := priv.(type) {
	case *ecdh.PrivateKey:
		return p, nil
	case *ecdsa.PrivateKey:
		e, err := p.ECDH()
		if err != nil {
			return nil, dataError("Invalid EC private key: %v", err)
		}
		return e, nil
	}
	return nil, dataError("Key is not an ECDH private key.")
}
