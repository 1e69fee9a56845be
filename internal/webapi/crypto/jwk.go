package crypto

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"strings"
)

// JSON Web Key helpers (RFC 7517, 7518, 8037).

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwkBytes decodes the base64url member m of jwk.
func jwkBytes(jwk params, m string) ([]byte, error) {
	s, ok := jwk[m].(string)
	if !ok {
		return nil, dataError("Invalid or missing JWK member %q.", m)
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, dataError("Invalid base64url in JWK member %q.", m)
	}
	return b, nil
}

func jwkInt(jwk params, m string) (*big.Int, error) {
	b, err := jwkBytes(jwk, m)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, dataError("Empty JWK member %q.", m)
	}
	return new(big.Int).SetBytes(b), nil
}

func checkKty(jwk params, want string) error {
	if got := jwk.str("kty"); got != want {
		return dataError("JWK \"kty\" member was %q, expected %q.", got, want)
	}
	return nil
}

// checkAlg fails when jwk names an "alg" other than want. An empty want
// means any alg is accepted.
func checkAlg(jwk params, want ...string) error {
	alg, ok := jwk["alg"].(string)
	if !ok || len(want) == 0 {
		return nil
	}
	for _, w := range want {
		if alg == w {
			return nil
		}
	}
	return dataError("JWK \"alg\" member was %q, expected %q.", alg, want[0])
}

func hmacJWKAlg(hash string) string {
	return "HS" + strings.TrimPrefix(hash, "SHA-")
}

func aesJWKAlg(name string, bits int) string {
	return "A" + itoa(bits) + strings.TrimPrefix(name, "AES-")
}

func rsaJWKAlg(name, hash string) string {
	bits := strings.TrimPrefix(hash, "SHA-")
	switch name {
	case "RSASSA-PKCS1-v1_5":
		return "RS" + bits
	case "RSA-PSS":
		return "PS" + bits
	}
	if bits == "1" {
		return "RSA-OAEP"
	}
	return "RSA-OAEP-" + bits
}

func ecJWKAlg(curve string) string {
	switch curve {
	case "P-256":
		return "ES256"
	case "P-384":
		return "ES384"
	}
	return "ES512"
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

// rsaFromJWK builds an RSA key from a JWK; priv is nil for a public key.
func rsaFromJWK(jwk params) (*rsa.PublicKey, *rsa.PrivateKey, error) {
	n, err := jwkInt(jwk, "n")
	if err != nil {
		return nil, nil, err
	}
	e, err := jwkInt(jwk, "e")
	if err != nil {
		return nil, nil, err
	}
	if !e.IsInt64() || e.Int64() > 1<<31-1 || e.Int64() < 3 {
		return nil, nil, dataError("Invalid RSA public exponent.")
	}
	pub := &rsa.PublicKey{N: n, E: int(e.Int64())}
	if !jwk.has("d") {
		return pub, nil, nil
	}
	if jwk.has("oth") {
		return nil, nil, notSupported("Multi-prime RSA keys are not supported.")
	}
	var ints [6]*big.Int
	for i, m := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		if ints[i], err = jwkInt(jwk, m); err != nil {
			return nil, nil, err
		}
	}
	priv := &rsa.PrivateKey{PublicKey: *pub, D: ints[0], Primes: []*big.Int{ints[1], ints[2]}}
	if err := priv.Validate(); err != nil {
		return nil, nil, dataError("Invalid RSA private key: %v", err)
	}
	priv.Precompute()
	pc := priv.Precomputed
	if pc.Dp == nil || pc.Dp.Cmp(ints[3]) != 0 || pc.Dq.Cmp(ints[4]) != 0 || pc.Qinv.Cmp(ints[5]) != 0 {
		return nil, nil, dataError("Invalid RSA private key: inconsistent CRT parameters.")
	}
	return pub, priv, nil
}

func rsaToJWK(pub *rsa.PublicKey, priv *rsa.PrivateKey) map[string]any {
	j := map[string]any{
		"kty": "RSA",
		"n":   b64(pub.N.Bytes()),
		"e":   b64(big.NewInt(int64(pub.E)).Bytes()),
	}
	if priv != nil {
		priv.Precompute()
		j["d"] = b64(priv.D.Bytes())
		j["p"] = b64(priv.Primes[0].Bytes())
		j["q"] = b64(priv.Primes[1].Bytes())
		j["dp"] = b64(priv.Precomputed.Dp.Bytes())
		j["dq"] = b64(priv.Precomputed.Dq.Bytes())
		j["qi"] = b64(priv.Precomputed.Qinv.Bytes())
	}
	return j
}

