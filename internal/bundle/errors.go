package bundle

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/evanw/esbuild/pkg/api"
)

// Message is one error or warning from a build, located in the original
// source.
type Message struct {
	// File is the path relative to the project directory (Options.Dir), or
	// the module name for BuildModules and virtual modules. Empty when the
	// problem has no location.
	File string
	// Line is 1-based; 0 when the problem has no location.
	Line int
	// Col is 1-based and counted in UTF-16 code units, as V8 and workerd
	// count columns; 0 when the problem has no location.
	Col int
	// Text is the problem, without location.
	Text string
}

// String formats m as "file:line:col: text", or "text" without a location.
func (m Message) String() string {
	if m.File == "" {
		return m.Text
	}
	if m.Line == 0 {
		return m.File + ": " + m.Text
	}
	return fmt.Sprintf("%s:%d:%d: %s", m.File, m.Line, m.Col, m.Text)
}

// Error is the error returned by Build and BuildModules. It holds every
// error the build reported, not only the first.
type Error struct {
	// Messages has one entry per problem, in esbuild's order.
	Messages []Message
	// Inputs lists the absolute paths of the files read before the build
	// failed, so a file watcher knows what to watch to retry the build.
	// Always empty for BuildModules.
	Inputs []string
}

// Error prints one "file:line:col: error: text" line per message.
func (e *Error) Error() string {
	var sb strings.Builder
	for i, m := range e.Messages {
		if i > 0 {
			sb.WriteByte('\n')
		}
		switch {
		case m.File == "":
			sb.WriteString("bundle: error: ")
			sb.WriteString(m.Text)
		case m.Line == 0:
			fmt.Fprintf(&sb, "%s: error: %s", m.File, m.Text)
		default:
			fmt.Fprintf(&sb, "%s:%d:%d: error: %s", m.File, m.Line, m.Col, m.Text)
		}
	}
	if len(e.Messages) == 0 {
		sb.WriteString("bundle: build failed")
	}
	return sb.String()
}

// errorf returns an *Error with a single message without location.
func errorf(format string, args ...any) *Error {
	return &Error{Messages: []Message{{Text: fmt.Sprintf(format, args...)}}}
}

// convertMessages turns esbuild messages into Messages, stripping isola's
// plugin namespaces from file names.
func convertMessages(msgs []api.Message) []Message {
	if len(msgs) == 0 {
		return nil
	}
	out := make([]Message, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, convertMessage(m))
	}
	return out
}

func convertMessage(m api.Message) Message {
	msg := Message{Text: m.Text}
	if loc := m.Location; loc != nil {
		msg.File = sourceName(loc.File)
		msg.Line = loc.Line
		msg.Col = utf16Col(loc.LineText, loc.Column) + 1
	}
	return msg
}

// utf16Col converts a 0-based byte column in line to a 0-based UTF-16
// column.
func utf16Col(line string, byteCol int) int {
	if byteCol > len(line) || byteCol < 0 {
		return byteCol
	}
	n := 0
	for _, r := range line[:byteCol] {
		if r == utf8.RuneError {
			n++
			continue
		}
		n += utf16.RuneLen(r)
	}
	return n
}
