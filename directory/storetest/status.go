package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// statusSeed is one kind of account the status tests create: how many,
// in which state, active or not, in which department.
type statusSeed struct {
	n          int
	state      directory.State
	active     bool
	department string
}

// statusPopulation covers every status, deactivated accounts over every
// state underneath, and two departments.
var statusPopulation = []statusSeed{
	{3, directory.StateNotInvited, true, "Sales"},
	{2, directory.StateNotInvited, true, "Support"},
	{4, directory.StateInvited, true, "Sales"},
	{1, directory.StateInvited, true, "Support"},
	{2, directory.StateClaimed, true, "Sales"},
	{5, directory.StateClaimed, true, "Support"},
	{1, directory.StateNotInvited, false, "Sales"},
	{1, directory.StateInvited, false, "Sales"},
	{2, directory.StateClaimed, false, "Support"},
}

func seedStatuses(t *testing.T, s directory.Store, orgID string, population []statusSeed) {
	t.Helper()
	for i, seed := range population {
		for j := range seed.n {
			a := directory.Account{OrgID: orgID, UserName: fmt.Sprintf("s%d-%d", i, j), Active: seed.active,
				State: seed.state, Department: seed.department}
			noErr(t, "CreateAccount", s.CreateAccount(ctx(t), &a))
		}
	}
}

// testCountByStatus: one count per status, a deactivated account counted
// as deactivated whatever its state underneath, the filter narrowing
// every count (a status filter too), and nothing of another organization.
func testCountByStatus(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	seedStatuses(t, s, org.ID, statusPopulation)
	seedStatuses(t, s, other.ID, statusPopulation[:3])

	invited, _ := directory.StatusFilter(directory.StatusInvited)
	deactivated, _ := directory.StatusFilter(directory.StatusDeactivated)
	sales := eq(directory.AttrDepartment, "sales") // text matches ignore case
	for _, tc := range []struct {
		name   string
		filter directory.Filter
		want   directory.StatusCounts
	}{
		{"everyone", nil, directory.StatusCounts{NotInvited: 5, Invited: 5, Claimed: 7, Deactivated: 4, Total: 21}},
		{"department", sales, directory.StatusCounts{NotInvited: 3, Invited: 4, Claimed: 2, Deactivated: 2, Total: 11}},
		{"status", invited, directory.StatusCounts{Invited: 5, Total: 5}},
		{"deactivated", directory.And{deactivated, sales}, directory.StatusCounts{Deactivated: 2, Total: 2}},
		{"no match", eq(directory.AttrDepartment, "Legal"), directory.StatusCounts{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.CountByStatus(ctx(t), org.ID, tc.filter)
			noErr(t, "CountByStatus", err)
			if got != tc.want {
				t.Fatalf("CountByStatus = %+v; want %+v", got, tc.want)
			}
		})
	}
	empty := mustOrg(t, s, "empty")
	if got, err := s.CountByStatus(ctx(t), empty.ID, nil); err != nil || got != (directory.StatusCounts{}) {
		t.Fatalf("an empty organization counts %+v, %v", got, err)
	}
	_, err := s.CountByStatus(ctx(t), org.ID, eq("password", "x"))
	wantErr(t, "a filter on an unknown attribute", err, directory.ErrInvalid)
}

// testListDeliveries: every recorded message of the account, newest
// first, none of another account's or organization's, and none left
// once the account is gone.
func testListDeliveries(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	ann := mustAccount(t, s, org.ID, "ann")
	bob := mustAccount(t, s, org.ID, "bob")
	stranger := mustAccount(t, s, other.ID, "ann")
	if got, err := s.ListDeliveries(ctx(t), org.ID, ann.ID); err != nil || len(got) != 0 {
		t.Fatalf("before any delivery: %v, %v", got, err)
	}

	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	sent := []directory.Delivery{
		{OrgID: org.ID, AccountID: ann.ID, Generation: 1, Kind: "invitation", Recipient: "ann@acme.example", DeliveredAt: start},
		{OrgID: org.ID, AccountID: ann.ID, Generation: 1, Kind: "reminder-1", Recipient: "ann@acme.example", DeliveredAt: start.Add(72 * time.Hour)},
		{OrgID: org.ID, AccountID: ann.ID, Generation: 2, Kind: "invitation", Recipient: "ann@new.example", DeliveredAt: start.Add(96 * time.Hour)},
		{OrgID: org.ID, AccountID: bob.ID, Generation: 1, Kind: "invitation", Recipient: "bob@acme.example", DeliveredAt: start},
		{OrgID: other.ID, AccountID: stranger.ID, Generation: 1, Kind: "invitation", Recipient: "ann@other.example", DeliveredAt: start},
	}
	for _, d := range sent {
		added, err := s.MarkDelivered(ctx(t), d)
		noErr(t, "MarkDelivered", err)
		if !added {
			t.Fatalf("MarkDelivered(%+v) recorded nothing", d)
		}
	}
	got, err := s.ListDeliveries(ctx(t), org.ID, ann.ID)
	noErr(t, "ListDeliveries", err)
	want := []directory.Delivery{sent[2], sent[1], sent[0]}
	if len(got) != len(want) {
		t.Fatalf("ann's deliveries = %+v; want %+v", got, want)
	}
	for i := range want {
		if !got[i].DeliveredAt.Equal(want[i].DeliveredAt) || !sameDelivery(got[i], want[i]) {
			t.Fatalf("delivery %d = %+v; want %+v", i, got[i], want[i])
		}
	}
	if got, err := s.ListDeliveries(ctx(t), other.ID, ann.ID); err != nil || len(got) != 0 {
		t.Fatalf("another organization reads ann's deliveries: %v, %v", got, err)
	}
	noErr(t, "DeleteAccount", s.DeleteAccount(ctx(t), org.ID, ann.ID))
	if got, err := s.ListDeliveries(ctx(t), org.ID, ann.ID); err != nil || len(got) != 0 {
		t.Fatalf("deliveries of a deleted account: %v, %v", got, err)
	}
}

// sameDelivery compares everything but the time's representation.
func sameDelivery(a, b directory.Delivery) bool {
	a.DeliveredAt, b.DeliveredAt = time.Time{}, time.Time{}
	return a == b
}
