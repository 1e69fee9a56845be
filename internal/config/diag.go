package config

import (
	"fmt"
	"sort"
	"strings"
)

// Severity says how bad a Diagnostic is.
type Severity int

const (
	// SeverityError marks a problem that stops the project from running.
	SeverityError Severity = iota
	// SeverityWarning marks a likely mistake, such as an unknown key.
	SeverityWarning
	// SeverityInfo marks a remark, such as a key that isola parses but ignores.
	SeverityInfo
)

// String returns "error", "warning" or "info".
func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	case SeverityInfo:
		return "info"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// Diagnostic is one problem found in a config file, located by file, line
// and column (both 1-based; the column counts bytes). Line and Col are 0 when
// the problem is about the file as a whole.
type Diagnostic struct {
	Severity Severity
	File     string
	Line     int
	Col      int
	Message  string
}

// String formats d as "file:line:col: severity: message", the form compilers
// and editors understand.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.File)
	if d.Line > 0 {
		fmt.Fprintf(&b, ":%d", d.Line)
		if d.Col > 0 {
			fmt.Fprintf(&b, ":%d", d.Col)
		}
	}
	fmt.Fprintf(&b, ": %s: %s", d.Severity, d.Message)
	return b.String()
}

// Error is returned by Load and LoadEnv when the config has at least one
// error Diagnostic. It lists all of them, not only the first.
type Error struct {
	// Diagnostics holds the error diagnostics, in file order.
	Diagnostics []Diagnostic
}

// Error joins the diagnostics, one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		lines[i] = d.String()
	}
	if len(lines) == 1 {
		return "config: " + lines[0]
	}
	return fmt.Sprintf("config: %d errors:\n%s", len(lines), strings.Join(lines, "\n"))
}

// pos is a position in a config file.
type pos struct{ line, col int }

// diags collects diagnostics for one load.
type diags struct {
	list []Diagnostic
}

func (ds *diags) add(sev Severity, file string, p pos, format string, args ...any) {
	ds.list = append(ds.list, Diagnostic{
		Severity: sev,
		File:     file,
		Line:     p.line,
		Col:      p.col,
		Message:  fmt.Sprintf(format, args...),
	})
}

// sorted returns the diagnostics ordered by file and position, keeping the
// order of discovery for equal positions.
func (ds *diags) sorted() []Diagnostic {
	out := append([]Diagnostic(nil), ds.list...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return out
}

// err returns an *Error listing the error diagnostics, or nil if there are none.
func errorOf(list []Diagnostic) error {
	var errs []Diagnostic
	for _, d := range list {
		if d.Severity == SeverityError {
			errs = append(errs, d)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &Error{Diagnostics: errs}
}
