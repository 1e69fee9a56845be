package config

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of arrays and objects so that a hostile file
// cannot exhaust the stack.
const maxDepth = 512

// syntaxError is a parse error at a position.
type syntaxError struct {
	pos pos
	msg string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.pos.line, e.pos.col, e.msg) }

// parseJSONC parses JSON with comments (// and /* */) and trailing commas, the
// dialect wrangler accepts in wrangler.jsonc and wrangler.json. It records the
// position of every value and key. Duplicate keys are kept; lookups take the
// last, as JSON.parse does, and dups lists them for a warning.
func parseJSONC(src []byte) (root *node, dups []member, err error) {
	p := &jsoncParser{src: src, line: 1, col: 1}
	// A UTF-8 byte order mark is allowed, as editors on Windows write one.
	if len(src) >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF {
		p.off = 3
	}
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*syntaxError)
			if !ok {
				panic(r)
			}
			root, dups, err = nil, nil, se
		}
	}()
	p.skipSpace()
	if p.off >= len(p.src) {
		p.fail("empty file: expected a JSON object")
	}
	root = p.value(0)
	p.skipSpace()
	if p.off < len(p.src) {
		p.fail("unexpected %s after the top-level value", p.describe())
	}
	return root, p.dups, nil
}

type jsoncParser struct {
	src       []byte
	off       int
	line, col int
	dups      []member
}

func (p *jsoncParser) pos() pos { return pos{p.line, p.col} }

func (p *jsoncParser) fail(format string, args ...any) {
	panic(&syntaxError{pos: p.pos(), msg: fmt.Sprintf(format, args...)})
}

// advance moves past n bytes, none of which is a newline.
func (p *jsoncParser) advance(n int) {
	p.off += n
	p.col += n
}

func (p *jsoncParser) newline() {
	p.off++
	p.line++
	p.col = 1
}

func (p *jsoncParser) describe() string {
	if p.off >= len(p.src) {
		return "end of file"
	}
	r, _ := utf8.DecodeRune(p.src[p.off:])
	return fmt.Sprintf("%q", r)
}

// skipSpace skips whitespace and comments.
func (p *jsoncParser) skipSpace() {
	for p.off < len(p.src) {
		switch c := p.src[p.off]; c {
		case '\n':
			p.newline()
		case ' ', '\t', '\r':
			p.advance(1)
		case '/':
			if p.off+1 >= len(p.src) {
				p.fail("unexpected \"/\"")
			}
			switch p.src[p.off+1] {
			case '/':
				for p.off < len(p.src) && p.src[p.off] != '\n' {
					p.advance(1)
				}
			case '*':
				start := p.pos()
				p.advance(2)
				for {
					if p.off+1 >= len(p.src) {
						panic(&syntaxError{pos: start, msg: "unterminated /* comment"})
					}
					if p.src[p.off] == '*' && p.src[p.off+1] == '/' {
						p.advance(2)
						break
					}
					if p.src[p.off] == '\n' {
						p.newline()
					} else {
						p.advance(1)
					}
				}
			default:
				p.fail("unexpected \"/\"")
			}
		default:
			return
		}
	}
}

func (p *jsoncParser) value(depth int) *node {
	if depth > maxDepth {
		p.fail("nesting deeper than %d levels", maxDepth)
	}
	if p.off >= len(p.src) {
		p.fail("unexpected end of file: expected a value")
	}
	start := p.pos()
	switch c := p.src[p.off]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return &node{kind: kindString, pos: start, str: p.string()}
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case p.keyword("true"):
		return &node{kind: kindBool, pos: start, b: true}
	case p.keyword("false"):
		return &node{kind: kindBool, pos: start}
	case p.keyword("null"):
		return &node{kind: kindNull, pos: start}
	}
	p.fail("unexpected %s: expected a value", p.describe())
	return nil
}

