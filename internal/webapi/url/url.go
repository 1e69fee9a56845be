// Package url is the Go half of the WHATWG URL API (URL, URL.canParse,
// URL.parse and the URL setters): parsing and serialization run here, on
// github.com/nlnwa/whatwg-url, and the JS class in js/src/url.js caches the
// components it gets back. URLSearchParams and URLPattern are pure JS and do
// not come here. The package holds no state between calls.
package url

import whatwg "github.com/nlnwa/whatwg-url/url"

// Component indexes into a Parts value. The JS side (js/src/url.js) uses the
// same order.
const (
	Href = iota
	Origin
	Protocol
	Username
	Password
	Host
	Hostname
	Port
	Pathname
	Search
	Hash
	numParts
)

// Parts are the values of the URL API's getters for one URL, indexed by the
// constants above.
type Parts [numParts]string

var parser = whatwg.NewParser()

// Parse parses input against base (no base if hasBase is false) as the URL
// constructor does and reports whether it succeeded.
func Parse(input, base string, hasBase bool) (Parts, bool) {
	u, ok := parse(input, base, hasBase)
	if !ok {
		return Parts{}, false
	}
	return partsOf(u), true
}

func parse(input, base string, hasBase bool) (*whatwg.Url, bool) {
	var b *whatwg.Url
	if hasBase {
		var err error
		b, err = parser.Parse(base)
		if err != nil {
			return nil, false
		}
	}
	u, err := parser.BasicParser(input, b, nil, whatwg.NoState)
	if err != nil || u == nil {
		return nil, false
	}
	return u, true
}

// Set parses href (a serialized URL), applies the setter of the named
// component with value and returns the resulting parts. Setters other than
// "href" never fail; an unknown name or an href that does not parse (or, for
// "href", a value that does not parse) reports false.
func Set(href, name, value string) (Parts, bool) {
	if name == "href" {
		return Parse(value, "", false)
	}
	u, ok := parse(href, "", false)
	if !ok {
		return Parts{}, false
	}
	switch name {
	case "protocol":
		u.SetProtocol(value)
	case "username":
		u.SetUsername(value)
	case "password":
		u.SetPassword(value)
	case "host":
		u.SetHost(value)
	case "hostname":
		u.SetHostname(value)
	case "port":
		u.SetPort(value)
	case "pathname":
		u.SetPathname(value)
	case "search":
		u.SetSearch(value)
	case "hash":
		u.SetHash(value)
	default:
		return Parts{}, false
	}
	return partsOf(u), true
}

func partsOf(u *whatwg.Url) Parts {
	var p Parts
	p[Href] = u.Href(false)
	p[Origin] = origin(u)
	p[Protocol] = u.Protocol()
	p[Username] = u.Username()
	p[Password] = u.Password()
	p[Host] = u.Host()
	p[Hostname] = u.Hostname()
	p[Port] = u.Port()
	p[Pathname] = u.Pathname()
	p[Search] = u.Search()
	p[Hash] = u.Hash()
	return p
}

// origin serializes the URL's origin (https://url.spec.whatwg.org/#origin).
func origin(u *whatwg.Url) string {
	switch u.Scheme() {
	case "http", "https", "ws", "wss", "ftp":
		return u.Protocol() + "//" + u.Host()
	case "blob":
		inner, err := parser.Parse(u.Pathname())
		if err != nil {
			return "null"
		}
		if s := inner.Scheme(); s == "http" || s == "https" {
			return origin(inner)
		}
	}
	return "null"
}
