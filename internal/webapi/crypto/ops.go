package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/binary"
	"math/big"
)

// signOp: crypto.sign(alg, key, data) -> signature bytes.
func signOp(args []any) (any, error) {
	alg, k, data := argParams(args, 0), parseKey(argParams(args, 1)), argBytes(args, 2)
	switch k.Name {
	case "HMAC":
		return hmacSum(k, data)
	case "RSASSA-PKCS1-v1_5", "RSA-PSS":
		priv, err := rsaPrivate(k)
		if err != nil {
			return nil, err
		}
		h, err := lookupHash(k.Hash)
		if err != nil {
			return nil, err
		}
		digest, _ := sum(k.Hash, data)
		var sig []byte
		if k.Name == "RSA-PSS" {
			salt := alg.num("saltLength", 0)
			if salt == 0 {
				return nil, notSupported("RSA-PSS signing with a zero saltLength is not supported.")
			}
			sig, err = rsa.SignPSS(rand.Reader, priv, h, digest, &rsa.PSSOptions{SaltLength: salt})
		} else {
			sig, err = rsa.SignPKCS1v15(nil, priv, h, digest)
		}
		if err != nil {
			return nil, opError("RSA signing failed: %v", err)
		}
		return sig, nil
	case "ECDSA":
		priv, err := ecPrivate(k)
		if err != nil {
			return nil, err
		}
		digest, err := sum(alg.str("hash"), data)
		if err != nil {
			return nil, err
		}
		r, s, err := ecdsa.Sign(rand.Reader, priv, digest)
		if err != nil {
			return nil, opError("ECDSA signing failed: %v", err)
		}
		size := (priv.Curve.Params().BitSize + 7) / 8
		sig := make([]byte, 2*size)
		r.FillBytes(sig[:size])
		s.FillBytes(sig[size:])
		return sig, nil
	case "Ed25519", "NODE-ED25519":
		priv, err := edPrivate(k)
		if err != nil {
			return nil, err
		}
		return ed25519.Sign(priv, data), nil
	}
	return nil, notSupported("Unrecognized signature algorithm %q requested.", k.Name)
}

func hmacSum(k key, data []byte) ([]byte, error) {
	h, err := newHash(k.Hash)
	if err != nil {
		return nil, err
	}
	m := hmac.New(h, k.Data)
	m.Write(data)
	return m.Sum(nil), nil
}

