package patch

import "strings"

// pathSpec is the syntax of a PATCH path once its schema URN prefix (if any)
// has been split off (see resolver.resolve): RFC 7644 §3.5.2's
//
//	PATH = attrPath / valuePath [subAttr]
//
// which leaves four shapes: attr, attr.sub, attr[filter], attr[filter].sub.
type pathSpec struct {
	attr   string
	sub    string     // "" when absent
	filter filterExpr // nil when absent
}

// maxPathLen bounds the work done on a client-sent path.
const maxPathLen = 4096

// parseAttrPath parses s (without URN prefix) into its parts. Names are
// returned as written; the resolver checks them against the schema.
func parseAttrPath(s string) (pathSpec, error) {
	if len(s) > maxPathLen {
		return pathSpec{}, errorf(InvalidPath, "path is longer than %d bytes", maxPathLen)
	}
	s = strings.TrimSpace(s)
	open := strings.IndexByte(s, '[')
	if open < 0 {
		name, sub, hasSub := strings.Cut(s, ".")
		if !validName(name) || (hasSub && !validName(sub)) {
			return pathSpec{}, errorf(InvalidPath, "malformed path %s", quote(s))
		}
		return pathSpec{attr: name, sub: sub}, nil
	}

	name := strings.TrimSpace(s[:open])
	if !validName(name) {
		return pathSpec{}, errorf(InvalidPath, "malformed path %s", quote(s))
	}
	end := closingBracket(s, open)
	if end < 0 {
		return pathSpec{}, errorf(InvalidPath, "unterminated value filter in path %s", quote(s))
	}
	var sub string
	if rest := strings.TrimSpace(s[end+1:]); rest != "" {
		sub = strings.TrimPrefix(rest, ".")
		if sub == rest || !validName(sub) {
			return pathSpec{}, errorf(InvalidPath, "malformed path %s", quote(s))
		}
	}
	f, err := parseFilter(s[open+1 : end])
	if err != nil {
		return pathSpec{}, err
	}
	return pathSpec{attr: name, sub: sub, filter: f}, nil
}

// closingBracket returns the index of the ']' closing the '[' at open,
// skipping brackets inside quoted strings, or -1.
func closingBracket(s string, open int) int {
	inString := false
	for i := open + 1; i < len(s); i++ {
		switch c := s[i]; {
		case inString && c == '\\':
			i++ // skip the escaped character
		case c == '"':
			inString = !inString
		case !inString && c == ']':
			return i
		}
	}
	return -1
}

// validName checks RFC 7643's ATTRNAME (ALPHA *(nameChar)); "$ref" is also
// accepted because RFC 7643 §2.4 defines it as a sub-attribute.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		switch {
		case alpha, c == '$':
		case i > 0 && ((c >= '0' && c <= '9') || c == '-' || c == '_'):
		default:
			return false
		}
	}
	return true
}
