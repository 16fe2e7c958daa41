package filter

import "testing"

func TestLiftSubAttrs(t *testing.T) {
	cases := []struct{ in, want string }{
		{`emails[type eq "work"].value eq "x@y"`, `emails[type eq "work" and value eq "x@y"]`},
		{`emails[type eq "work"].value pr`, `emails[type eq "work" and value pr]`},
		{`emails[type eq "work"].value PR and title pr`, `emails[type eq "work" and value PR] and title pr`},
		{`emails[type eq "work"].primary eq true)`, `emails[type eq "work" and primary eq true])`},
		{`emails[type eq "work"].value eq "a" or members[type eq "User"].value eq "b"`,
			`emails[type eq "work" and value eq "a"] or members[type eq "User" and value eq "b"]`},
		{`emails[type eq "w"].value eq "q\"]."`, `emails[type eq "w" and value eq "q\"]."]`},
		// Unchanged: no "]." outside strings, or no comparison after it.
		{`emails[type eq "work"]`, `emails[type eq "work"]`},
		{`displayName eq "]."`, `displayName eq "]."`},
		{`displayName eq "\"]."`, `displayName eq "\"]."`},
		{`emails[type eq "work"].value`, `emails[type eq "work"].value`},
		{`emails[type eq "work"].value eq`, `emails[type eq "work"].value eq`},
		{`emails[type eq "work"].value eq "open`, `emails[type eq "work"].value eq "open`},
		{`emails[type eq "work"].value prx`, `emails[type eq "work"].value prx`},
		{`emails[type eq "work"].valueeq "x"`, `emails[type eq "work"].valueeq "x"`},
		{`emails[type eq "work"]. value eq "x"`, `emails[type eq "work"]. value eq "x"`},
		{`].`, `].`},
		{``, ``},
	}
	for _, c := range cases {
		if got := liftSubAttrs(c.in); got != c.want {
			t.Errorf("liftSubAttrs(%s)\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

// TestLiftSubAttrsChangesOnlyItsForm checks the property the rewrite's
// safety rests on: text without "]." outside strings, which includes every
// filter the parser accepts, comes back unchanged. The fuzz targets check
// it too.
func TestLiftSubAttrsChangesOnlyItsForm(t *testing.T) {
	var inputs []string
	for _, c := range userAccepted {
		inputs = append(inputs, c.in)
	}
	for _, c := range userRejected {
		inputs = append(inputs, c.in)
	}
	for _, in := range inputs {
		if !containsSubAttrForm(in) && liftSubAttrs(in) != in {
			t.Errorf("rewritten without attr[...].sub: %s", short(in))
		}
	}
}

// containsSubAttrForm tells whether s has Entra's "].sub" outside strings,
// by a second, simpler scan: drop string literals, then look.
func containsSubAttrForm(s string) bool {
	var out []byte
	inString := false
	for i := 0; i < len(s); i++ {
		switch {
		case inString && s[i] == '\\':
			i++
		case s[i] == '"':
			inString = !inString
		case !inString:
			out = append(out, s[i])
		}
	}
	for i := 0; i+1 < len(out); i++ {
		if out[i] == ']' && out[i+1] == '.' {
			return true
		}
	}
	return false
}
