package crypto

import "math"

// params is an algorithm dictionary or a key descriptor as the JS half
// passes it: already normalized, with BufferSources as []byte and numbers as
// float64.
type params map[string]any

func (p params) str(k string) string {
	s, _ := p[k].(string)
	return s
}

func (p params) bytes(k string) []byte {
	b, _ := p[k].([]byte)
	return b
}

func (p params) has(k string) bool { return p[k] != nil }

// num returns p[k] as an int, or def when it is absent.
func (p params) num(k string, def int) int {
	f, ok := p[k].(float64)
	if !ok || math.IsNaN(f) {
		return def
	}
	if f > math.MaxInt32 {
		return math.MaxInt32
	}
	if f < math.MinInt32 {
		return math.MinInt32
	}
	return int(f)
}

func (p params) sub(k string) params {
	m, _ := p[k].(map[string]any)
	return params(m)
}

func argParams(args []any, i int) params {
	if i < len(args) {
		if m, ok := args[i].(map[string]any); ok {
			return params(m)
		}
	}
	return params{}
}

func argNum(args []any, i, def int) int {
	if i < len(args) {
		return params{"n": args[i]}.num("n", def)
	}
	return def
}

func argString(args []any, i int) string {
	if i < len(args) {
		s, _ := args[i].(string)
		return s
	}
	return ""
}

func argBytes(args []any, i int) []byte {
	if i < len(args) {
		if b, ok := args[i].([]byte); ok {
			return b
		}
	}
	return []byte{}
}

// key is the JS half's view of a CryptoKey: its algorithm, type and material
// (raw bytes for "secret", SPKI DER for "public", PKCS #8 DER for "private").
type key struct {
	Name       string // normalized algorithm name
	Type       string // "secret", "public" or "private"
	Data       []byte
	Hash       string // HMAC and RSA keys
	NamedCurve string // ECDSA and ECDH keys
}

func parseKey(p params) key {
	return key{
		Name:       p.str("name"),
		Type:       p.str("type"),
		Data:       p.bytes("data"),
		Hash:       p.str("hash"),
		NamedCurve: p.str("namedCurve"),
	}
}

// keyResult is what import and generate return to JS: the key's type, its
// canonical material and the algorithm members the CryptoKey reports.
func keyResult(typ string, data []byte, info map[string]any) map[string]any {
	if info == nil {
		info = map[string]any{}
	}
	return map[string]any{"type": typ, "data": data, "info": info}
}
