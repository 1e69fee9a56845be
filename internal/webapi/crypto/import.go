package crypto

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
)

// importKeyOp: crypto.importKey(format, alg, keyData) -> keyResult. keyData
// is bytes, or a JWK object when format is "jwk".
func importKeyOp(args []any) (any, error) {
	format, alg := argString(args, 0), argParams(args, 1)
	name := alg.str("name")
	var raw []byte
	var jwk params
	if format == "jwk" {
		jwk = argParams(args, 2)
	} else {
		raw = argBytes(args, 2)
	}
	switch {
	case isAES(name):
		return importAES(format, name, raw, jwk)
	case name == "HMAC":
		return importHMAC(format, alg, raw, jwk)
	case name == "HKDF" || name == "PBKDF2":
		if format != "raw" {
			return nil, badFormat(format, name)
		}
		return keyResult("secret", raw, nil), nil
	case isRSA(name):
		return importRSA(format, name, alg.str("hash"), raw, jwk)
	case isEC(name):
		return importEC(format, name, alg.str("namedCurve"), raw, jwk)
	case isEd25519(name) || name == "X25519":
		return importOKP(format, name, raw, jwk)
	}
	return nil, notSupported("Unrecognized key import algorithm %q requested.", name)
}

func badFormat(format, name string) error {
	return notSupported("Unrecognized or unimplemented key import format %q for %s.", format, name)
}

func importAES(format, name string, raw []byte, jwk params) (any, error) {
	switch format {
	case "raw":
	case "jwk":
		if err := checkKty(jwk, "oct"); err != nil {
			return nil, err
		}
		var err error
		if raw, err = jwkBytes(jwk, "k"); err != nil {
			return nil, err
		}
		if err := checkAlg(jwk, aesJWKAlg(name, len(raw)*8)); err != nil {
			return nil, err
		}
	default:
		return nil, badFormat(format, name)
	}
	switch len(raw) {
	case 16, 24, 32:
	default:
		return nil, dataError("Imported AES key length must be 128, 192, or 256 bits but provided %d.", len(raw)*8)
	}
	return keyResult("secret", raw, map[string]any{"length": len(raw) * 8}), nil
}

func importHMAC(format string, alg params, raw []byte, jwk params) (any, error) {
	hash := alg.str("hash")
	switch format {
	case "raw":
	case "jwk":
		if err := checkKty(jwk, "oct"); err != nil {
			return nil, err
		}
		var err error
		if raw, err = jwkBytes(jwk, "k"); err != nil {
			return nil, err
		}
		if err := checkAlg(jwk, hmacJWKAlg(hash)); err != nil {
			return nil, err
		}
	default:
		return nil, badFormat(format, "HMAC")
	}
	if len(raw) == 0 {
		return nil, dataError("Imported HMAC key length (0) must be a non-zero value.")
	}
	bits := len(raw) * 8
	if alg.has("length") {
		l := alg.num("length", 0)
		if l > bits || l <= bits-8 {
			return nil, dataError("Imported HMAC key length (%d) must match the key data (%d bits).", l, bits)
		}
		bits = l
	}
	return keyResult("secret", raw, map[string]any{"hash": hash, "length": bits}), nil
}

func importRSA(format, name, hash string, raw []byte, jwk params) (any, error) {
	var pub *rsa.PublicKey
	var priv *rsa.PrivateKey
	switch format {
	case "spki":
		k, err := x509.ParsePKIXPublicKey(raw)
		if err != nil {
			return nil, dataError("Invalid SPKI input: %v", err)
		}
		var ok bool
		if pub, ok = k.(*rsa.PublicKey); !ok {
			return nil, dataError("SPKI input is not an RSA public key.")
		}
	case "pkcs8":
		k, err := x509.ParsePKCS8PrivateKey(raw)
		if err != nil {
			return nil, dataError("Invalid PKCS8 input: %v", err)
		}
		var ok bool
		if priv, ok = k.(*rsa.PrivateKey); !ok {
			return nil, dataError("PKCS8 input is not an RSA private key.")
		}
		pub = &priv.PublicKey
	case "jwk":
		if err := checkKty(jwk, "RSA"); err != nil {
			return nil, err
		}
		if err := checkAlg(jwk, rsaJWKAlg(name, hash)); err != nil {
			return nil, err
		}
		var err error
		if pub, priv, err = rsaFromJWK(jwk); err != nil {
			return nil, err
		}
	default:
		return nil, badFormat(format, name)
	}
	if pub.N.BitLen() < 512 {
		return nil, dataError("RSA key is too small (%d bits).", pub.N.BitLen())
	}
	if priv != nil {
		return asymResult(nil, priv, rsaInfo(pub, hash))
	}
	return asymResult(pub, nil, rsaInfo(pub, hash))
}

// asymResult encodes an imported key in canonical form: SPKI for a public
// key, PKCS #8 for a private one (priv non-nil).
func asymResult(pub, priv any, info map[string]any) (any, error) {
	if priv != nil {
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return nil, dataError("Invalid private key: %v", err)
		}
		return keyResult("private", der, info), nil
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, dataError("Invalid public key: %v", err)
	}
	return keyResult("public", der, info), nil
}

