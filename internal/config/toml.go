package config

import (
	"errors"
	"math"
	"strconv"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// parseTOML parses a wrangler.toml into the same positioned tree as
// parseJSONC. The document is first decoded by go-toml, which enforces TOML's
// rules (duplicate keys, redefined tables, invalid literals) and reports the
// first violation with its position; the positioned tree is then built from
// go-toml's unstable AST. Arrays have no position of their own in that AST,
// so an array is placed at its key.
// Dates and times become strings holding their literal text.
func parseTOML(src []byte) (root *node, err error) {
	var check map[string]any
	if err := toml.Unmarshal(src, &check); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, col := de.Position()
			return nil, &syntaxError{pos: pos{line, col}, msg: strings.TrimPrefix(de.Error(), "toml: ")}
		}
		return nil, &syntaxError{pos: pos{1, 1}, msg: err.Error()}
	}
	b := &tomlBuilder{root: &node{kind: kindObject, pos: pos{1, 1}}}
	b.p.Reset(src)
	b.cur = b.root
	for b.p.NextExpression() {
		b.expression(b.p.Expression())
	}
	if err := b.p.Error(); err != nil {
		return nil, &syntaxError{pos: pos{1, 1}, msg: err.Error()}
	}
	return b.root, nil
}

type tomlBuilder struct {
	p    unstable.Parser
	root *node
	cur  *node // table that key/value lines go into
}

func (b *tomlBuilder) shape(n *unstable.Node) pos {
	if n == nil || (n.Raw.Offset == 0 && n.Raw.Length == 0 && n.Kind != unstable.Key) {
		return pos{}
	}
	s := b.p.Shape(n.Raw)
	return pos{s.Start.Line, s.Start.Column}
}

// keyParts returns the parts of a (dotted) key with their positions.
func (b *tomlBuilder) keyParts(it unstable.Iterator) (keys []string, poss []pos) {
	for it.Next() {
		k := it.Node()
		keys = append(keys, string(k.Data))
		poss = append(poss, b.shape(k))
	}
	return keys, poss
}

func (b *tomlBuilder) expression(e *unstable.Node) {
	switch e.Kind {
	case unstable.KeyValue:
		b.keyValue(b.cur, e)
	case unstable.Table:
		keys, poss := b.keyParts(e.Key())
		b.cur = b.descend(b.root, keys, poss)
	case unstable.ArrayTable:
		keys, poss := b.keyParts(e.Key())
		if len(keys) == 0 {
			return
		}
		parent := b.descend(b.root, keys[:len(keys)-1], poss[:len(poss)-1])
		last, lastPos := keys[len(keys)-1], poss[len(poss)-1]
		m := parent.get(last)
		if m == nil || m.val.kind != kindArray {
			parent.members = append(parent.members, member{key: last, keyPos: lastPos, val: &node{kind: kindArray, pos: lastPos}})
			m = &parent.members[len(parent.members)-1]
		}
		t := &node{kind: kindObject, pos: lastPos}
		m.val.elems = append(m.val.elems, t)
		b.cur = t
	}
}

// descend walks (creating as needed) the tables named by keys below t. A key
// that names an array of tables continues in its last element, as TOML says.
func (b *tomlBuilder) descend(t *node, keys []string, poss []pos) *node {
	for i, k := range keys {
		m := t.get(k)
		if m == nil {
			t.members = append(t.members, member{key: k, keyPos: poss[i], val: &node{kind: kindObject, pos: poss[i]}})
			m = &t.members[len(t.members)-1]
		}
		switch {
		case m.val.kind == kindArray && len(m.val.elems) > 0 && m.val.elems[len(m.val.elems)-1].kind == kindObject:
			t = m.val.elems[len(m.val.elems)-1]
		case m.val.kind == kindObject:
			t = m.val
		default:
			// go-toml already rejected this document; keep going safely.
			fresh := &node{kind: kindObject, pos: poss[i]}
			m.val = fresh
			t = fresh
		}
	}
	return t
}

func (b *tomlBuilder) keyValue(t *node, kv *unstable.Node) {
	keys, poss := b.keyParts(kv.Key())
	if len(keys) == 0 {
		return
	}
	parent := b.descend(t, keys[:len(keys)-1], poss[:len(poss)-1])
	keyPos := poss[len(poss)-1]
	parent.members = append(parent.members, member{key: keys[len(keys)-1], keyPos: keyPos, val: b.value(kv.Value(), keyPos)})
}

func (b *tomlBuilder) value(v *unstable.Node, fallback pos) *node {
	at := b.shape(v)
	if at.line == 0 {
		at = fallback
	}
	n := &node{pos: at}
	switch v.Kind {
	case unstable.String:
		n.kind, n.str = kindString, string(v.Data)
	case unstable.Bool:
		n.kind, n.b = kindBool, string(v.Data) == "true"
	case unstable.Integer:
		n.kind = kindNumber
		if i, err := strconv.ParseInt(strings.ReplaceAll(string(v.Data), "_", ""), 0, 64); err == nil {
			n.isInt, n.i, n.num = true, i, float64(i)
		}
	case unstable.Float:
		n.kind = kindNumber
		s := strings.ReplaceAll(string(v.Data), "_", "")
		switch strings.TrimLeft(s, "+-") {
		case "inf":
			n.num = math.Inf(1)
			if strings.HasPrefix(s, "-") {
				n.num = math.Inf(-1)
			}
		case "nan":
			n.num = math.NaN()
		default:
			n.num, _ = strconv.ParseFloat(s, 64)
		}
	case unstable.LocalDate, unstable.LocalTime, unstable.LocalDateTime, unstable.DateTime:
		n.kind, n.str = kindString, string(v.Data)
	case unstable.Array:
		n.kind = kindArray
		it := v.Children()
		for it.Next() {
			n.elems = append(n.elems, b.value(it.Node(), at))
		}
	case unstable.InlineTable:
		n.kind = kindObject
		it := v.Children()
		for it.Next() {
			if kv := it.Node(); kv.Kind == unstable.KeyValue {
				b.keyValue(n, kv)
			}
		}
	}
	return n
}
