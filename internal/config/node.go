package config

// kind is the type of a parsed config value, shared by the JSONC and TOML
// front ends so that one decoder serves both.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k kind) String() string {
	switch k {
	case kindNull:
		return "null"
	case kindBool:
		return "boolean"
	case kindNumber:
		return "number"
	case kindString:
		return "string"
	case kindArray:
		return "array"
	case kindObject:
		return "object"
	}
	return "unknown"
}

// node is one value of a config file with the position where it starts.
type node struct {
	kind    kind
	pos     pos
	b       bool     // kindBool
	str     string   // kindString
	num     float64  // kindNumber
	isInt   bool     // kindNumber: the literal is an integer that fits int64
	i       int64    // kindNumber when isInt
	elems   []*node  // kindArray
	members []member // kindObject, in file order
}

// member is one key of an object with the position of the key.
type member struct {
	key    string
	keyPos pos
	val    *node
}

// get returns the member named key, or nil. With duplicate keys the last wins,
// as in JSON.parse.
func (n *node) get(key string) *member {
	if n == nil || n.kind != kindObject {
		return nil
	}
	for i := len(n.members) - 1; i >= 0; i-- {
		if n.members[i].key == key {
			return &n.members[i]
		}
	}
	return nil
}

// toAny converts n to the values encoding/json produces: nil, bool, float64,
// string, []any and map[string]any.
func (n *node) toAny() any {
	switch n.kind {
	case kindBool:
		return n.b
	case kindNumber:
		return n.num
	case kindString:
		return n.str
	case kindArray:
		out := make([]any, len(n.elems))
		for i, e := range n.elems {
			out[i] = e.toAny()
		}
		return out
	case kindObject:
		out := make(map[string]any, len(n.members))
		for _, m := range n.members {
			out[m.key] = m.val.toAny()
		}
		return out
	}
	return nil
}
