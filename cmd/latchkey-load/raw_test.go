package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory/gormstore"
)

func TestRebind(t *testing.T) {
	q := `SELECT id FROM accounts WHERE org_id = $1 AND user_name_lower = $2`
	if got := rebind(gormstore.SQLite, q); got != `SELECT id FROM accounts WHERE org_id = ? AND user_name_lower = ?` {
		t.Errorf("SQLite: %q", got)
	}
	if got := rebind(gormstore.Postgres, q); got != q {
		t.Errorf("PostgreSQL: %q", got)
	}
}

// TestRawBaselineOnBothBackends measures the raw baseline briefly on a
// seeded database: every figure is there and the walk reads every row.
func TestRawBaselineOnBothBackends(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			url := b.url(t)
			s := startSCIM(t, url, 20, 1)
			raw, err := measureRaw(t.Context(), io.Discard, url, 20, 2, 200*time.Millisecond, nil)
			if err != nil {
				t.Fatal(err)
			}
			if raw.SelectRate <= 0 || raw.SelectOne.Count == 0 || raw.WalkRows != 20 {
				t.Fatalf("raw baseline %+v", raw)
			}
			if (raw.InsertRate > 0) != (b.name == "sqlite") { // PostgreSQL's is pgbench's, passed in
				t.Fatalf("insert rate %v on %s", raw.InsertRate, b.name)
			}
			page, err := rawPage(t.Context(), s.store.DB(), s.store.Dialect(), orgOf(t, s), 3)
			if err != nil || page.Count != 3 {
				t.Fatalf("raw page %+v, %v", page, err)
			}
		})
	}
}

func orgOf(t *testing.T, s scimServer) string {
	t.Helper()
	org, err := s.store.OrganizationBySlug(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	return org.ID
}

// TestRawCSVQuotesAsCOPY: the SQLite baseline writes what COPY ... WITH
// CSV would, quoting included.
func TestRawCSVQuotesAsCOPY(t *testing.T) {
	s := startSCIM(t, backends[0].url(t), 1, 0)
	var out strings.Builder
	_, n, err := rawCSVTo(t.Context(), s.store.DB(), `SELECT 'a,b', 'plain', 1`, &out)
	if err != nil || n != 1 || out.String() != "\"a,b\",plain,1\n" {
		t.Fatalf("rawCSVTo: %d rows, %q, %v", n, out.String(), err)
	}
}
