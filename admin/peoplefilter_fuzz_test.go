package admin

import (
	"errors"
	"net/url"
	"testing"
)

// FuzzPeopleQuery: any query string either compiles to a store filter
// or is a 400 problem naming fields; it never panics or fails otherwise.
func FuzzPeopleQuery(f *testing.F) {
	for _, seed := range []string{"status=invited&department=Sales", "status=claimed,deactivated&has_email=false",
		"created_after=2026-01-31&q=ann", `filter=title eq "Nurse" and not (active eq false)`, "departement=x",
		"invited_before=yesterday", "filter=((((", "status=,", "q=%00"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		pf, err := parsePeopleQuery(q, "sort", "cursor", "limit")
		if err == nil {
			_, err = pf.compile()
		}
		var p *problem
		if err != nil && (!errors.As(err, &p) || p.Status != 400 || (len(p.Errors) == 0 && p.Detail == "")) {
			t.Fatalf("%q: %v; want a 400 problem", raw, err)
		}
	})
}
