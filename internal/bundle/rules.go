package bundle

import (
	"fmt"
	"regexp"
	"strings"
)

// Rule types, as in wrangler's `rules` config key.
const (
	RuleText         = "Text"
	RuleData         = "Data"
	RuleCompiledWasm = "CompiledWasm"
	RuleESModule     = "ESModule"
	RuleCommonJS     = "CommonJS"
)

// Rule says how files matching Globs are imported, like an entry of
// wrangler's `rules`.
type Rule struct {
	// Type is one of RuleText (the default export is the file's text),
	// RuleData (the default export is an ArrayBuffer of its bytes),
	// RuleCompiledWasm (not supported yet), RuleESModule or RuleCommonJS
	// (the file is JavaScript).
	Type string
	// Globs are matched against the file's slash-separated path relative to
	// the project directory ("*" matches within one path segment, "**/" any
	// number of directories, including none). CompiledWasm globs are also
	// matched against import specifiers such as "./x.wasm?module".
	Globs []string
	// Fallthrough keeps later rules of the same Type (including the default
	// ones) in effect. Without it, a rule replaces the later rules of its
	// Type, as in wrangler.
	Fallthrough bool
}

// DefaultRules are wrangler's default module rules, applied after
// Options.Rules.
var DefaultRules = []Rule{
	{Type: RuleText, Globs: []string{"**/*.txt", "**/*.html"}},
	{Type: RuleData, Globs: []string{"**/*.bin"}},
	{Type: RuleCompiledWasm, Globs: []string{"**/*.wasm", "**/*.wasm?module"}},
}

type compiledRule struct {
	typ   string
	glob  string
	match *regexp.Regexp
}

// compileRules returns the effective rules: user rules then DefaultRules,
// where a rule without Fallthrough hides the later rules of its type.
func compileRules(user []Rule) ([]compiledRule, error) {
	closed := map[string]bool{}
	var out []compiledRule
	all := append(append([]Rule(nil), user...), DefaultRules...)
	for _, r := range all {
		switch r.Type {
		case RuleText, RuleData, RuleCompiledWasm, RuleESModule, RuleCommonJS:
		default:
			return nil, fmt.Errorf("bundle: rule type %q is not one of Text, Data, CompiledWasm, ESModule, CommonJS", r.Type)
		}
		if closed[r.Type] {
			continue
		}
		for _, g := range r.Globs {
			re, err := globRegexp(g)
			if err != nil {
				return nil, fmt.Errorf("bundle: rule glob %q: %w", g, err)
			}
			out = append(out, compiledRule{typ: r.Type, glob: g, match: re})
		}
		if !r.Fallthrough {
			closed[r.Type] = true
		}
	}
	return out, nil
}

// matchRule returns the first rule whose glob matches rel.
func matchRule(rules []compiledRule, rel string) (compiledRule, bool) {
	for _, r := range rules {
		if r.match.MatchString(rel) {
			return r, true
		}
	}
	return compiledRule{}, false
}

// globRegexp compiles a glob with * and ** into an anchored regexp. Other
// characters, "?" included, match themselves, as with wrangler's
// glob-to-regexp in globstar mode.
func globRegexp(glob string) (*regexp.Regexp, error) {
	var sb strings.Builder
	sb.WriteString(`^`)
	for i := 0; i < len(glob); i++ {
		c := glob[i]
		switch {
		case strings.HasPrefix(glob[i:], "**/"):
			sb.WriteString(`(?:.*/)?`)
			i += 2
		case strings.HasPrefix(glob[i:], "**"):
			sb.WriteString(`.*`)
			i++
		case c == '*':
			sb.WriteString(`[^/]*`)
		default:
			sb.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	sb.WriteString(`$`)
	return regexp.Compile(sb.String())
}