func (p *jsoncParser) keyword(w string) bool {
	if !strings.HasPrefix(string(p.src[p.off:min(len(p.src), p.off+len(w))]), w) {
		return false
	}
	if end := p.off + len(w); end < len(p.src) && isIdentByte(p.src[end]) {
		return false
	}
	p.advance(len(w))
	return true
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func (p *jsoncParser) object(depth int) *node {
	n := &node{kind: kindObject, pos: p.pos()}
	p.advance(1) // {
	seen := map[string]bool{}
	for {
		p.skipSpace()
		if p.off >= len(p.src) {
			p.fail("unexpected end of file: expected \"}\"")
		}
		if p.src[p.off] == '}' {
			p.advance(1)
			return n
		}
		if p.src[p.off] != '"' {
			p.fail("unexpected %s: expected a quoted key or \"}\"", p.describe())
		}
		keyPos := p.pos()
		key := p.string()
		p.skipSpace()
		if p.off >= len(p.src) || p.src[p.off] != ':' {
			p.fail("unexpected %s: expected \":\" after key %q", p.describe(), key)
		}
		p.advance(1)
		p.skipSpace()
		m := member{key: key, keyPos: keyPos, val: p.value(depth + 1)}
		if seen[key] {
			p.dups = append(p.dups, m)
		}
		seen[key] = true
		n.members = append(n.members, m)
		p.skipSpace()
		if p.off >= len(p.src) {
			p.fail("unexpected end of file: expected \",\" or \"}\"")
		}
		switch p.src[p.off] {
		case ',':
			p.advance(1)
		case '}':
		default:
			p.fail("unexpected %s: expected \",\" or \"}\"", p.describe())
		}
	}
}

func (p *jsoncParser) array(depth int) *node {
	n := &node{kind: kindArray, pos: p.pos()}
	p.advance(1) // [
	for {
		p.skipSpace()
		if p.off >= len(p.src) {
			p.fail("unexpected end of file: expected \"]\"")
		}
		if p.src[p.off] == ']' {
			p.advance(1)
			return n
		}
		n.elems = append(n.elems, p.value(depth+1))
		p.skipSpace()
		if p.off >= len(p.src) {
			p.fail("unexpected end of file: expected \",\" or \"]\"")
		}
		switch p.src[p.off] {
		case ',':
			p.advance(1)
		case ']':
		default:
			p.fail("unexpected %s: expected \",\" or \"]\"", p.describe())
		}
	}
}

// string parses a JSON string literal starting at the opening quote.
func (p *jsoncParser) string() string {
	p.advance(1) // "
	var b strings.Builder
	for {
		if p.off >= len(p.src) {
			p.fail("unterminated string")
		}
		c := p.src[p.off]
		switch {
		case c == '"':
			p.advance(1)
			return b.String()
		case c == '\n':
			p.fail("unterminated string: newline in string")
		case c < 0x20:
			p.fail("control character %q in string", rune(c))
		case c == '\\':
			p.escape(&b)
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			p.advance(1)
		default:
			r, size := utf8.DecodeRune(p.src[p.off:])
			if r == utf8.RuneError && size == 1 {
				p.fail("invalid UTF-8 in string")
			}
			b.WriteRune(r)
			p.advance(size)
		}
	}
}

func (p *jsoncParser) escape(b *strings.Builder) {
	if p.off+1 >= len(p.src) {
		p.fail("unterminated string")
	}
	e := p.src[p.off+1]
	simple := map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}
	if r, ok := simple[e]; ok {
		b.WriteByte(r)
		p.advance(2)
		return
	}
	if e != 'u' {
		p.fail("invalid escape \"\\%c\" in string", e)
	}
	r := p.hex4(p.off + 2)
	p.advance(6)
	if utf16.IsSurrogate(r) {
		if p.off+1 < len(p.src) && p.src[p.off] == '\\' && p.src[p.off+1] == 'u' {
			r2 := p.hex4(p.off + 2)
			if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
				p.advance(6)
				b.WriteRune(d)
				return
			}
		}
		r = utf8.RuneError // a lone surrogate, as JSON.parse keeps it; Go cannot
	}
	b.WriteRune(r)
}

func (p *jsoncParser) hex4(at int) rune {
	if at+4 > len(p.src) {
		p.fail("invalid \\u escape in string")
	}
	v, err := strconv.ParseUint(string(p.src[at:at+4]), 16, 32)
	if err != nil {
		p.fail("invalid \\u escape in string")
	}
	return rune(v)
}

// number parses a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *jsoncParser) number() *node {
	start, startPos := p.off, p.pos()
	i := p.off
	digits := func() int {
		j := i
		for i < len(p.src) && p.src[i] >= '0' && p.src[i] <= '9' {
			i++
		}
		return i - j
	}
	if p.src[i] == '-' {
		i++
	}
	intStart := i
	if digits() == 0 {
		p.advance(i - start)
		p.fail("invalid number: expected a digit")
	}
	if p.src[intStart] == '0' && i-intStart > 1 {
		p.fail("invalid number: leading zero")
	}
	isInt := true
	if i < len(p.src) && p.src[i] == '.' {
		isInt = false
		i++
		if digits() == 0 {
			p.advance(i - start)
			p.fail("invalid number: expected a digit after \".\"")
		}
	}
	if i < len(p.src) && (p.src[i] == 'e' || p.src[i] == 'E') {
		isInt = false
		i++
		if i < len(p.src) && (p.src[i] == '+' || p.src[i] == '-') {
			i++
		}
		if digits() == 0 {
			p.advance(i - start)
			p.fail("invalid number: expected a digit in exponent")
		}
	}
	lit := string(p.src[start:i])
	p.advance(i - start)
	n := &node{kind: kindNumber, pos: startPos}
	n.num, _ = strconv.ParseFloat(lit, 64) // the grammar is checked; overflow gives ±Inf like JS
	if isInt {
		if v, err := strconv.ParseInt(lit, 10, 64); err == nil {
			n.isInt, n.i = true, v
		}
	}
	return n
}
