package patch

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/elimity-com/scim/schema"
)

// A value filter selects elements of a multi-valued attribute, as in
// emails[type eq "work" and primary eq true]. It is parsed here rather than
// with filter-parser because that parser's valFilter allows only one and/or
// (no a and b and c, no parentheses) and keeps string escapes undecoded.
//
// Grammar (keywords and operators are case-insensitive):
//
//	expr    = and *("or" and)
//	and     = unary *("and" unary)
//	unary   = "not" "(" expr ")" / "(" expr ")" / compare
//	compare = name "pr" / name op value     ; op: eq ne co sw ew gt ge lt le
//	value   = JSON string / number / true / false / null
type filterExpr interface {
	// match reports whether a stored element satisfies the filter.
	match(elem any) bool
}

type cmpExpr struct {
	name  string // sub-attribute; canonical after resolveFilter
	op    string // lower case
	value any    // string, bool, json.Number or nil

	// Set by resolveFilter.
	attr schema.CoreAttribute // the compared (sub-)attribute
	self bool                 // compare the element itself (simple multi-valued attribute)
}

type andExpr struct{ left, right filterExpr }
type orExpr struct{ left, right filterExpr }
type notExpr struct{ x filterExpr }

func (e *andExpr) match(v any) bool { return e.left.match(v) && e.right.match(v) }
func (e *orExpr) match(v any) bool  { return e.left.match(v) || e.right.match(v) }
func (e *notExpr) match(v any) bool { return !e.x.match(v) }

func (e *cmpExpr) match(elem any) bool {
	actual := elem
	if !e.self {
		m, ok := elem.(map[string]any)
		if !ok {
			return false
		}
		actual = lookupVal(m, e.name)
	}
	return compare(e.attr, e.op, actual, e.value)
}

// maxFilterDepth bounds nesting of parentheses and not(), which keeps the
// recursive parser's stack small for any client input.
const maxFilterDepth = 32

var compareOps = map[string]bool{
	"eq": true, "ne": true, "co": true, "sw": true, "ew": true,
	"gt": true, "ge": true, "lt": true, "le": true, "pr": true,
}

type tokenKind int

const (
	tokWord tokenKind = iota
	tokString
	tokLParen
	tokRParen
)

type token struct {
	kind tokenKind
	text string // word text, or the decoded string
}

// lexFilter splits a value filter into words, strings and parentheses.
func lexFilter(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '(':
			toks = append(toks, token{kind: tokLParen})
			i++
		case c == ')':
			toks = append(toks, token{kind: tokRParen})
			i++
		case c == '"':
			end := i + 1
			for end < len(s) && s[end] != '"' {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(s) {
				return nil, errorf(InvalidPath, "unterminated string in value filter")
			}
			var str string
			if err := json.Unmarshal([]byte(s[i:end+1]), &str); err != nil {
				return nil, errorf(InvalidPath, "malformed string in value filter")
			}
			toks = append(toks, token{kind: tokString, text: str})
			i = end + 1
		default:
			end := i
			for end < len(s) && !strings.ContainsRune(" \t\r\n()\"", rune(s[end])) {
				end++
			}
			toks = append(toks, token{kind: tokWord, text: s[i:end]})
			i = end
		}
	}
	return toks, nil
}

type filterParser struct {
	toks  []token
	pos   int
	depth int
}

// parseFilter parses the text between a path's brackets.
func parseFilter(s string) (filterExpr, error) {
	toks, err := lexFilter(s)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, errorf(InvalidPath, "unexpected text in value filter")
	}
	return e, nil
}

func (p *filterParser) peekWord(word string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == tokWord && strings.EqualFold(p.toks[p.pos].text, word)
}

func (p *filterParser) parseOr() (filterExpr, error) {
	left, err := p.parseAnd()
	for err == nil && p.peekWord("or") {
		p.pos++
		var right filterExpr
		if right, err = p.parseAnd(); err == nil {
			left = &orExpr{left, right}
		}
	}
	return left, err
}

