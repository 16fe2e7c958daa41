package storetest

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func testGroups(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	g := directory.Group{OrgID: org.ID, DisplayName: "Sales EMEA", ExternalID: "grp-1",
		Resource: json.RawMessage(`{"displayName":"Sales EMEA","urn:example:ext":{"k":"v"}}`)}
	noErr(t, "CreateGroup", s.CreateGroup(ctx(t), &g))
	if !urlSafeID.MatchString(g.ID) || g.Version != 1 {
		t.Fatalf("created group = %+v; want URL-safe id and version 1", g)
	}
	got, err := s.Group(ctx(t), org.ID, g.ID)
	noErr(t, "Group", err)
	if got.DisplayName != "Sales EMEA" || got.ExternalID != "grp-1" {
		t.Fatalf("Group = %+v", got)
	}
	sameJSON(t, "group resource", got.Resource, g.Resource)

	dup := directory.Group{OrgID: org.ID, DisplayName: "sales emea"}
	wantErr(t, "displayName in other case", s.CreateGroup(ctx(t), &dup), directory.ErrConflict)
	empty := directory.Group{OrgID: org.ID, DisplayName: ""}
	wantErr(t, "empty displayName", s.CreateGroup(ctx(t), &empty), directory.ErrInvalid)

	stale := got
	got.DisplayName = "Sales Europe"
	noErr(t, "UpdateGroup", s.UpdateGroup(ctx(t), &got))
	if got.Version != 2 || got.DisplayName != "Sales Europe" {
		t.Fatalf("after rename: %+v", got)
	}
	stale.DisplayName = "Lost"
	wantErr(t, "stale group update", s.UpdateGroup(ctx(t), &stale), directory.ErrVersionMismatch)

	second := mustGroup(t, s, org.ID, "Support")
	list, err := s.ListGroups(ctx(t), org.ID, 1, "")
	noErr(t, "ListGroups", err)
	if len(list) != 1 || list[0].ID != g.ID {
		t.Fatalf("first page = %+v; want the first group", list)
	}
	list, err = s.ListGroups(ctx(t), org.ID, 10, list[0].ID)
	noErr(t, "ListGroups page 2", err)
	if len(list) != 1 || list[0].ID != second.ID {
		t.Fatalf("second page = %+v; want Support", list)
	}

	noErr(t, "DeleteGroup", s.DeleteGroup(ctx(t), org.ID, g.ID))
	_, err = s.Group(ctx(t), org.ID, g.ID)
	wantErr(t, "group after delete", err, directory.ErrNotFound)
	wantErr(t, "second delete", s.DeleteGroup(ctx(t), org.ID, g.ID), directory.ErrNotFound)
}

