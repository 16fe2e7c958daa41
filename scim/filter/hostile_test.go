package filter

import (
	"strings"
	"testing"
)

// hostileInputs are the largest inputs the bounds allow, shaped to make a
// backtracking parser work hard, and the 100,000-level nesting that would
// overflow the parser's stack.
func hostileInputs() []string {
	fill := func(unit, tail string) string {
		return strings.Repeat(unit, (MaxLength-len(tail))/len(unit)) + tail
	}
	nested := strings.Repeat("(", MaxDepth) + `a pr` + strings.Repeat(")", MaxDepth)
	return []string{
		strings.Repeat("(", 100000) + `title pr` + strings.Repeat(")", 100000),
		strings.Repeat("(", MaxLength),
		strings.Repeat("not (", MaxLength/5),
		strings.Repeat("[", MaxLength),
		fill(`userName eq "x" and `, `title pr`),
		fill(`userName eq "x" or `, `title pr`),
		fill(`userName eq "x" and `, `title`),
		fill(nested+` and `, `title pr`),
		fill(nested+` and `, `(title`),
		fill(`emails[type eq "work" and value co "x"] or `, `title pr`),
		fill(`emails[type eq "work"].value eq "x" or `, `title pr`),
		fill(`emails[type eq "work"].value eq "x" or `, `title`),
		fill(`].value eq "x"`, ``),
		fill(`urn:a:b:c:d:e:f:g:`, `userName pr`),
		fill(`urn:`, ``),
		fill(`"\"`, ``),
		fill(`a`, ``),
		fill(`(((((((((((((((a pr))))))))))))))) or `, `a pr`),
		fill(`not (not (not (not (not (not (not (not (a pr)))))))) or `, `a pr`),
	}
}

// TestHostileInputs: every hostile input gets an answer (a tree or an
// *Error) without crashing the process. How long each takes is measured by
// BenchmarkHostileInputs, not asserted here.
func TestHostileInputs(t *testing.T) {
	for _, in := range hostileInputs() {
		for _, compile := range []func(string) (any, error){
			func(s string) (any, error) { return Users(s) },
			func(s string) (any, error) { return Groups(s) },
		} {
			if _, err := compile(in); err != nil {
				if _, ok := err.(*Error); !ok {
					t.Errorf("%s: error %T, want *Error", short(in), err)
				}
			}
		}
	}
}

// BenchmarkHostileInputs: go test -bench HostileInputs ./scim/filter
// (docs/benchmarks.md records the result).
func BenchmarkHostileInputs(b *testing.B) {
	inputs := hostileInputs()
	for b.Loop() {
		for _, in := range inputs {
			_, _ = Users(in)
		}
	}
}