// verifyOp: crypto.verify(alg, key, signature, data) -> bool.
func verifyOp(args []any) (any, error) {
	alg, k := argParams(args, 0), parseKey(argParams(args, 1))
	sig, data := argBytes(args, 2), argBytes(args, 3)
	switch k.Name {
	case "HMAC":
		want, err := hmacSum(k, data)
		if err != nil {
			return nil, err
		}
		return hmac.Equal(want, sig), nil
	case "RSASSA-PKCS1-v1_5", "RSA-PSS":
		pub, err := rsaPublic(k)
		if err != nil {
			return nil, err
		}
		h, err := lookupHash(k.Hash)
		if err != nil {
			return nil, err
		}
		digest, _ := sum(k.Hash, data)
		if k.Name == "RSA-PSS" {
			salt := alg.num("saltLength", 0)
			if salt == 0 {
				salt = rsa.PSSSaltLengthAuto
			}
			return rsa.VerifyPSS(pub, h, digest, sig, &rsa.PSSOptions{SaltLength: salt}) == nil, nil
		}
		return rsa.VerifyPKCS1v15(pub, h, digest, sig) == nil, nil
	case "ECDSA":
		pub, err := ecPublic(k)
		if err != nil {
			return nil, err
		}
		digest, err := sum(alg.str("hash"), data)
		if err != nil {
			return nil, err
		}
		size := (pub.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return false, nil
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		return ecdsa.Verify(pub, digest, r, s), nil
	case "Ed25519", "NODE-ED25519":
		pub, err := edPublic(k)
		if err != nil {
			return nil, err
		}
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(pub, data, sig), nil
	}
	return nil, notSupported("Unrecognized signature algorithm %q requested.", k.Name)
}

// encryptOp: crypto.encrypt(alg, key, data) -> ciphertext bytes.
func encryptOp(args []any) (any, error) {
	return cryptOp(args, true)
}

// decryptOp: crypto.decrypt(alg, key, data) -> plaintext bytes.
func decryptOp(args []any) (any, error) {
	return cryptOp(args, false)
}

func cryptOp(args []any, enc bool) (any, error) {
	alg, k, data := argParams(args, 0), parseKey(argParams(args, 1)), argBytes(args, 2)
	if k.Name == "RSA-OAEP" {
		h, err := newHash(k.Hash)
		if err != nil {
			return nil, err
		}
		label := alg.bytes("label")
		if enc {
			pub, err := rsaPublic(k)
			if err != nil {
				return nil, err
			}
			out, err := rsa.EncryptOAEP(h(), rand.Reader, pub, data, label)
			if err != nil {
				return nil, opError("RSA-OAEP encryption failed: %v", err)
			}
			return out, nil
		}
		priv, err := rsaPrivate(k)
		if err != nil {
			return nil, err
		}
		out, err := rsa.DecryptOAEP(h(), nil, priv, data, label)
		if err != nil {
			return nil, opError("Decryption failed. This could be due to a ciphertext authentication failure, bad padding, incorrect CryptoKey, or another algorithm-specific reason.")
		}
		return out, nil
	}
	if !isAES(k.Name) {
		return nil, notSupported("Unrecognized encryption algorithm %q requested.", k.Name)
	}
	block, err := aes.NewCipher(k.Data)
	if err != nil {
		return nil, dataError("Invalid AES key: %v", err)
	}
	switch k.Name {
	case "AES-GCM":
		return aesGCM(block, alg, data, enc)
	case "AES-CBC":
		return aesCBC(block, alg.bytes("iv"), data, enc)
	case "AES-CTR":
		return aesCTR(block, alg.bytes("counter"), alg.num("length", 0), data)
	case "AES-KW":
		if enc {
			return aesKeyWrap(block, data)
		}
		return aesKeyUnwrap(block, data)
	}
	return nil, notSupported("Unrecognized encryption algorithm %q requested.", k.Name)
}

func decryptFailed() error {
	return opError("Decryption failed. This could be due to a ciphertext authentication failure, bad padding, incorrect CryptoKey, or another algorithm-specific reason.")
}

// aesGCM seals or opens data. Go's GCM takes any nonce size but only a full
// tag with it; shorter tags are the full tag truncated, so decryption
// recovers the plaintext with Seal (GCM is CTR mode underneath), recomputes
// the full tag and compares its prefix in constant time.
func aesGCM(block cipher.Block, alg params, data []byte, enc bool) ([]byte, error) {
	iv, aad := alg.bytes("iv"), alg.bytes("additionalData")
	if len(iv) == 0 {
		return nil, opError("AES-GCM IV must not be empty.")
	}
	tagBits := alg.num("tagLength", 128)
	switch tagBits {
	case 32, 64, 96, 104, 112, 120, 128:
	default:
		return nil, opError("Invalid AES-GCM tag length %d.", tagBits)
	}
	tagLen := tagBits / 8
	aead, err := cipher.NewGCMWithNonceSize(block, len(iv))
	if err != nil {
		return nil, opError("AES-GCM: %v", err)
	}
	if enc {
		out := aead.Seal(nil, iv, data, aad)
		return out[:len(data)+tagLen], nil
	}
	if len(data) < tagLen {
		return nil, decryptFailed()
	}
	if tagLen == aead.Overhead() {
		out, err := aead.Open(nil, iv, data, aad)
		if err != nil {
			return nil, decryptFailed()
		}
		return out, nil
	}
	ct, tag := data[:len(data)-tagLen], data[len(data)-tagLen:]
	plain := aead.Seal(nil, iv, ct, nil)[:len(ct)]
	full := aead.Seal(nil, iv, plain, aad)
	if subtle.ConstantTimeCompare(full[len(ct):len(ct)+tagLen], tag) != 1 {
		return nil, decryptFailed()
	}
	return plain, nil
}

func aesCBC(block cipher.Block, iv, data []byte, enc bool) ([]byte, error) {
	if len(iv) != aes.BlockSize {
		return nil, opError("AES-CBC IV must be 16 bytes long.")
	}
	if enc {
		pad := aes.BlockSize - len(data)%aes.BlockSize
		out := make([]byte, len(data)+pad)
		copy(out, data)
		for i := len(data); i < len(out); i++ {
			out[i] = byte(pad)
		}
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, out)
		return out, nil
	}
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, decryptFailed()
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	pad := int(out[len(out)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, decryptFailed()
	}
	bad := 0
	for _, b := range out[len(out)-pad:] {
		bad |= int(b) ^ pad
	}
	if bad != 0 {
		return nil, decryptFailed()
	}
	return out[:len(out)-pad], nil
}

// aesCTR applies AES-CTR where only the low `bits` bits of the counter block
// increment (and wrap), as WebCrypto specifies.
func aesCTR(block cipher.Block, counter []byte, bits int, data []byte) ([]byte, error) {
	if len(counter) != aes.BlockSize {
		return nil, opError("Counter must have length of 16 bytes.")
	}
	if bits <= 0 || bits > 128 {
		return nil, opError("Invalid counter of %d bits length provided.", bits)
	}
	blocks := new(big.Int).SetInt64(int64((len(data) + aes.BlockSize - 1) / aes.BlockSize))
	space := new(big.Int).Lsh(big.NewInt(1), uint(bits))
	if blocks.Cmp(space) > 0 {
		return nil, opError("Counter block would repeat: the data is too long for a %d-bit counter.", bits)
	}
	low := new(big.Int).SetBytes(counter)
	low.Mod(low, space)
	left := new(big.Int).Sub(space, low) // blocks before the counter wraps
	out := make([]byte, len(data))
	if blocks.Cmp(left) <= 0 {
		cipher.NewCTR(block, counter).XORKeyStream(out, data)
		return out, nil
	}
	n := int(left.Int64()) * aes.BlockSize
	cipher.NewCTR(block, counter).XORKeyStream(out[:n], data[:n])
	wrapped := new(big.Int).SetBytes(counter)
	wrapped.Sub(wrapped, low)
	c := wrapped.FillBytes(make([]byte, aes.BlockSize))
	cipher.NewCTR(block, c).XORKeyStream(out[n:], data[n:])
	return out, nil
}

var kwIV = [8]byte{0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6}

// aesKeyWrap is RFC 3394 key wrapping.
func aesKeyWrap(block cipher.Block, data []byte) ([]byte, error) {
	if len(data) < 16 || len(data)%8 != 0 {
		return nil, opError("AES-KW input must be a multiple of 8 bytes, at least 16.")
	}
	n := len(data) / 8
	out := make([]byte, len(data)+8)
	copy(out[:8], kwIV[:])
	copy(out[8:], data)
	var b [16]byte
	for j := range 6 {
		for i := 1; i <= n; i++ {
			copy(b[:8], out[:8])
			copy(b[8:], out[i*8:i*8+8])
			block.Encrypt(b[:], b[:])
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(out[:8], binary.BigEndian.Uint64(b[:8])^t)
			copy(out[i*8:], b[8:])
		}
	}
	return out, nil
}

func aesKeyUnwrap(block cipher.Block, data []byte) ([]byte, error) {
	if len(data) < 24 || len(data)%8 != 0 {
		return nil, decryptFailed()
	}
	n := len(data)/8 - 1
	out := make([]byte, len(data))
	copy(out, data)
	var b [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(b[:8], binary.BigEndian.Uint64(out[:8])^t)
			copy(b[8:], out[i*8:i*8+8])
			block.Decrypt(b[:], b[:])
			copy(out[:8], b[:8])
			copy(out[i*8:], b[8:])
		}
	}
	if subtle.ConstantTimeCompare(out[:8], kwIV[:]) != 1 {
		return nil, decryptFailed()
	}
	return out[8:], nil
}