func (p *filterParser) parseAnd() (filterExpr, error) {
	left, err := p.parseUnary()
	for err == nil && p.peekWord("and") {
		p.pos++
		var right filterExpr
		if right, err = p.parseUnary(); err == nil {
			left = &andExpr{left, right}
		}
	}
	return left, err
}

func (p *filterParser) parseUnary() (filterExpr, error) {
	negate := p.peekWord("not") && p.pos+1 < len(p.toks) && p.toks[p.pos+1].kind == tokLParen
	if negate {
		p.pos++
	}
	if p.pos >= len(p.toks) || p.toks[p.pos].kind != tokLParen {
		return p.parseCompare() // never after "not", which requires "("
	}
	if p.depth++; p.depth > maxFilterDepth {
		return nil, errorf(InvalidPath, "value filter nested too deeply")
	}
	p.pos++ // (
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.pos >= len(p.toks) || p.toks[p.pos].kind != tokRParen {
		return nil, errorf(InvalidPath, "missing ) in value filter")
	}
	p.pos++
	p.depth--
	if negate {
		return &notExpr{e}, nil
	}
	return e, nil
}

func (p *filterParser) parseCompare() (filterExpr, error) {
	if p.pos+1 >= len(p.toks) || p.toks[p.pos].kind != tokWord || p.toks[p.pos+1].kind != tokWord {
		return nil, errorf(InvalidPath, "malformed value filter")
	}
	name, op := p.toks[p.pos].text, strings.ToLower(p.toks[p.pos+1].text)
	if !validName(name) {
		return nil, errorf(InvalidPath, "malformed attribute name in value filter")
	}
	if !compareOps[op] {
		return nil, errorf(InvalidPath, "unknown operator %s in value filter", quote(op))
	}
	p.pos += 2
	if op == "pr" {
		return &cmpExpr{name: name, op: op}, nil
	}
	if p.pos >= len(p.toks) {
		return nil, errorf(InvalidPath, "missing comparison value in value filter")
	}
	t := p.toks[p.pos]
	p.pos++
	if t.kind == tokString {
		return &cmpExpr{name: name, op: op, value: t.text}, nil
	}
	if t.kind != tokWord {
		return nil, errorf(InvalidPath, "missing comparison value in value filter")
	}
	var value any
	switch lower := strings.ToLower(t.text); {
	case lower == "true":
		value = true
	case lower == "false":
		value = false
	case lower == "null":
		value = nil
	case isJSONNumber(t.text):
		value = json.Number(t.text)
	default:
		return nil, errorf(InvalidPath, "malformed comparison value in value filter")
	}
	return &cmpExpr{name: name, op: op, value: value}, nil
}

// resolveFilter binds the filter's names to attr's sub-attributes (or, for
// a simple multi-valued attribute, "value" to the element itself) and
// rejects comparisons RFC 7644 §3.4.2.2 does not define, such as ordering
// booleans.
func resolveFilter(e filterExpr, attr schema.CoreAttribute, path string) error {
	switch x := e.(type) {
	case *andExpr:
		if err := resolveFilter(x.left, attr, path); err != nil {
			return err
		}
		return resolveFilter(x.right, attr, path)
	case *orExpr:
		if err := resolveFilter(x.left, attr, path); err != nil {
			return err
		}
		return resolveFilter(x.right, attr, path)
	case *notExpr:
		return resolveFilter(x.x, attr, path)
	case *cmpExpr:
		if attr.AttributeType() == "complex" {
			sub, ok := attr.SubAttributes().ContainsAttribute(x.name)
			if !ok {
				return errorf(InvalidPath, "%s has no sub-attribute %s (path %s)", attr.Name(), quote(x.name), quote(path))
			}
			x.name, x.attr = sub.Name(), sub
		} else {
			if !strings.EqualFold(x.name, "value") {
				return errorf(InvalidPath, "a filter on %s can only test value (path %s)", attr.Name(), quote(path))
			}
			x.name, x.attr, x.self = "value", attr, true
		}
		switch typ := x.attr.AttributeType(); {
		case (typ == "boolean" || typ == "binary") && x.op != "eq" && x.op != "ne" && x.op != "pr":
			return errorf(InvalidPath, "operator %s cannot compare %s attribute %s", x.op, typ, x.name)
		}
	}
	return nil
}

