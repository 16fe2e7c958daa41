package storetest

import (
	"reflect"
	"regexp"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

var urlSafeID = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

func testOrganizations(t *testing.T, s directory.Store) {
	acme := mustOrg(t, s, "acme")
	if !urlSafeID.MatchString(acme.ID) || acme.CreatedAt.IsZero() {
		t.Fatalf("created organization = %+v; want a URL-safe id and a creation time", acme)
	}
	mustOrg(t, s, "beta")

	dup := directory.Organization{Slug: "acme", Name: "Other"}
	wantErr(t, "duplicate slug", s.CreateOrganization(ctx(t), &dup), directory.ErrConflict)

	for _, bad := range []directory.Organization{
		{Slug: "", Name: "x"}, {Slug: "Upper", Name: "x"}, {Slug: "-dash", Name: "x"}, {Slug: "ok", Name: " "},
	} {
		wantErr(t, "invalid "+bad.Slug, s.CreateOrganization(ctx(t), &bad), directory.ErrInvalid)
	}

	bySlug, err := s.OrganizationBySlug(ctx(t), "acme")
	noErr(t, "OrganizationBySlug", err)
	byID, err := s.Organization(ctx(t), acme.ID)
	noErr(t, "Organization", err)
	// Organization holds a slice (Claim.EditableFields), so no ==.
	if !reflect.DeepEqual(bySlug, acme) || !reflect.DeepEqual(byID, acme) {
		t.Fatalf("lookups = %+v, %+v; want %+v", bySlug, byID, acme)
	}
	_, err = s.OrganizationBySlug(ctx(t), "nope")
	wantErr(t, "unknown slug", err, directory.ErrNotFound)

	list, err := s.ListOrganizations(ctx(t))
	noErr(t, "ListOrganizations", err)
	if len(list) != 2 || list[0].Slug != "acme" || list[1].Slug != "beta" {
		t.Fatalf("ListOrganizations = %+v; want acme, beta", list)
	}
}
