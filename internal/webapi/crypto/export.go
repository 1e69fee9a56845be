package crypto

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
)

// exportKeyOp: crypto.exportKey(format, key) -> bytes, or a JWK object
// without "key_ops" and "ext" (the JS half adds those).
func exportKeyOp(args []any) (any, error) {
	format, k := argString(args, 0), parseKey(argParams(args, 1))
	switch k.Type {
	case "secret":
		return exportSecret(format, k)
	case "public":
		return exportPublic(format, k)
	case "private":
		return exportPrivate(format, k)
	}
	return nil, typeError("Invalid key type %q.", k.Type)
}

func badExport(format string, k key) error {
	switch format {
	case "raw", "spki", "pkcs8", "jwk":
		return newError("InvalidAccessError", "Unsupported export format %q for a %s %s key.", format, k.Type, k.Name)
	}
	return notSupported("Unrecognized export format %q.", format)
}

func exportSecret(format string, k key) (any, error) {
	if k.Name == "HKDF" || k.Name == "PBKDF2" {
		return nil, notSupported("Export of %s keys is not supported.", k.Name)
	}
	switch format {
	case "raw":
		return k.Data, nil
	case "jwk":
		j := map[string]any{"kty": "oct", "k": b64(k.Data)}
		if k.Name == "HMAC" {
			j["alg"] = hmacJWKAlg(k.Hash)
		} else {
			j["alg"] = aesJWKAlg(k.Name, len(k.Data)*8)
		}
		return j, nil
	}
	return nil, badExport(format, k)
}

func exportPublic(format string, k key) (any, error) {
	switch format {
	case "spki":
		return k.Data, nil
	case "raw", "jwk":
	default:
		return nil, badExport(format, k)
	}
	pub, err := parsePublic(k)
	if err != nil {
		return nil, err
	}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if format == "raw" {
			return nil, badExport(format, k)
		}
		j := rsaToJWK(p, nil)
		j["alg"] = rsaJWKAlg(k.Name, k.Hash)
		return j, nil
	case *ecdsa.PublicKey:
		if format == "raw" {
			b, err := p.Bytes()
			if err != nil {
				return nil, opError("encoding the EC public key: %v", err)
			}
			return b, nil
		}
		j, err := ecToJWK(k.NamedCurve, p, nil)
		return j, err // workerd sets no "alg" on exported EC keys
	case ed25519.PublicKey:
		if format == "raw" {
			return []byte(p), nil
		}
		return map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64(p), "alg": "EdDSA"}, nil
	case *ecdh.PublicKey:
		if format == "raw" {
			return p.Bytes(), nil
		}
		return map[string]any{"kty": "OKP", "crv": "X25519", "x": b64(p.Bytes())}, nil
	}
	return nil, badExport(format, k)
}

func exportPrivate(format string, k key) (any, error) {
	switch format {
	case "pkcs8":
		return k.Data, nil
	case "jwk":
	default:
		return nil, badExport(format, k)
	}
	priv, err := parsePrivate(k)
	if err != nil {
		return nil, err
	}
	switch p := priv.(type) {
	case *rsa.PrivateKey:
		j := rsaToJWK(&p.PublicKey, p)
		j["alg"] = rsaJWKAlg(k.Name, k.Hash)
		return j, nil
	case *ecdsa.PrivateKey:
		j, err := ecToJWK(k.NamedCurve, &p.PublicKey, p)
		return j, err // workerd sets no "alg" on exported EC keys
	case ed25519.PrivateKey:
		return map[string]any{
			"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA",
			"x": b64(p.Public().(ed25519.PublicKey)), "d": b64(p.Seed()),
		}, nil
	case *ecdh.PrivateKey:
		return map[string]any{
			"kty": "OKP", "crv": "X25519",
			"x": b64(p.PublicKey().Bytes()), "d": b64(p.Bytes()),
		}, nil
	}
	return nil, badExport(format, k)
}