// PBKDF2 runs on a goroutine that a runtime's CPU limit does not stop, so
// its work is capped: Cloudflare's iteration limit, and at most as many
// hash-block iterations as 32 output blocks at that limit.
const (
	maxPBKDF2Iterations = 100000
	maxPBKDF2Work       = 32 * maxPBKDF2Iterations
)

// deriveBitsOp: crypto.deriveBits(alg, key, length) -> bytes. length is in
// bits, or null for "all" (ECDH and X25519 only).
func deriveBitsOp(args []any) (any, error) {
	alg, k, bits := argParams(args, 0), parseKey(argParams(args, 1)), argNum(args, 2, -1)
	switch k.Name {
	case "ECDH", "X25519":
		priv, err := ecdhPrivate(k)
		if err != nil {
			return nil, err
		}
		pub, err := ecdhPublic(parseKey(alg.sub("public")))
		if err != nil {
			return nil, err
		}
		if pub.Curve() != priv.Curve() {
			return nil, newError("InvalidAccessError", "The public and private keys are on different curves.")
		}
		secret, err := priv.ECDH(pub)
		if err != nil {
			return nil, opError("%s key derivation failed: %v", k.Name, err)
		}
		if bits < 0 {
			return secret, nil
		}
		if bits > len(secret)*8 {
			return nil, opError("Derived key length (%d bits) is too long (should be at most %d bits).", bits, len(secret)*8)
		}
		out := secret[:(bits+7)/8]
		maskBits(out, bits)
		return out, nil
	case "HKDF", "PBKDF2":
		if bits < 0 {
			return nil, opError("%s cannot derive a key with null length.", k.Name)
		}
		if bits%8 != 0 {
			return nil, opError("%s requires a derived key length that is a multiple of eight.", k.Name)
		}
		h, err := newHash(alg.str("hash"))
		if err != nil {
			return nil, err
		}
		if bits == 0 {
			return []byte{}, nil
		}
		var out []byte
		if k.Name == "HKDF" {
			out, err = hkdf.Key(h, k.Data, alg.bytes("salt"), string(alg.bytes("info")), bits/8)
		} else {
			iter := alg.num("iterations", 0)
			if iter <= 0 {
				return nil, opError("PBKDF2 requires a positive iteration count (requested %d).", iter)
			}
			if iter > maxPBKDF2Iterations {
				return nil, notSupported("Pbkdf2 failed: iteration counts above %d are not supported (requested %d).", maxPBKDF2Iterations, iter)
			}
			if blocks := (bits/8 + h().Size() - 1) / h().Size(); blocks*iter > maxPBKDF2Work {
				return nil, notSupported("Pbkdf2 failed: %d iterations for a %d-bit key is more work than supported.", iter, bits)
			}
			out, err = pbkdf2.Key(h, string(k.Data), alg.bytes("salt"), iter, bits/8)
		}
		if err != nil {
			return nil, opError("%s derivation failed: %v", k.Name, err)
		}
		return out, nil
	}
	return nil, notSupported("Unrecognized key derivation algorithm %q requested.", k.Name)
}
