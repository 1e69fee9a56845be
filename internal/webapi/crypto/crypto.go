// Package crypto is the Go half of WebCrypto: globalThis.crypto,
// crypto.subtle and CryptoKey (the JS half is js/src/crypto.js).
//
// All cryptography runs here, with the Go standard library. The package keeps
// no state: a CryptoKey's material lives in a module-private slot of the JS
// object (never reachable from user code) in a canonical form — raw bytes for
// secret keys, SPKI DER for public keys, PKCS #8 DER for private keys — and is
// passed in with every operation. That makes keys garbage-collected with
// their JS objects, lets every host function run on any goroutine, and keeps
// this package free of per-runtime tables; the one exception is the
// incremental hashes of crypto.DigestStream, held per HostSet.
//
// The JS half normalizes algorithm dictionaries (names, hash, required
// members: TypeError, NotSupportedError) and checks key usages
// (InvalidAccessError, SyntaxError); this package validates key data
// (DataError) and runs the operations (OperationError).
package crypto

import (
	"context"
	"errors"
	"fmt"

	"github.com/isola-run/isola/internal/engine"
)

// Error is an error that reaches user code as a DOMException (or a TypeError)
// named Name. Messages follow workerd's where practical.
type Error struct {
	Name    string
	Message string
}

func (e *Error) Error() string { return "crypto: " + e.Name + ": " + e.Message }

func newError(name, format string, args ...any) *Error {
	return &Error{Name: name, Message: fmt.Sprintf(format, args...)}
}

func dataError(format string, args ...any) *Error { return newError("DataError", format, args...) }
func opError(format string, args ...any) *Error   { return newError("OperationError", format, args...) }
func typeError(format string, args ...any) *Error { return newError("TypeError", format, args...) }
func notSupported(format string, args ...any) *Error {
	return newError("NotSupportedError", format, args...)
}

// hostFunc is the shape of every operation in this package.
type hostFunc func(args []any) (any, error)

// syncOps run on the runtime's loop goroutine; they are cheap enough.
var syncOps = map[string]hostFunc{
	"crypto.randomBytes": randomBytes,
	"crypto.randomUUID":  randomUUID,
	"crypto.digest":      digestOp,
	"crypto.importKey":   importKeyOp,
	"crypto.exportKey":   exportKeyOp,
	"crypto.sign":        signOp,
	"crypto.verify":      verifyOp,
	"crypto.encrypt":     encryptOp,
	"crypto.decrypt":     decryptOp,
	"crypto.deriveBits":  deriveBitsOp,
	"crypto.generateKey": generateKeyOp,
}

// asyncOps may take long (RSA key generation, PBKDF2 with many
// iterations) and run on their own goroutine.
var asyncOps = map[string]hostFunc{
	"crypto.generateKeyAsync": generateKeyOp,
	"crypto.deriveBitsAsync":  deriveBitsOp,
}

// Register adds the crypto.* host functions to hs.
func Register(hs *engine.HostSet) {
	for name, f := range syncOps {
		hs.Sync(name, bridge(f))
	}
	t := newHashTable()
	for name, f := range map[string]hostFunc{
		"crypto.hashNew":   t.open,
		"crypto.hashWrite": t.write,
		"crypto.hashSum":   t.sum,
		"crypto.hashFree":  t.free,
	} {
		hs.Sync(name, bridge(f))
	}
	for name, f := range asyncOps {
		f := bridge(f)
		hs.Async(name, func(_ context.Context, args []any) (any, error) { return f(args) })
	}
}

// bridge turns an *Error into the engine's JS error.
func bridge(f hostFunc) func(args []any) (any, error) {
	return func(args []any) (any, error) {
		v, err := f(args)
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				return nil, &engine.JSError{Name: e.Name, Message: e.Message}
			}
			return nil, err
		}
		return v, nil
	}
}