func testGroupMembers(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	g := mustGroup(t, s, org.ID, "Everyone")
	sub := mustGroup(t, s, org.ID, "Managers")
	alice := mustAccount(t, s, org.ID, "alice")
	bob := mustAccount(t, s, org.ID, "bob")

	added, err := s.AddMembers(ctx(t), org.ID, g.ID, []directory.Member{
		{ID: alice.ID, Type: directory.MemberUser}, {ID: alice.ID, Type: directory.MemberUser},
		{ID: sub.ID, Type: directory.MemberGroup},
	})
	noErr(t, "AddMembers", err)
	if added != 2 {
		t.Fatalf("AddMembers added %d; want 2 (duplicates in one call count once)", added)
	}
	afterAdd := groupVersion(t, s, org.ID, g.ID)
	if afterAdd != 2 {
		t.Fatalf("group version after adding = %d; want 2", afterAdd)
	}

	added, err = s.AddMembers(ctx(t), org.ID, g.ID, []directory.Member{{ID: alice.ID, Type: directory.MemberUser}})
	noErr(t, "AddMembers again", err)
	if added != 0 || groupVersion(t, s, org.ID, g.ID) != afterAdd {
		t.Fatalf("re-adding a member added %d and changed the version; want a no-op", added)
	}

	_, err = s.AddMembers(ctx(t), org.ID, g.ID, []directory.Member{
		{ID: bob.ID, Type: directory.MemberUser}, {ID: "missing", Type: directory.MemberUser},
	})
	wantErr(t, "add an unknown member", err, directory.ErrNotFound)
	_, err = s.AddMembers(ctx(t), org.ID, g.ID, []directory.Member{{ID: bob.ID, Type: "Robot"}})
	wantErr(t, "add an unknown member type", err, directory.ErrInvalid)
	_, err = s.AddMembers(ctx(t), org.ID, "missing", []directory.Member{{ID: bob.ID, Type: directory.MemberUser}})
	wantErr(t, "add to an unknown group", err, directory.ErrNotFound)
	_, err = s.AddMembers(ctx(t), org.ID, g.ID, []directory.Member{{ID: bob.ID, Type: directory.MemberUser}, {ID: g.ID, Type: directory.MemberGroup}})
	wantErr(t, "add a group to itself", err, directory.ErrInvalid)
	if n := memberCount(t, s, org.ID, g.ID); n != 2 {
		t.Fatalf("members = %d after refused additions; want 2 (bob must not be half-added)", n)
	}

	counts, err := s.MemberCounts(ctx(t), org.ID, []string{g.ID, sub.ID, g.ID})
	noErr(t, "MemberCounts", err)
	if len(counts) != 1 || counts[g.ID] != 2 {
		t.Fatalf("MemberCounts = %v; want only %s with 2", counts, g.ID)
	}
	other := mustOrg(t, s, "other")
	counts, err = s.MemberCounts(ctx(t), other.ID, []string{g.ID})
	noErr(t, "MemberCounts across organizations", err)
	if len(counts) != 0 {
		t.Fatalf("MemberCounts from another organization = %v; want none", counts)
	}

	members, err := s.ListMembers(ctx(t), org.ID, g.ID, directory.MemberQuery{Limit: 1})
	noErr(t, "ListMembers", err)
	if len(members) != 1 {
		t.Fatalf("ListMembers(limit 1) = %d members", len(members))
	}
	rest, err := s.ListMembers(ctx(t), org.ID, g.ID, directory.MemberQuery{After: members[0].ID})
	noErr(t, "ListMembers page 2", err)
	if len(rest) != 1 || rest[0].ID == members[0].ID {
		t.Fatalf("second page = %+v", rest)
	}

	removed, err := s.RemoveMembers(ctx(t), org.ID, g.ID, []string{alice.ID, "never-a-member"})
	noErr(t, "RemoveMembers", err)
	if removed != 1 || memberCount(t, s, org.ID, g.ID) != 1 {
		t.Fatalf("RemoveMembers removed %d; want 1, leaving the subgroup", removed)
	}
	removed, err = s.RemoveMembers(ctx(t), org.ID, g.ID, []string{alice.ID})
	noErr(t, "RemoveMembers again", err)
	if removed != 0 {
		t.Fatalf("removing an absent member removed %d; want 0", removed)
	}

	noErr(t, "DeleteGroup(subgroup)", s.DeleteGroup(ctx(t), org.ID, sub.ID))
	if n := memberCount(t, s, org.ID, g.ID); n != 0 {
		t.Fatalf("a deleted group is still a member (%d members left)", n)
	}
}

// testGroupMembersConcurrent: parallel additions to one group lose nobody,
// and parallel additions of the same member leave one row.
func testGroupMembersConcurrent(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	g := mustGroup(t, s, org.ID, "Crowd")
	const n = 30
	people := make([]directory.Account, n)
	for i := range people {
		people[i] = mustAccount(t, s, org.ID, name("p", i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := s.AddMembers(ctx(t), org.ID, g.ID, []directory.Member{{ID: people[i].ID, Type: directory.MemberUser}})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := s.AddMembers(ctx(t), org.ID, g.ID, []directory.Member{{ID: people[0].ID, Type: directory.MemberUser}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		noErr(t, "concurrent AddMembers", err)
	}
	if got := memberCount(t, s, org.ID, g.ID); got != n {
		t.Fatalf("members after %d concurrent additions = %d; want %d", n, got, n)
	}
}

func memberCount(t *testing.T, s directory.Store, orgID, groupID string) int64 {
	t.Helper()
	n, err := s.CountMembers(ctx(t), orgID, groupID)
	noErr(t, "CountMembers", err)
	return n
}

func groupVersion(t *testing.T, s directory.Store, orgID, groupID string) int64 {
	t.Helper()
	g, err := s.Group(ctx(t), orgID, groupID)
	noErr(t, "Group", err)
	return g.Version
}

// testMembershipDeleteRace: adding a member while it is being deleted
// never leaves a membership pointing at nothing.
func testMembershipDeleteRace(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	g := mustGroup(t, s, org.ID, "Racing")
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		a := mustAccount(t, s, org.ID, name("racer", i))
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := s.AddMembers(ctx(t), org.ID, g.ID, []directory.Member{{ID: a.ID, Type: directory.MemberUser}})
			if err != nil && !isNotFound(err) {
				t.Errorf("AddMembers racing a delete: %v", err)
			}
		}()
		go func() {
			defer wg.Done()
			if err := s.DeleteAccount(ctx(t), org.ID, a.ID); err != nil {
				t.Errorf("DeleteAccount racing an add: %v", err)
			}
		}()
	}
	wg.Wait()
	members, err := s.ListMembers(ctx(t), org.ID, g.ID, directory.MemberQuery{})
	noErr(t, "ListMembers", err)
	for _, m := range members {
		if _, err := s.Account(ctx(t), org.ID, m.ID); err != nil {
			t.Fatalf("member %s outlived its account: %v", m.ID, err)
		}
	}
}

func isNotFound(err error) bool { return errors.Is(err, directory.ErrNotFound) }
