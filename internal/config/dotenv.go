package config

import (
	"strings"
)

// dotenvVar is one KEY=value of a .dev.vars file.
type dotenvVar struct {
	key, value string
	pos        pos
}

// parseDotenv parses dotenv syntax as wrangler reads .dev.vars: one
// KEY=value per line, an optional "export " prefix, # comments on their own
// line or after an unquoted value, and values in single quotes or backticks
// (literal) or double quotes (\n, \r, \t, \" and \\ escapes), all of
// which may span lines, surrounding spaces trimmed. Unlike the dotenv
// package, it reports lines it cannot parse instead of skipping them.
func parseDotenv(src []byte) (vars []dotenvVar, errs []syntaxError) {
	s := strings.ReplaceAll(string(src), "\r\n", "\n")
	s = strings.TrimPrefix(s, "\uFEFF")
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		line := strings.TrimLeft(lines[i], " \t")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		indent := len(lines[i]) - len(line) + 1
		if rest, ok := strings.CutPrefix(line, "export "); ok {
			line = strings.TrimLeft(rest, " \t")
			indent = len(lines[i]) - len(line) + 1
		}
		keyEnd := 0
		for keyEnd < len(line) && isDotenvKeyByte(line[keyEnd]) {
			keyEnd++
		}
		key := line[:keyEnd]
		rest := strings.TrimLeft(line[keyEnd:], " \t")
		if key == "" || !strings.HasPrefix(rest, "=") {
			errs = append(errs, syntaxError{pos: pos{lineNo, indent}, msg: "expected KEY=value"})
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t")
		valCol := len(lines[i]) - len(rest) + 1
		if rest == "" {
			vars = append(vars, dotenvVar{key: key, pos: pos{lineNo, indent}})
			continue
		}
		switch q := rest[0]; q {
		case '\'', '"', '`':
			// Join following lines until the closing quote.
			body := rest[1:]
			find := func() int {
				if q == '"' {
					return closingQuote(body)
				}
				return strings.IndexByte(body, q)
			}
			end := find()
			for end < 0 && i+1 < len(lines) {
				i++
				body += "\n" + lines[i]
				end = find()
			}
			if end < 0 {
				errs = append(errs, syntaxError{pos: pos{lineNo, valCol}, msg: "unterminated quoted value for " + key})
				continue
			}
			val := body[:end]
			if tail := strings.TrimSpace(body[end+1:]); tail != "" && !strings.HasPrefix(tail, "#") {
				errs = append(errs, syntaxError{pos: pos{lineNo, valCol}, msg: "unexpected text after the quoted value of " + key})
				continue
			}
			if q == '"' {
				val = unescapeDotenv(val)
			}
			vars = append(vars, dotenvVar{key: key, value: val, pos: pos{lineNo, indent}})
		default:
			if j := strings.Index(rest, " #"); j >= 0 {
				rest = rest[:j]
			} else if j := strings.Index(rest, "\t#"); j >= 0 {
				rest = rest[:j]
			}
			vars = append(vars, dotenvVar{key: key, value: strings.TrimSpace(rest), pos: pos{lineNo, indent}})
		}
	}
	return vars, errs
}

func isDotenvKeyByte(c byte) bool {
	return c == '_' || c == '.' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// closingQuote returns the index of the first unescaped '"' in s, or -1.
func closingQuote(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

func unescapeDotenv(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '"', '\\':
			b.WriteByte(s[i])
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
