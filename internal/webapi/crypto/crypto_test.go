package crypto

import (
	"bytes"
	"crypto/aes"
	"encoding/json"
	"testing"
)

// TestAESCTRCounterWraps checks that only the low `length` bits of the
// counter block increment, wrapping without carrying into the rest.
func TestAESCTRCounterWraps(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 16)
	block, _ := aes.NewCipher(key)
	counter := bytes.Repeat([]byte{0xab}, 16)
	counter[15] = 0xfe
	data := make([]byte, 3*16) // zeros: the output is the key stream
	got, err := aesCTR(block, counter, 8, data)
	if err != nil {
		t.Fatalf("aesCTR: %v", err)
	}
	var want []byte
	for _, low := range []byte{0xfe, 0xff, 0x00} {
		c := bytes.Clone(counter)
		c[15] = low
		ks := make([]byte, 16)
		block.Encrypt(ks, c)
		want = append(want, ks...)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("aesCTR with an 8-bit counter = %x; want %x", got, want)
	}
	if _, err := aesCTR(block, counter, 1, data); err == nil {
		t.Errorf("aesCTR(3 blocks, 1-bit counter) succeeded; want an OperationError")
	}
}

func TestErrorNames(t *testing.T) {
	tests := []struct {
		name string
		f    func() (any, error)
		want string
	}{
		{"digest unknown", func() (any, error) { return digestOp([]any{"SHA-3", []byte{}}) }, "NotSupportedError"},
		{"randomBytes over quota", func() (any, error) { return randomBytes([]any{65537.0}) }, "QuotaExceededError"},
		{"import unknown", func() (any, error) { return importKeyOp([]any{"raw", map[string]any{"name": "X"}, []byte{1}}) }, "NotSupportedError"},
		{"sign with a secret as private", func() (any, error) {
			return signOp([]any{map[string]any{}, map[string]any{"name": "Ed25519", "type": "secret", "data": []byte{1}}, []byte{}})
		}, "InvalidAccessError"},
		{"kw unwrap garbage", func() (any, error) {
			return decryptOp([]any{map[string]any{}, map[string]any{"name": "AES-KW", "type": "secret", "data": make([]byte, 16)}, make([]byte, 24)})
		}, "OperationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.f()
			e, ok := err.(*Error)
			if !ok || e.Name != tt.want {
				t.Errorf("%s: error %v; want a %s", tt.name, err, tt.want)
			}
		})
	}
}

var importAlgs = []map[string]any{
	{"name": "AES-GCM"}, {"name": "HMAC", "hash": "SHA-256"}, {"name": "HKDF"},
	{"name": "RSA-PSS", "hash": "SHA-256"}, {"name": "RSA-OAEP", "hash": "SHA-1"},
	{"name": "ECDSA", "namedCurve": "P-256"}, {"name": "ECDH", "namedCurve": "P-384"},
	{"name": "Ed25519"}, {"name": "X25519"},
}

// FuzzImportKey feeds arbitrary key data to every import format: it may fail
// but never panic (a panic would poison the runtime).
func FuzzImportKey(f *testing.F) {
	f.Add([]byte{4, 1, 2})
	f.Add(bytes.Repeat([]byte{1}, 32))
	f.Add([]byte{0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, alg := range importAlgs {
			for _, format := range []string{"raw", "spki", "pkcs8"} {
				importKeyOp([]any{format, alg, data})
			}
		}
	})
}

// FuzzImportJWK does the same for JSON Web Keys.
func FuzzImportJWK(f *testing.F) {
	f.Add(`{"kty":"oct","k":"AAAAAAAAAAAAAAAAAAAAAA"}`)
	f.Add(`{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"}`)
	f.Add(`{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQ","p":"Aw","q":"BQ","dp":"AQ","dq":"AQ","qi":"AQ"}`)
	f.Add(`{"kty":"OKP","crv":"Ed25519","x":"AA","d":"AA"}`)
	f.Fuzz(func(t *testing.T, s string) {
		var jwk map[string]any
		if json.Unmarshal([]byte(s), &jwk) != nil {
			return
		}
		for _, alg := range importAlgs {
			importKeyOp([]any{"jwk", alg, jwk})
		}
	})
}