// filterSize counts a filter's comparisons: the cost of matching one
// element.
func filterSize(e filterExpr) int {
	switch x := e.(type) {
	case *andExpr:
		return filterSize(x.left) + filterSize(x.right)
	case *orExpr:
		return filterSize(x.left) + filterSize(x.right)
	case *notExpr:
		return filterSize(x.x)
	case *cmpExpr:
		return 1
	}
	return 0
}

// equalities collects the sub-attribute values fixed by a filter made only
// of "eq" comparisons joined by "and" (type eq "work" and primary eq true).
// Such a filter describes one element completely enough to create it, which
// Entra relies on when it adds or replaces emails[type eq "work"].value on a
// user without a work email. ok is false for any other filter.
func equalities(e filterExpr, into map[string]any) bool {
	switch x := e.(type) {
	case *andExpr:
		return equalities(x.left, into) && equalities(x.right, into)
	case *cmpExpr:
		if x.op != "eq" || x.value == nil || x.self {
			return false
		}
		if prev, seen := into[x.name]; seen && !compare(x.attr, "eq", prev, x.value) {
			return false // contradictory: type eq "work" and type eq "home"
		}
		into[x.name] = x.value
		return true
	}
	return false
}

// compare applies a filter operator to a stored value and a filter literal,
// by the compared attribute's type. Strings of caseExact=false attributes
// compare case-insensitively.
func compare(attr schema.CoreAttribute, op string, actual, want any) bool {
	if op == "pr" {
		return present(actual)
	}
	if actual == nil || want == nil {
		same := actual == nil && want == nil
		return (op == "eq" && same) || (op == "ne" && !same)
	}
	switch attr.AttributeType() {
	case "boolean":
		a, okA := asBool(actual)
		b, okB := asBool(want)
		if !okA || !okB {
			return op == "ne"
		}
		return ordered(op, boolCmp(a, b), a == b)
	case "integer", "decimal":
		a, okA := asFloat(actual)
		b, okB := asFloat(want)
		if !okA || !okB {
			return op == "ne"
		}
		return ordered(op, floatCmp(a, b), a == b)
	case "dateTime":
		a, okA := parseDateTime(actual)
		b, okB := parseDateTime(want)
		if okA && okB {
			return ordered(op, a.Compare(b), a.Equal(b))
		}
	}
	a, okA := actual.(string)
	b, okB := want.(string)
	if !okA || !okB {
		return op == "ne"
	}
	if !attr.CaseExact() {
		a, b = strings.ToLower(a), strings.ToLower(b)
	}
	switch op {
	case "co":
		return strings.Contains(a, b)
	case "sw":
		return strings.HasPrefix(a, b)
	case "ew":
		return strings.HasSuffix(a, b)
	}
	return ordered(op, strings.Compare(a, b), a == b)
}

// ordered evaluates eq/ne/gt/ge/lt/le from a three-way comparison.
func ordered(op string, cmp int, eq bool) bool {
	switch op {
	case "eq":
		return eq
	case "ne":
		return !eq
	case "gt":
		return cmp > 0
	case "ge":
		return cmp >= 0
	case "lt":
		return cmp < 0
	case "le":
		return cmp <= 0
	}
	return false // co/sw/ew on non-strings
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func floatCmp(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// present implements "pr": a non-empty value.
func present(v any) bool {
	if s, ok := v.(string); ok {
		return s != ""
	}
	return !unassigned(v)
}

func parseDateTime(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// dateTimeLayouts accept xsd:dateTime (RFC 7643 §2.3.5) with or without a
// zone offset.
var dateTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"}
