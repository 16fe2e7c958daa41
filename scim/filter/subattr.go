package filter

import "strings"

// liftSubAttrs rewrites Entra ID's matching filter
//
//	emails[type eq "work"].value eq "x@example.com"
//
// into the equivalent RFC 7644 form
//
//	emails[type eq "work" and value eq "x@example.com"]
//
// which filter-parser accepts (it knows "].sub" only in PATCH paths).
//
// The rewrite is safe because the filter grammar never has "]." outside a
// string literal: any text the parser already accepts comes back
// unchanged, and the moved comparison holds no brackets, so each "]" still
// closes the same "[". A rewritten filter therefore parses only when it was
// exactly attr[filter].sub op value, and then it means the same: one
// element must satisfy both. Anything else is left for the parser to
// reject.
func liftSubAttrs(s string) string {
	if !strings.Contains(s, "].") {
		return s
	}
	var b strings.Builder
	copied := 0 // s[:copied] is in b already
	inString := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
			continue
		}
		if c != ']' || i+1 >= len(s) || s[i+1] != '.' {
			continue
		}
		end, ok := comparisonEnd(s, i+2)
		if !ok {
			continue
		}
		b.WriteString(s[copied:i])
		b.WriteString(" and ")
		b.WriteString(s[i+2 : end])
		b.WriteByte(']')
		copied = end
		i = end - 1
	}
	if copied == 0 {
		return s
	}
	b.WriteString(s[copied:])
	return b.String()
}

// comparisonEnd finds the end of "name op value" or "name pr" starting at
// s[i], or reports that none starts there. It only delimits the text; the
// parser judges it.
func comparisonEnd(s string, i int) (int, bool) {
	nameEnd := i
	for nameEnd < len(s) && isNameChar(s[nameEnd]) {
		nameEnd++
	}
	opStart := skipSpaces(s, nameEnd)
	if nameEnd == i || opStart == nameEnd || opStart+2 > len(s) {
		return 0, false
	}
	opEnd := opStart + 2
	if strings.EqualFold(s[opStart:opEnd], "pr") {
		if opEnd < len(s) && isNameChar(s[opEnd]) {
			return 0, false
		}
		return opEnd, true
	}
	v := skipSpaces(s, opEnd)
	if v == opEnd || v == len(s) {
		return 0, false
	}
	if s[v] == '"' {
		return stringEnd(s, v)
	}
	end := v
	for end < len(s) && s[end] != ' ' && s[end] != ')' && s[end] != ']' {
		end++
	}
	return end, true
}

// stringEnd returns the index after the string literal that opens at
// s[start].
func stringEnd(s string, start int) (int, bool) {
	for i := start + 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return 0, false
}

func skipSpaces(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

// isNameChar matches the grammar's ATTRNAME characters.
func isNameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}
