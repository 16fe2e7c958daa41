// Package filter translates SCIM filter expressions (RFC 7644 §3.4.2.2) and
// sortBy parameters into directory queries.
//
// Only attributes on an allow-list can be named: the core User and Group
// attributes Latchkey stores, the enterprise extension, Latchkey's
// lifecycle extension and Workplace's aliases of it. Everything else,
// including anything the parser accepts but the directory cannot run, is
// an *Error, never a filter that silently matches more than was asked.
//
// Parsing uses github.com/scim2/filter-parser, which recurses once per
// nesting level without a limit. A Go stack overflow kills the process and
// cannot be recovered, so the input is bounded before the parser sees it.
package filter

import (
	"strings"

	fp "github.com/scim2/filter-parser/v2"

	"github.com/latchkeyhq/latchkey/directory"
)

// Limits checked before parsing.
const (
	// MaxLength bounds a filter or sortBy, in bytes.
	MaxLength = 2048
	// MaxDepth bounds the nesting of "(", "[" and "not".
	MaxDepth = 16
)

// Users translates a filter on /Users. Every error is an *Error. An empty
// filter is nil: no restriction. A sub-attribute of emails compared outside
// brackets (emails.type eq "work") matches when any element matches;
// emails[...] requires one element to match the whole bracket.
func Users(raw string) (directory.Filter, error) { return users.compile(raw) }

// Groups translates a filter on /Groups, like Users; members plays the
// part of emails.
func Groups(raw string) (directory.Filter, error) { return groups.compile(raw) }

// compile bounds, rewrites, parses and translates raw.
func (r *resource) compile(raw string) (directory.Filter, error) {
	if raw == "" {
		return nil, nil
	}
	// Clients and proxies sometimes leave spaces around the parameter; the
	// grammar has no leading or trailing whitespace.
	src := strings.Trim(raw, " ")
	sh, err := checkInput(raw, src)
	if err != nil {
		return nil, err
	}
	lifted := liftSubAttrs(src)
	// ParseFilterNumber keeps numbers as their literal text (json.Number):
	// ParseFilter would turn them into float64 and then int, which loses
	// precision above 2^53 and wraps out-of-range values.
	expr, err := fp.ParseFilterNumber([]byte(lifted))
	if err != nil {
		return nil, syntaxError(sh, lifted != src)
	}
	return translator{res: r}.expr(expr, nil)
}
