package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// TestCompanyAccountsHaveThePeopleSeedsShape: the Go company (SQLite's)
// is valid and has the SQL seed's shares: 25 % not invited, 5 %
// deactivated, one in ten without email, Sales a fifth, Legal a fiftieth,
// managers for everyone past the first thousand.
func TestCompanyAccountsHaveThePeopleSeedsShape(t *testing.T) {
	const n = 20_000
	managers := make([]string, peopleManagers)
	for i := range managers {
		managers[i] = fmt.Sprintf("m%d", i)
	}
	count := map[string]int{}
	for i := 1; i <= n; i++ {
		a := companyAccount("org", i, managers)
		if err := a.Validate(); err != nil {
			t.Fatalf("account %d: %v", i, err)
		}
		count[string(a.State)]++
		if !a.Active {
			count["inactive"]++
		}
		if a.PrimaryEmail() == "" {
			count["no email"]++
		}
		count["dept "+a.Department]++
		if (i > peopleManagers) != (a.ManagerID != "") {
			t.Fatalf("account %d: manager %q", i, a.ManagerID)
		}
		if (a.State == directory.StateClaimed) != (a.ClaimedAt != nil) || (a.State == directory.StateNotInvited) != (a.InvitedAt == nil) {
			t.Fatalf("account %d: state %s, invited %v, claimed %v", i, a.State, a.InvitedAt, a.ClaimedAt)
		}
	}
	share := func(k string) float64 { return float64(count[k]) / n }
	for _, c := range []struct {
		key      string
		low, top float64
	}{{"not_invited", 0.23, 0.27}, {"inactive", 0.04, 0.06}, {"no email", 0.09, 0.11}, {"dept Sales", 0.15, 0.25}, {"dept Legal", 0, 0.03}} {
		if s := share(c.key); s < c.low || s > c.top {
			t.Errorf("%s: %.3f of the company; want %.2f–%.2f", c.key, s, c.low, c.top)
		}
	}
}

func TestExportAccountsAreInvited(t *testing.T) {
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	managers := make([]string, exportManagers)
	for i, frontline := 1, 0; i <= 2000; i++ {
		a := exportAccount("org", i, managers, now)
		if err := a.Validate(); err != nil || a.State != directory.StateInvited || a.InviteExpiresAt == nil {
			t.Fatalf("account %d: %+v, %v", i, a, err)
		}
		if a.Frontline {
			frontline++
			if a.AccessCodeHash == "" || a.PrimaryEmail() != "" {
				t.Fatalf("frontline account %d: %+v", i, a)
			}
		}
		if i == 2000 && frontline != 100 {
			t.Fatalf("%d frontline accounts of 2,000; want one in 20", frontline)
		}
	}
}
