package filter

import (
	"strings"
	"testing"
)

func TestScan(t *testing.T) {
	deep := func(open string, n int, close string) string {
		return strings.Repeat(open, n) + `a pr` + strings.Repeat(close, n)
	}
	cases := []struct {
		in   string
		want shape
	}{
		{`userName eq "x"`, shape{}},
		{deep("(", MaxDepth, ")"), shape{}},
		{deep("(", MaxDepth+1, ")"), shape{tooDeep: true}},
		{deep("not (", MaxDepth/2, ")"), shape{}},
		{deep("not (", MaxDepth/2+1, ")"), shape{tooDeep: true}},
		{deep("NOT(", MaxDepth/2+1, ")"), shape{tooDeep: true}},
		// Balanced nesting that never goes deep is fine however long.
		{strings.Repeat(`(a pr) and `, 300) + `a pr`, shape{}},
		{strings.Repeat(`emails[type pr] and `, 100) + `a pr`, shape{}},
		// Words merely containing "not" are attribute names.
		{`notes eq "x" and cannot pr and knot pr`, shape{}},
		{deep("(", MaxDepth, ")") + ` and nothing pr`, shape{}},
		// Quoted text does not nest, and escaped quotes do not end it.
		{`a eq "` + strings.Repeat("(", 100) + `"`, shape{}},
		{`a eq "\"` + strings.Repeat("(", 100) + `"`, shape{}},
		{`a eq "\\" and (b pr)`, shape{}},
		{`a eq "x`, shape{openQuote: true}},
		{`a eq "x\"`, shape{openQuote: true}},
		{`a eq "x\`, shape{openQuote: true}},
		{`(a pr`, shape{unbalanced: true}},
		{`a pr)`, shape{unbalanced: true}},
		{`(a pr]`, shape{unbalanced: true}},
		{`e[a pr)`, shape{unbalanced: true}},
	}
	for _, c := range cases {
		if got := scan(c.in); got != c.want {
			t.Errorf("scan(%s) = %+v, want %+v", short(c.in), got, c.want)
		}
	}
}
