package crypto

import (
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
)

// hashes are the digests WebCrypto names, plus MD5, which workerd offers to
// digest() as an extension.
var hashes = map[string]crypto.Hash{
	"SHA-1":   crypto.SHA1,
	"SHA-256": crypto.SHA256,
	"SHA-384": crypto.SHA384,
	"SHA-512": crypto.SHA512,
	"MD5":     crypto.MD5,
}

func lookupHash(name string) (crypto.Hash, error) {
	if h, ok := hashes[name]; ok {
		return h, nil
	}
	return 0, notSupported("Unrecognized or unimplemented digest algorithm requested.")
}

// newHash returns a constructor for the named hash, for generic APIs such as
// hkdf.Key and pbkdf2.Key.
func newHash(name string) (func() hash.Hash, error) {
	switch name {
	case "SHA-1":
		return sha1.New, nil
	case "SHA-256":
		return sha256.New, nil
	case "SHA-384":
		return sha512.New384, nil
	case "SHA-512":
		return sha512.New, nil
	case "MD5":
		return md5.New, nil
	}
	return nil, notSupported("Unrecognized or unimplemented digest algorithm requested.")
}

func sum(name string, data []byte) ([]byte, error) {
	switch name {
	case "SHA-1":
		s := sha1.Sum(data)
		return s[:], nil
	case "SHA-256":
		s := sha256.Sum256(data)
		return s[:], nil
	case "SHA-384":
		s := sha512.Sum384(data)
		return s[:], nil
	case "SHA-512":
		s := sha512.Sum512(data)
		return s[:], nil
	case "MD5":
		s := md5.Sum(data)
		return s[:], nil
	}
	return nil, notSupported("Unrecognized or unimplemented digest algorithm requested.")
}

// digestOp: crypto.digest(name, data) -> bytes.
func digestOp(args []any) (any, error) {
	return sum(argString(args, 0), argBytes(args, 1))
}

// maxRandomBytes is getRandomValues' quota; the JS half checks it first.
const maxRandomBytes = 65536

// randomBytes: crypto.randomBytes(n) -> n random bytes.
func randomBytes(args []any) (any, error) {
	n := argNum(args, 0, -1)
	if n < 0 || n > maxRandomBytes {
		return nil, newError("QuotaExceededError", "getRandomValues() only accepts buffers of size <= 64K but provided %d bytes.", n)
	}
	b := make([]byte, n)
	rand.Read(b)
	return b, nil
}

// randomUUID: crypto.randomUUID() -> a version 4 UUID string.
func randomUUID([]any) (any, error) {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
