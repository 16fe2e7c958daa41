package filter

import (
	"strings"
	"unicode/utf8"
)

// shape is what a quote-aware scan learns about a filter without parsing
// it: enough to refuse input that would recurse too deep in the parser,
// and to explain syntax errors.
type shape struct {
	tooDeep    bool // nesting exceeded MaxDepth; the scan stopped there
	openQuote  bool // a string literal is not closed
	unbalanced bool // a bracket closes nothing or the wrong kind, or stays open
}

// checkInput refuses what the parser must never see: too long, not UTF-8
// (the parser would read U+FFFD and storage would choke on the bytes), or
// nested deeper than MaxDepth. raw is the parameter as received, src the
// text that will be parsed.
func checkInput(raw, src string) (shape, error) {
	switch {
	case len(raw) > MaxLength:
		return shape{}, errorf("the filter is longer than %d bytes", MaxLength)
	case !utf8.ValidString(src):
		return shape{}, errorf("the filter is not valid UTF-8")
	}
	sh := scan(src)
	if sh.tooDeep {
		return sh, errorf("the filter nests parentheses, brackets and not deeper than %d levels", MaxDepth)
	}
	return sh, nil
}

// opening is an open "(" or "[" and the nesting levels it accounts for:
// one, plus one for each "not" that precedes it.
type opening struct {
	bracket byte
	levels  int
}

// scan measures nesting outside string literals. It stops as soon as the
// depth passes MaxDepth, so its stack stays small whatever the input.
func scan(s string) shape {
	var (
		sh       shape
		open     []opening
		depth    int
		nots     int // "not" keywords waiting for their "("
		inString bool
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inString {
			switch c {
			case '\\':
				i++ // an escaped quote does not end the string
			case '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
		case c == '(' || c == '[':
			o := opening{bracket: c, levels: 1 + nots}
			nots = 0
			if depth += o.levels; depth > MaxDepth {
				return shape{tooDeep: true}
			}
			open = append(open, o)
		case c == ')' || c == ']':
			if len(open) == 0 || !matches(open[len(open)-1].bracket, c) {
				sh.unbalanced = true
				continue
			}
			depth -= open[len(open)-1].levels
			open = open[:len(open)-1]
		case isNot(s, i):
			nots++
			i += len("not") - 1
		}
	}
	sh.openQuote = inString
	sh.unbalanced = sh.unbalanced || len(open) > 0
	return sh
}

func matches(open, closing byte) bool {
	return open == '(' && closing == ')' || open == '[' && closing == ']'
}

// isNot reports whether the keyword "not" starts at s[i]: a whole word
// followed by a space or "(", as the grammar requires.
func isNot(s string, i int) bool {
	const kw = "not"
	if i+len(kw) >= len(s) || !strings.EqualFold(s[i:i+len(kw)], kw) {
		return false
	}
	if i > 0 && s[i-1] != ' ' && s[i-1] != '(' && s[i-1] != '[' {
		return false
	}
	next := s[i+len(kw)]
	return next == ' ' || next == '('
}
