// Package storetest is the conformance suite for directory.Store. Every
// backend runs the same tests:
//
//	storetest.Run(t, func(t *testing.T) directory.Store { return openFreshStore(t) })
//
// newStore must return an empty, migrated store that is closed when the
// test ends. A new kind of rule for the store means a new test here, so all
// backends learn it at once.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// NewStore returns an empty, migrated store for one test.
type NewStore func(t *testing.T) directory.Store

// Run runs every conformance test against stores made by newStore.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s directory.Store)
	}{
		{"Organizations", testOrganizations},
		{"AccountRoundTrip", testAccountRoundTrip},
		{"AccountUserNameUnique", testAccountUserNameUnique},
		{"AccountSignInNames", testAccountSignInNames},
		{"AccountValidation", testAccountValidation},
		{"AccountUpdate", testAccountUpdate},
		{"AccountConcurrentUpdate", testAccountConcurrentUpdate},
		{"AccountDelete", testAccountDelete},
		{"ForUpdate", testForUpdate},
		{"AccountListPages", testAccountListPages},
		{"OrganizationIsolation", testOrganizationIsolation},
		{"FindAccountsFilter", testFindAccountsFilter},
		{"FindAccountsSortAndPage", testFindAccountsSortAndPage},
		{"FindInvalid", testFindInvalid},
		{"FindIsolation", testFindIsolation},
		{"FindGroups", testFindGroups},
		{"Groups", testGroups},
		{"GroupMembers", testGroupMembers},
		{"GroupMembersConcurrent", testGroupMembersConcurrent},
		{"MembershipDeleteRace", testMembershipDeleteRace},
		{"ScimTokens", testScimTokens},
		{"ScimClients", testScimClients},
		{"ScimClientRotation", testScimClientRotation},
		{"ScimClientRevocation", testScimClientRevocation},
		{"AdminsAndTokens", testAdminsAndTokens},
		{"Audit", testAudit},
		{"AppendAudits", testAppendAudits},
		{"Transactions", testTransactions},
		{"TransactionRecoversFromConflict", testTransactionRecoversFromConflict},
		{"ConflictingCreateWritesNothing", testConflictingCreateWritesNothing},
		{"TextLimits", testTextLimits},
		{"LargeMemberLists", testLargeMemberLists},
		{"Ping", testPing},
		{"OrganizationSettings", testOrganizationSettings},
		{"InviteRules", testInviteRules},
		{"InvitationState", testInvitationState},
		{"UpdateInvitation", testUpdateInvitation},
		{"OutboxAndTemplates", testOutboxAndTemplates},
		{"Attempts", testAttempts},
		{"Sessions", testSessions},
		{"AdminSessions", testAdminSessions},
		{"SAMLSettings", testSAMLSettings},
		{"SAMLRequests", testSAMLRequests},
		{"SAMLAssertions", testSAMLAssertions},
		{"ClaimSettings", testClaimSettings},
		{"Terms", testTerms},
		{"Passwords", testPasswords},
		{"Pictures", testPictures},
		{"FirstAccessCascade", testFirstAccessCascade},
		{"GroupFlags", testGroupFlags},
		// The admin API (issue 6).
		{"CountByStatus", testCountByStatus},
		{"ListDeliveries", testListDeliveries},
		{"BulkActions", testBulkActions},
		{"AdminUpdates", testAdminUpdates},
		{"Roles", testRoles},
		{"Exports", testExports},
		{"ExportRows", testExportRows},
		{"AuditFilters", testAuditFilters},
		{"OrganizationLifetimes", testOrganizationLifetimes},
		{"ClaimGroupLists", testClaimGroupLists},
		{"SessionClaimFields", testSessionClaimFields},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }

func mustOrg(t *testing.T, s directory.Store, slug string) directory.Organization {
	t.Helper()
	org := directory.Organization{Slug: slug, Name: "Org " + slug}
	if err := s.CreateOrganization(ctx(t), &org); err != nil {
		t.Fatalf("CreateOrganization(%q): %v", slug, err)
	}
	return org
}

func mustAccount(t *testing.T, s directory.Store, orgID, userName string) directory.Account {
	t.Helper()
	a := directory.Account{OrgID: orgID, UserName: userName, Active: true, State: directory.StateNotInvited}
	if err := s.CreateAccount(ctx(t), &a); err != nil {
		t.Fatalf("CreateAccount(%q): %v", userName, err)
	}
	return a
}

func mustGroup(t *testing.T, s directory.Store, orgID, name string) directory.Group {
	t.Helper()
	g := directory.Group{OrgID: orgID, DisplayName: name}
	if err := s.CreateGroup(ctx(t), &g); err != nil {
		t.Fatalf("CreateGroup(%q): %v", name, err)
	}
	return g
}

func wantErr(t *testing.T, what string, got, want error) {
	t.Helper()
	if !errors.Is(got, want) {
		t.Fatalf("%s: error = %v; want %v", what, got, want)
	}
}

func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// sameJSON compares documents by meaning: PostgreSQL's jsonb reorders keys.
func sameJSON(t *testing.T, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: stored JSON does not parse: %v (%s)", what, err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: expected JSON does not parse: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s: JSON = %s; want %s", what, got, want)
	}
}

func sameTime(t *testing.T, what string, got, want *time.Time) {
	t.Helper()
	switch {
	case got == nil && want == nil:
		return
	case got == nil || want == nil:
		t.Fatalf("%s = %v; want %v", what, got, want)
	case !got.Equal(*want):
		t.Fatalf("%s = %v; want %v", what, got, want)
	}
}

func ptr[T any](v T) *T { return &v }

// at returns a fixed UTC instant with microsecond precision, which every
// backend stores exactly.
func at(day, micros int) time.Time {
	return time.Date(2026, time.March, day, 9, 30, 0, micros*1000, time.UTC)
}

func name(prefix string, i int) string { return fmt.Sprintf("%s%04d", prefix, i) }
