package encoding

import (
	"errors"
	"fmt"

	"github.com/isola-run/isola/internal/engine"
)

// Register adds the encoding host functions to hs:
//
//	encoding.encode(string) -> Uint8Array (UTF-8)
//	encoding.encodeInto(string, capacity) -> [Uint8Array, read]
//	encoding.decode(bytes, fatal, stream) -> string, or [string, pending]
//	  when pending > 0 (a string crosses the bridge without JSON)
//	  (TypeError "Failed to decode input." when fatal and malformed)
//	encoding.strbytes(string) -> Uint8Array (StringBytes; the string must
//	  be well-formed)
//	encoding.strfrom(bytes, wide) -> string (StringFrom), or undefined
//	  when UTF-16 holds a lone surrogate
//	encoding.atob(string) -> string, encoding.btoa(string) -> string
//	  (DOMException InvalidCharacterError on bad input)
func Register(hs *engine.HostSet) {
	hs.Sync("encoding.encode", func(args []any) (any, error) {
		s, _ := arg(args, 0).(string)
		return []byte(s), nil
	})
	hs.Sync("encoding.encodeInto", func(args []any) (any, error) {
		s, _ := arg(args, 0).(string)
		capacity, _ := arg(args, 1).(float64)
		b, read := EncodeInto(s, int(capacity))
		return []any{b, read}, nil
	})
	hs.Sync("encoding.decode", func(args []any) (any, error) {
		b, _ := arg(args, 0).([]byte)
		fatal, _ := arg(args, 1).(bool)
		stream, _ := arg(args, 2).(bool)
		s, pending, err := DecodeUTF8(b, fatal, stream)
		if err != nil {
			return nil, engine.Errorf("TypeError", "Failed to decode input.")
		}
		if pending == 0 {
			return s, nil
		}
		return []any{s, pending}, nil
	})
	hs.Sync("encoding.strbytes", func(args []any) (any, error) {
		s, _ := arg(args, 0).(string)
		return StringBytes(s), nil
	})
	hs.Sync("encoding.strfrom", func(args []any) (any, error) {
		b, _ := arg(args, 0).([]byte)
		wide, _ := arg(args, 1).(bool)
		if s, ok := StringFrom(b, wide); ok {
			return s, nil
		}
		return nil, nil
	})
	hs.Sync("encoding.atob", func(args []any) (any, error) {
		s, ok := arg(args, 0).(string)
		if !ok {
			return nil, fmt.Errorf("encoding.atob: argument is %T, want string", arg(args, 0))
		}
		out, err := AtoB(s)
		if errors.Is(err, ErrInvalidBase64) {
			return nil, engine.Errorf("InvalidCharacterError", "atob() called with invalid base64-encoded data. (Only whitespace, '+', '/', alphanumeric ASCII, and up to two terminal '=' signs when the input data length is divisible by 4 are allowed.)")
		}
		return out, err
	})
	hs.Sync("encoding.btoa", func(args []any) (any, error) {
		s, ok := arg(args, 0).(string)
		if !ok {
			return nil, fmt.Errorf("encoding.btoa: argument is %T, want string", arg(args, 0))
		}
		out, err := BtoA(s)
		if errors.Is(err, ErrNotLatin1) {
			return nil, engine.Errorf("InvalidCharacterError", "Cannot encode non-Latin1 characters.")
		}
		return out, err
	})
}

func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}