func importEC(format, name, curveName string, raw []byte, jwk params) (any, error) {
	curve, err := lookupCurve(curveName)
	if err != nil {
		return nil, err
	}
	info := map[string]any{"namedCurve": curveName}
	sameCurve := func(c elliptic.Curve) error {
		if c != curve {
			return dataError("Imported key's curve %q does not match the requested namedCurve %q.", c.Params().Name, curveName)
		}
		return nil
	}
	switch format {
	case "raw":
		pub, err := parsePoint(curve, raw)
		if err != nil {
			return nil, err
		}
		return asymResult(pub, nil, info)
	case "spki":
		k, err := x509.ParsePKIXPublicKey(raw)
		if err != nil {
			return nil, dataError("Invalid SPKI input: %v", err)
		}
		pub, ok := k.(*ecdsa.PublicKey)
		if !ok {
			return nil, dataError("SPKI input is not an EC public key.")
		}
		if err := sameCurve(pub.Curve); err != nil {
			return nil, err
		}
		return asymResult(pub, nil, info)
	case "pkcs8":
		k, err := x509.ParsePKCS8PrivateKey(raw)
		if err != nil {
			return nil, dataError("Invalid PKCS8 input: %v", err)
		}
		priv, ok := k.(*ecdsa.PrivateKey)
		if !ok {
			return nil, dataError("PKCS8 input is not an EC private key.")
		}
		if err := sameCurve(priv.Curve); err != nil {
			return nil, err
		}
		return asymResult(nil, priv, info)
	case "jwk":
		if err := checkKty(jwk, "EC"); err != nil {
			return nil, err
		}
		if name == "ECDSA" {
			if err := checkAlg(jwk, ecJWKAlg(curveName)); err != nil {
				return nil, err
			}
		}
		pub, priv, err := ecFromJWK(jwk, curveName)
		if err != nil {
			return nil, err
		}
		if priv != nil {
			return asymResult(nil, priv, info)
		}
		return asymResult(pub, nil, info)
	}
	return nil, badFormat(format, name)
}

// parsePoint parses an uncompressed or compressed EC point.
func parsePoint(curve elliptic.Curve, raw []byte) (*ecdsa.PublicKey, error) {
	size := (curve.Params().BitSize + 7) / 8
	if len(raw) == 1+size && (raw[0] == 2 || raw[0] == 3) {
		x, y := elliptic.UnmarshalCompressed(curve, raw)
		if x == nil {
			return nil, dataError("Invalid compressed EC point.")
		}
		u := make([]byte, 1+2*size)
		u[0] = 4
		x.FillBytes(u[1 : 1+size])
		y.FillBytes(u[1+size:])
		raw = u
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, raw)
	if err != nil {
		return nil, dataError("Invalid EC point: %v", err)
	}
	return pub, nil
}

func importOKP(format, name string, raw []byte, jwk params) (any, error) {
	x25519 := name == "X25519"
	info := edInfo(name)
	okType := func(k any) bool {
		switch k := k.(type) {
		case ed25519.PublicKey, ed25519.PrivateKey:
			return !x25519
		case *ecdh.PublicKey:
			return x25519 && k.Curve() == ecdh.X25519()
		case *ecdh.PrivateKey:
			return x25519 && k.Curve() == ecdh.X25519()
		}
		return false
	}
	switch format {
	case "raw":
		if len(raw) != 32 {
			return nil, dataError("%s raw keys must be exactly 32 bytes (provided %d).", name, len(raw))
		}
		if x25519 {
			pub, err := ecdh.X25519().NewPublicKey(raw)
			if err != nil {
				return nil, dataError("Invalid X25519 key: %v", err)
			}
			return asymResult(pub, nil, info)
		}
		return asymResult(ed25519.PublicKey(raw), nil, info)
	case "spki":
		k, err := x509.ParsePKIXPublicKey(raw)
		if err != nil {
			return nil, dataError("Invalid SPKI input: %v", err)
		}
		if !okType(k) {
			return nil, dataError("SPKI input is not an %s public key.", name)
		}
		return asymResult(k, nil, info)
	case "pkcs8":
		k, err := x509.ParsePKCS8PrivateKey(raw)
		if err != nil {
			return nil, dataError("Invalid PKCS8 input: %v", err)
		}
		if !okType(k) {
			return nil, dataError("PKCS8 input is not an %s private key.", name)
		}
		return asymResult(nil, k, info)
	case "jwk":
		if err := checkKty(jwk, "OKP"); err != nil {
			return nil, err
		}
		if !x25519 {
			if err := checkAlg(jwk, "EdDSA", "Ed25519"); err != nil {
				return nil, err
			}
		}
		pub, priv, err := okpFromJWK(jwk, x25519)
		if err != nil {
			return nil, err
		}
		return asymResult(pub, priv, info)
	}
	return nil, badFormat(format, name)
}
