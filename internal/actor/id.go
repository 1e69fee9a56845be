package actor

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
)

// Ids are 64 hex characters (32 bytes), as workerd's. The first 16 bytes
// are random (newUniqueId) or an HMAC of the name (idFromName); the last 16
// are an HMAC of the first 16 under the namespace key, so idFromString can
// tell an id of this namespace from a malformed or foreign one.

// ErrBadID is returned by ParseID for a malformed or foreign id.
var ErrBadID = errors.New("Invalid Durable Object ID: must be 64 hex digits")

func nsKey(uniqueKey string) []byte {
	h := sha256.Sum256([]byte("isola durable object namespace\x00" + uniqueKey))
	return h[:]
}

func mac(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

func seal(key []byte, head []byte) string {
	tail := mac(key, []byte("check"), head)[:16]
	return hex.EncodeToString(append(append([]byte{}, head...), tail...))
}

// IDFromName derives the id for name: the same on every run and machine.
func IDFromName(uniqueKey, name string) string {
	key := nsKey(uniqueKey)
	return seal(key, mac(key, []byte("name"), []byte(name))[:16])
}

// NewUniqueID returns a random id of the namespace.
func NewUniqueID(uniqueKey string) string {
	head := make([]byte, 16)
	_, _ = rand.Read(head)
	head[0] &^= 0x80 // never collides with a name-derived id's marker
	return seal(nsKey(uniqueKey), head)
}

// ParseID validates s as an id of the namespace.
func ParseID(uniqueKey, s string) (string, error) {
	if len(s) != 64 {
		return "", ErrBadID
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return "", ErrBadID
	}
	key := nsKey(uniqueKey)
	if !hmac.Equal(b[16:], mac(key, []byte("check"), b[:16])[:16]) {
		return "", errors.New("Durable Object ID is not valid for this namespace.")
	}
	return hex.EncodeToString(b), nil
}