// ecFromJWK builds an EC key from a JWK on the given curve.
func ecFromJWK(jwk params, curveName string) (*ecdsa.PublicKey, *ecdsa.PrivateKey, error) {
	curve, err := lookupCurve(curveName)
	if err != nil {
		return nil, nil, err
	}
	if crv := jwk.str("crv"); crv != curveName {
		return nil, nil, dataError("JWK \"crv\" member was %q, expected %q.", crv, curveName)
	}
	size := (curve.Params().BitSize + 7) / 8
	x, err := jwkBytes(jwk, "x")
	if err != nil {
		return nil, nil, err
	}
	y, err := jwkBytes(jwk, "y")
	if err != nil {
		return nil, nil, err
	}
	if len(x) != size || len(y) != size {
		return nil, nil, dataError("Invalid EC JWK: coordinates must be %d bytes.", size)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
	if err != nil {
		return nil, nil, dataError("Invalid EC JWK: %v", err)
	}
	if !jwk.has("d") {
		return pub, nil, nil
	}
	d, err := jwkBytes(jwk, "d")
	if err != nil {
		return nil, nil, err
	}
	if len(d) != size {
		return nil, nil, dataError("Invalid EC JWK: \"d\" must be %d bytes.", size)
	}
	priv, err := ecdsa.ParseRawPrivateKey(curve, d)
	if err != nil {
		return nil, nil, dataError("Invalid EC JWK: %v", err)
	}
	if !priv.PublicKey.Equal(pub) {
		return nil, nil, dataError("Invalid EC JWK: \"d\" does not match \"x\" and \"y\".")
	}
	return pub, priv, nil
}

func ecToJWK(curveName string, pub *ecdsa.PublicKey, priv *ecdsa.PrivateKey) (map[string]any, error) {
	raw, err := pub.Bytes()
	if err != nil {
		return nil, opError("encoding the EC public key: %v", err)
	}
	size := (len(raw) - 1) / 2
	j := map[string]any{"kty": "EC", "crv": curveName, "x": b64(raw[1 : 1+size]), "y": b64(raw[1+size:])}
	if priv != nil {
		d, err := priv.Bytes()
		if err != nil {
			return nil, opError("encoding the EC private key: %v", err)
		}
		j["d"] = b64(d)
	}
	return j, nil
}

// okpFromJWK builds an Ed25519 or X25519 key (as ed25519 or ecdh values)
// from a JWK.
func okpFromJWK(jwk params, x25519 bool) (pub, priv any, err error) {
	crv := "Ed25519"
	if x25519 {
		crv = "X25519"
	}
	if got := jwk.str("crv"); got != crv {
		return nil, nil, dataError("JWK \"crv\" member was %q, expected %q.", got, crv)
	}
	x, err := jwkBytes(jwk, "x")
	if err != nil {
		return nil, nil, err
	}
	if len(x) != 32 {
		return nil, nil, dataError("Invalid %s JWK: \"x\" must be 32 bytes.", crv)
	}
	var d []byte
	if jwk.has("d") {
		if d, err = jwkBytes(jwk, "d"); err != nil {
			return nil, nil, err
		}
		if len(d) != 32 {
			return nil, nil, dataError("Invalid %s JWK: \"d\" must be 32 bytes.", crv)
		}
	}
	if x25519 {
		p, err := ecdh.X25519().NewPublicKey(x)
		if err != nil {
			return nil, nil, dataError("Invalid X25519 JWK: %v", err)
		}
		if d == nil {
			return p, nil, nil
		}
		k, err := ecdh.X25519().NewPrivateKey(d)
		if err != nil {
			return nil, nil, dataError("Invalid X25519 JWK: %v", err)
		}
		if !k.PublicKey().Equal(p) {
			return nil, nil, dataError("Invalid X25519 JWK: \"d\" does not match \"x\".")
		}
		return p, k, nil
	}
	p := ed25519.PublicKey(x)
	if d == nil {
		return p, nil, nil
	}
	k := ed25519.NewKeyFromSeed(d)
	if !p.Equal(k.Public()) {
		return nil, nil, dataError("Invalid Ed25519 JWK: \"d\" does not match \"x\".")
	}
	return p, k, nil
}
