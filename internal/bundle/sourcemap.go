package bundle

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// sourceMap is a decoded source map v3: for each generated line, its
// segments sorted by generated column.
type sourceMap struct {
	sources []string
	lines   [][]segment
}

// segment maps a generated column to an original position, all 0-based.
// src is -1 for a segment without a source.
type segment struct {
	genCol, src, line, col int32
}

// parseSourceMap decodes the JSON of a source map v3 (no index maps).
func parseSourceMap(data []byte) (*sourceMap, error) {
	var raw struct {
		Version  int      `json:"version"`
		Sources  []string `json:"sources"`
		Mappings string   `json:"mappings"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("bundle: source map: %w", err)
	}
	if raw.Version != 3 {
		return nil, fmt.Errorf("bundle: source map: version %d, want 3", raw.Version)
	}
	sm := &sourceMap{sources: make([]string, len(raw.Sources))}
	for i, s := range raw.Sources {
		sm.sources[i] = sourceName(s)
	}
	var src, line, col int32 // running values across the whole map
	var fields [5]int32
	for _, l := range strings.Split(raw.Mappings, ";") {
		var segs []segment
		var genCol int32
		for _, s := range strings.Split(l, ",") {
			if s == "" {
				continue
			}
			n, err := decodeVLQs(s, fields[:])
			if err != nil {
				return nil, fmt.Errorf("bundle: source map: segment %q: %w", s, err)
			}
			genCol += fields[0]
			seg := segment{genCol: genCol, src: -1}
			switch n {
			case 1:
			case 4, 5:
				src += fields[1]
				line += fields[2]
				col += fields[3]
				if src < 0 || int(src) >= len(sm.sources) {
					return nil, fmt.Errorf("bundle: source map: source index %d out of range", src)
				}
				seg.src, seg.line, seg.col = src, line, col
			default:
				return nil, fmt.Errorf("bundle: source map: segment %q has %d fields", s, n)
			}
			segs = append(segs, seg)
		}
		if !sort.SliceIsSorted(segs, func(i, j int) bool { return segs[i].genCol < segs[j].genCol }) {
			sort.SliceStable(segs, func(i, j int) bool { return segs[i].genCol < segs[j].genCol })
		}
		sm.lines = append(sm.lines, segs)
	}
	return sm, nil
}

// sourceName strips isola's namespace prefixes from a source path.
func sourceName(s string) string {
	for _, ns := range []string{nsModule, nsVirtual, nsRaw} {
		if rest, ok := strings.CutPrefix(s, ns+":"); ok {
			return rest
		}
	}
	return s
}

const vlqChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

var vlqValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(vlqChars); i++ {
		t[vlqChars[i]] = int8(i)
	}
	return t
}()

// decodeVLQs decodes the base64 VLQ values of one segment into out and
// returns how many there were.
func decodeVLQs(s string, out []int32) (int, error) {
	n := 0
	var value, shift int64
	for i := 0; i < len(s); i++ {
		d := vlqValue[s[i]]
		if d < 0 {
			return 0, fmt.Errorf("invalid base64 character %q", s[i])
		}
		value |= int64(d&31) << shift
		if d&32 != 0 {
			shift += 5
			if shift > 31 {
				return 0, fmt.Errorf("value overflows")
			}
			continue
		}
		if n == len(out) {
			return 0, fmt.Errorf("too many fields")
		}
		v := int32(value >> 1)
		if value&1 != 0 {
			v = -v
		}
		out[n] = v
		n++
		value, shift = 0, 0
	}
	if shift != 0 {
		return 0, fmt.Errorf("truncated value")
	}
	return n, nil
}

// lookup maps a 0-based generated position. A column before the line's
// first mapped segment maps to that segment, so a slightly-off engine
// column still lands on the right original line.
func (sm *sourceMap) lookup(line, col int) (segment, bool) {
	if line < 0 || line >= len(sm.lines) {
		return segment{}, false
	}
	segs := sm.lines[line]
	i := sort.Search(len(segs), func(i int) bool { return int(segs[i].genCol) > col }) - 1
	for ; i >= 0; i-- {
		if segs[i].src >= 0 {
			return segs[i], true
		}
	}
	for _, s := range segs {
		if s.src >= 0 {
			return s, true
		}
	}
	return segment{}, false
}

// Map maps a position in Code (line and column 1-based, as in QuickJS
// stack traces; col <= 0 means the start of the line) to the original
// file (relative to the project directory, or a module name), line and
// column (both 1-based). Columns are UTF-16 code units. ok is false when
// the position maps to no source, such as esbuild's runtime helpers.
func (b *Bundle) Map(line, col int) (file string, origLine, origCol int, ok bool) {
	b.mapOnce.Do(func() {
		if len(b.SourceMap) == 0 {
			return
		}
		b.smap, _ = parseSourceMap(b.SourceMap)
	})
	if b.smap == nil {
		return "", 0, 0, false
	}
	seg, ok := b.smap.lookup(line-1, col-1)
	if !ok {
		return "", 0, 0, false
	}
	return b.smap.sources[seg.src], int(seg.line) + 1, int(seg.col) + 1, true
}

// RewriteStack rewrites the frames of a QuickJS stack trace that point into
// this bundle, "    at NAME (SCRIPT:LINE:COL)" or "    at SCRIPT:LINE:COL"
// where SCRIPT equals scriptName, to original positions such as
// "    at fetch (src/index.ts:7:3)". Other lines are left untouched.
func (b *Bundle) RewriteStack(stack, scriptName string) string {
	if scriptName == "" || !strings.Contains(stack, scriptName+":") {
		return stack
	}
	lines := strings.Split(stack, "\n")
	for i, l := range lines {
		lines[i] = b.rewriteFrame(l, scriptName)
	}
	return strings.Join(lines, "\n")
}

// rewriteFrame rewrites one stack line, or returns it unchanged.
func (b *Bundle) rewriteFrame(l, scriptName string) string {
	if !strings.HasPrefix(strings.TrimLeft(l, " \t"), "at ") {
		return l
	}
	start := strings.LastIndex(l, scriptName+":")
	if start <= 0 || (l[start-1] != '(' && l[start-1] != ' ') {
		return l
	}
	rest := l[start+len(scriptName)+1:]
	lineNum, n := leadingInt(rest)
	if n == 0 {
		return l
	}
	end := start + len(scriptName) + 1 + n
	col := 0
	if rest = rest[n:]; strings.HasPrefix(rest, ":") {
		if c, m := leadingInt(rest[1:]); m > 0 {
			col = c
			end += 1 + m
		}
	}
	file, ol, oc, ok := b.Map(lineNum, col)
	if !ok {
		return l
	}
	return l[:start] + file + ":" + strconv.Itoa(ol) + ":" + strconv.Itoa(oc) + l[end:]
}

// leadingInt parses the decimal digits at the start of s.
func leadingInt(s string) (v, n int) {
	for n < len(s) && s[n] >= '0' && s[n] <= '9' && n < 9 {
		v = v*10 + int(s[n]-'0')
		n++
	}
	return v, n
}
