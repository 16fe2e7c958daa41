package gormstore

import (
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/internal/testdb"
)

func TestDollarPlaceholders(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a = ?", "a = $1"},
		{"a = ? AND (b = '' OR c > ?) LIMIT ?", "a = $1 AND (b = '' OR c > $2) LIMIT $3"},
		{"x = '?' AND y = ?", "x = '?' AND y = $1"},
		{"no placeholders", "no placeholders"},
	} {
		if got := dollarPlaceholders(tc.in); got != tc.want {
			t.Errorf("dollarPlaceholders(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

// TestExportRowsDecoders: the hand decoder of binary rows and pgx's Scan
// (which takes over for rows in text form) read the same values, NULLs
// included.
func TestExportRowsDecoders(t *testing.T) {
	url := testdb.PostgresURL(t, os.Getenv)
	s := openMigrated(t, Postgres, url)
	org := directory.Organization{Slug: "acme", Name: "Acme"}
	exportMust(t, s.CreateOrganization(t.Context(), &org))
	at := time.Date(2026, 3, 1, 9, 30, 0, 123456000, time.UTC)
	boss := directory.Account{OrgID: org.ID, UserName: "boss", DisplayName: "Big Boss", EmployeeNumber: "M-1", Active: true,
		State: directory.StateClaimed, InvitedAt: &at, ClaimedAt: &at}
	exportMust(t, s.CreateAccount(t.Context(), &boss))
	people := []directory.Account{
		{UserName: "ann", DisplayName: "Ann, \"the\" Rep", ManagerID: boss.ID, Active: true, State: directory.StateInvited,
			InvitedAt: &at, InviteGeneration: 7, InviteExpiresAt: &at, Emails: []directory.Email{{Value: "ann@acme.example", Primary: true}}},
		{UserName: "fran", Frontline: true, Active: false, State: directory.StateInvited, InviteGeneration: 1, InviteExpiresAt: &at,
			AccessCodeHash: "h", AccessCodeGeneration: 3, AccessCodeExpiresAt: &at, ManagerID: "not-an-account"},
	}
	for i := range people {
		people[i].OrgID = org.ID
		exportMust(t, s.CreateAccount(t.Context(), &people[i]))
	}
	fast, err := s.ExportRows(t.Context(), org.ID, nil, "", 10)
	exportMust(t, err)

	conn, err := pgx.Connect(t.Context(), url+"&default_query_exec_mode=simple_protocol")
	exportMust(t, err)
	defer conn.Close(t.Context())
	q := fragment("SELECT " + exportColumns + exportFrom + "a.org_id = ")
	q.bind(org.ID)
	q.WriteString(" ORDER BY a.id")
	rows, err := conn.Query(t.Context(), dollarPlaceholders(q.String()), q.args...)
	exportMust(t, err)
	page := newExportPage(org.ID, 10)
	for rows.Next() {
		exportMust(t, page.add(rows))
	}
	exportMust(t, rows.Err())
	if len(fast) != 3 || !reflect.DeepEqual(fast, page.rows) {
		t.Fatalf("binary decoding\n %+v\ndiffers from Scan\n %+v", fast, page.rows)
	}
	if fast[1].ManagerName != "Big Boss" || fast[2].ManagerName != "" || fast[2].Account.Emails != nil ||
		!fast[1].Account.InvitedAt.Equal(at) || fast[2].Account.AccessCodeHash != "h" {
		t.Fatalf("decoded rows: %+v", fast)
	}
}

func exportMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
