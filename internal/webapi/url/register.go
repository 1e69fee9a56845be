package url

import (
	"fmt"
	"strings"

	"github.com/isola-run/isola/internal/engine"
)

// Register adds the URL host functions to hs:
//
//	url.parse(input, base?) -> "href\x00origin\x00protocol\x00username\x00
//	                           password\x00host\x00hostname\x00port\x00
//	                           pathname\x00search\x00hash", or undefined
//	                           when the input does not parse
//	url.set(href, name, value) -> the same after the named setter ran, or
//	                           undefined ("href" with an invalid value)
//
// The components cross as one NUL-separated string because a string is a
// primitive for the bridge and an array is a JSON document (tens of
// microseconds in this engine); a parsed URL never holds a NUL (the parser
// percent-encodes or rejects it), and should one ever appear the
// components cross as an array instead.
func Register(hs *engine.HostSet) {
	hs.Sync("url.parse", func(args []any) (any, error) {
		input, err := stringArg(args, 0, "url.parse")
		if err != nil {
			return nil, err
		}
		base, hasBase := "", len(args) > 1 && args[1] != nil
		if hasBase {
			if base, err = stringArg(args, 1, "url.parse"); err != nil {
				return nil, err
			}
		}
		p, ok := Parse(input, base, hasBase)
		if !ok {
			return nil, nil
		}
		return p.wire(), nil
	})
	hs.Sync("url.set", func(args []any) (any, error) {
		var s [3]string
		for i := range s {
			v, err := stringArg(args, i, "url.set")
			if err != nil {
				return nil, err
			}
			s[i] = v
		}
		p, ok := Set(s[0], s[1], s[2])
		if !ok {
			return nil, nil
		}
		return p.wire(), nil
	})
}

// wire is the form in which p crosses to JS (see Register).
func (p *Parts) wire() any {
	for _, c := range p {
		if strings.Contains(c, "\x00") {
			return p.slice()
		}
	}
	return strings.Join(p[:], "\x00")
}

func (p *Parts) slice() []any {
	out := make([]any, len(p))
	for i, s := range p {
		out[i] = s
	}
	return out
}

func stringArg(args []any, i int, op string) (string, error) {
	if i >= len(args) {
		return "", fmt.Errorf("%s: missing argument %d", op, i)
	}
	s, ok := args[i].(string)
	if !ok {
		return "", fmt.Errorf("%s: argument %d is %T, want string", op, i, args[i])
	}
	return s, nil
}
