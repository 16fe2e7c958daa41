package storetest

import (
	"bytes"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// testClaimSettings: an organization's claim settings are stored with it,
// read by every organization read, and EditableFields keeps nil ("the
// defaults") apart from an empty list ("nothing editable").
func testClaimSettings(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	if !reflect.DeepEqual(org.Claim, directory.ClaimSettings{}) || org.Claim.EditableFields != nil {
		t.Fatalf("new organization's claim settings = %+v; want the zero value", org.Claim)
	}

	want := directory.ClaimSettings{TermsOptional: true, PictureRequired: true, GroupsRequired: true,
		EditableFields: []string{directory.FieldName, directory.FieldPhone}}
	org.Claim = want
	noErr(t, "UpdateOrganization", s.UpdateOrganization(ctx(t), &org))
	if !reflect.DeepEqual(org.Claim, want) {
		t.Fatalf("UpdateOrganization left claim = %+v; want %+v", org.Claim, want)
	}
	checkClaim := func(what string, want directory.ClaimSettings) {
		t.Helper()
		byID, err := s.Organization(ctx(t), org.ID)
		noErr(t, "Organization", err)
		bySlug, err := s.OrganizationBySlug(ctx(t), org.Slug)
		noErr(t, "OrganizationBySlug", err)
		list, err := s.ListOrganizations(ctx(t))
		noErr(t, "ListOrganizations", err)
		var listed directory.Organization
		for _, o := range list {
			if o.ID == org.ID {
				listed = o
			}
		}
		for _, got := range []directory.ClaimSettings{byID.Claim, bySlug.Claim, listed.Claim} {
			if !reflect.DeepEqual(got, want) || (got.EditableFields == nil) != (want.EditableFields == nil) {
				t.Fatalf("%s: claim read back = %#v; want %#v", what, got, want)
			}
		}
	}
	checkClaim("settings", want)

	org.Claim.EditableFields = []string{}
	noErr(t, "UpdateOrganization (nothing editable)", s.UpdateOrganization(ctx(t), &org))
	want.EditableFields = []string{}
	checkClaim("empty editable list", want)
	got, err := s.Organization(ctx(t), org.ID)
	noErr(t, "Organization", err)
	if got.Claim.Editable(directory.FieldPhone) {
		t.Fatal("an empty editable list read back as the defaults (phone editable)")
	}

	org.Claim = directory.ClaimSettings{ProfileRequired: true}
	noErr(t, "UpdateOrganization (defaults)", s.UpdateOrganization(ctx(t), &org))
	checkClaim("nil editable list", directory.ClaimSettings{ProfileRequired: true})
	got, err = s.Organization(ctx(t), org.ID)
	noErr(t, "Organization", err)
	if !got.Claim.Editable(directory.FieldPhone) || got.Claim.Editable(directory.FieldName) {
		t.Fatalf("nil editable list read back as %#v; want the defaults", got.Claim.EditableFields)
	}

	bad := got
	bad.Claim.EditableFields = []string{"salary"}
	wantErr(t, "an unknown editable field", s.UpdateOrganization(ctx(t), &bad), directory.ErrInvalid)

	otherGot, err := s.Organization(ctx(t), other.ID)
	noErr(t, "Organization (other)", err)
	if !reflect.DeepEqual(otherGot.Claim, directory.ClaimSettings{}) {
		t.Fatalf("other organization's claim = %+v; want untouched", otherGot.Claim)
	}

	created := directory.Organization{Slug: "born-strict", Name: "Strict",
		Claim: directory.ClaimSettings{PictureRequired: true, EditableFields: []string{}}}
	noErr(t, "CreateOrganization with claim settings", s.CreateOrganization(ctx(t), &created))
	got, err = s.Organization(ctx(t), created.ID)
	noErr(t, "Organization", err)
	if !got.Claim.PictureRequired || got.Claim.EditableFields == nil || len(got.Claim.EditableFields) != 0 {
		t.Fatalf("created with claim settings, read back %#v", got.Claim)
	}
}

// testTerms: versions count up per organization from 1, CurrentTerms is
// the newest, concurrent publishes get distinct versions, and accepting
// is idempotent and refuses unknown versions.
func testTerms(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	a := mustAccount(t, s, org.ID, "ada")

	_, err := s.CurrentTerms(ctx(t), org.ID)
	wantErr(t, "CurrentTerms before any", err, directory.ErrNotFound)
	wantErr(t, "accepting terms before any", s.AcceptTerms(ctx(t),
		directory.TermsAcceptance{OrgID: org.ID, AccountID: a.ID, Version: 1}), directory.ErrNotFound)

	publish := func(s directory.Store, orgID, text string) directory.Terms {
		t.Helper()
		terms := directory.Terms{OrgID: orgID, Text: text}
		noErr(t, "PublishTerms", s.PublishTerms(ctx(t), &terms))
		if terms.CreatedAt.IsZero() {
			t.Fatalf("PublishTerms left CreatedAt zero: %+v", terms)
		}
		return terms
	}
	v1 := publish(s, org.ID, "Be nice.")
	v2 := publish(s, org.ID, "Be nicer.")
	if v1.Version != 1 || v2.Version != 2 {
		t.Fatalf("versions = %d, %d; want 1, 2", v1.Version, v2.Version)
	}
	if o1 := publish(s, other.ID, "Other rules."); o1.Version != 1 {
		t.Fatalf("other organization's first version = %d; want 1", o1.Version)
	}
	cur, err := s.CurrentTerms(ctx(t), org.ID)
	noErr(t, "CurrentTerms", err)
	if cur.Version != 2 || cur.Text != "Be nicer." || cur.OrgID != org.ID || !cur.CreatedAt.Equal(v2.CreatedAt) {
		t.Fatalf("CurrentTerms = %+v; want %+v", cur, v2)
	}
	wantErr(t, "empty terms", s.PublishTerms(ctx(t), &directory.Terms{OrgID: org.ID, Text: "  "}), directory.ErrInvalid)
	wantErr(t, "terms of no organization", s.PublishTerms(ctx(t), &directory.Terms{Text: "x"}), directory.ErrInvalid)
	wantErr(t, "terms of a missing organization",
		s.PublishTerms(ctx(t), &directory.Terms{OrgID: "00000000-0000-0000-0000-000000000000", Text: "x"}), directory.ErrNotFound)

	// Concurrent publishes never share a version.
	const racers = 6
	versions := make([]int, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			terms := directory.Terms{OrgID: org.ID, Text: fmt.Sprintf("race %d", i)}
			errs[i] = s.PublishTerms(ctx(t), &terms)
			versions[i] = terms.Version
		})
	}
	wg.Wait()
	for i, err := range errs {
		noErr(t, fmt.Sprintf("concurrent PublishTerms %d", i), err)
	}
	sort.Ints(versions)
	if want := []int{3, 4, 5, 6, 7, 8}; !slices.Equal(versions, want) {
		t.Fatalf("concurrent versions = %v; want %v", versions, want)
	}
	err = s.InTx(ctx(t), func(tx directory.Store) error {
		if v := publish(tx, org.ID, "in a transaction"); v.Version != 9 {
			t.Errorf("version published in InTx = %d; want 9", v.Version)
		}
		return nil
	})
	noErr(t, "InTx PublishTerms", err)
	if cur, err := s.CurrentTerms(ctx(t), org.ID); err != nil || cur.Version != 9 {
		t.Fatalf("CurrentTerms after InTx = %+v, %v; want version 9", cur, err)
	}

	// Accepting.
	t1 := time.Date(2026, 12, 1, 9, 0, 0, 123456000, time.UTC)
	accept := func(version int, at time.Time) error {
		return s.AcceptTerms(ctx(t), directory.TermsAcceptance{OrgID: org.ID, AccountID: a.ID, Version: version, AcceptedAt: at})
	}
	noErr(t, "AcceptTerms v1", accept(1, t1))
	noErr(t, "AcceptTerms v1 again", accept(1, t1.Add(time.Hour)))
	noErr(t, "AcceptTerms v2", accept(2, t1.Add(2*time.Hour)))
	got, err := s.TermsAcceptances(ctx(t), org.ID, a.ID)
	noErr(t, "TermsAcceptances", err)
	want := []directory.TermsAcceptance{
		{OrgID: org.ID, AccountID: a.ID, Version: 1, AcceptedAt: t1},
		{OrgID: org.ID, AccountID: a.ID, Version: 2, AcceptedAt: t1.Add(2 * time.Hour)},
	}
	if len(got) != len(want) {
		t.Fatalf("acceptances = %+v; want %+v", got, want)
	}
	for i := range want {
		if got[i].OrgID != want[i].OrgID || got[i].AccountID != want[i].AccountID ||
			got[i].Version != want[i].Version || !got[i].AcceptedAt.Equal(want[i].AcceptedAt) {
			t.Fatalf("acceptance %d = %+v; want %+v (the first time kept)", i, got[i], want[i])
		}
	}
	wantErr(t, "accepting an unknown version", accept(99, t1), directory.ErrNotFound)
	wantErr(t, "accepting version 0", accept(0, t1), directory.ErrNotFound)
	wantErr(t, "accepting for a missing account", s.AcceptTerms(ctx(t),
		directory.TermsAcceptance{OrgID: org.ID, AccountID: "no-such-account", Version: 1, AcceptedAt: t1}), directory.ErrNotFound)
	// other has only version 1: an acceptance names its own organization's versions.
	b := mustAccount(t, s, other.ID, "bob")
	wantErr(t, "accepting a version only another organization has", s.AcceptTerms(ctx(t),
		directory.TermsAcceptance{OrgID: other.ID, AccountID: b.ID, Version: 2, AcceptedAt: t1}), directory.ErrNotFound)
	if got, err := s.TermsAcceptances(ctx(t), other.ID, b.ID); err != nil || len(got) != 0 {
		t.Fatalf("bob's acceptances = %+v, %v; want none", got, err)
	}
	noErr(t, "AcceptTerms without a time", s.AcceptTerms(ctx(t), directory.TermsAcceptance{OrgID: other.ID, AccountID: b.ID, Version: 1}))
	if got, err := s.TermsAcceptances(ctx(t), other.ID, b.ID); err != nil || len(got) != 1 || got[0].AcceptedAt.IsZero() {
		t.Fatalf("bob's acceptances = %+v, %v; want one with a time", got, err)
	}

	// An unknown version inside a transaction is an error the caller can
	// handle and carry on.
	err = s.InTx(ctx(t), func(tx directory.Store) error {
		err := tx.AcceptTerms(ctx(t), directory.TermsAcceptance{OrgID: org.ID, AccountID: a.ID, Version: 42, AcceptedAt: t1})
		wantErr(t, "unknown version in InTx", err, directory.ErrNotFound)
		return tx.AcceptTerms(ctx(t), directory.TermsAcceptance{OrgID: org.ID, AccountID: a.ID, Version: 3, AcceptedAt: t1.Add(3 * time.Hour)})
	})
	noErr(t, "InTx after an unknown version", err)
	if got, _ := s.TermsAcceptances(ctx(t), org.ID, a.ID); len(got) != 3 || got[2].Version != 3 {
		t.Fatalf("acceptances after InTx = %+v; want versions 1, 2, 3", got)
	}
}

func testPasswords(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	a := mustAccount(t, s, org.ID, "ada")
	b := mustAccount(t, s, org.ID, "bob")
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

	_, err := s.PasswordHash(ctx(t), org.ID, a.ID)
	wantErr(t, "PasswordHash before any", err, directory.ErrNotFound)
	noErr(t, "SetPassword", s.SetPassword(ctx(t), org.ID, a.ID, "$argon2id$first", t0))
	noErr(t, "SetPassword again", s.SetPassword(ctx(t), org.ID, a.ID, "$argon2id$second", t0.Add(time.Hour)))
	hash, err := s.PasswordHash(ctx(t), org.ID, a.ID)
	noErr(t, "PasswordHash", err)
	if hash != "$argon2id$second" {
		t.Fatalf("PasswordHash = %q; want the replacement", hash)
	}
	_, err = s.PasswordHash(ctx(t), org.ID, b.ID)
	wantErr(t, "PasswordHash of an account without one", err, directory.ErrNotFound)
	_, err = s.PasswordHash(ctx(t), other.ID, a.ID)
	wantErr(t, "PasswordHash through another organization", err, directory.ErrNotFound)

	wantErr(t, "SetPassword for a missing account", s.SetPassword(ctx(t), org.ID, "no-such-account", "h", t0), directory.ErrNotFound)
	wantErr(t, "SetPassword through another organization", s.SetPassword(ctx(t), other.ID, a.ID, "h", t0), directory.ErrNotFound)
	wantErr(t, "SetPassword without a hash", s.SetPassword(ctx(t), org.ID, b.ID, "", t0), directory.ErrInvalid)

	err = s.InTx(ctx(t), func(tx directory.Store) error {
		wantErr(t, "missing account in InTx", tx.SetPassword(ctx(t), org.ID, "no-such-account", "h", t0), directory.ErrNotFound)
		return tx.SetPassword(ctx(t), org.ID, b.ID, "$argon2id$bob", t0)
	})
	noErr(t, "InTx SetPassword", err)
	if hash, err := s.PasswordHash(ctx(t), org.ID, b.ID); err != nil || hash != "$argon2id$bob" {
		t.Fatalf("bob's hash = %q, %v", hash, err)
	}
}

func testPictures(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	a := mustAccount(t, s, org.ID, "ada")
	b := mustAccount(t, s, org.ID, "bob")
	data := []byte{0x89, 'P', 'N', 'G', 0, 0xff, 0x00, 0x7f, '\\', '\''}

	_, err := s.Picture(ctx(t), "pic-1")
	wantErr(t, "Picture before any", err, directory.ErrNotFound)
	p1 := directory.Picture{ID: "pic-1", OrgID: org.ID, AccountID: a.ID, ContentType: "image/png", Data: data, Width: 256, Height: 128}
	noErr(t, "PutPicture", s.PutPicture(ctx(t), &p1))
	if p1.CreatedAt.IsZero() {
		t.Fatal("PutPicture left CreatedAt zero")
	}
	got, err := s.Picture(ctx(t), "pic-1")
	noErr(t, "Picture", err)
	if got.ID != "pic-1" || got.OrgID != org.ID || got.AccountID != a.ID || got.ContentType != "image/png" ||
		!bytes.Equal(got.Data, data) || got.Width != 256 || got.Height != 128 || !got.CreatedAt.Equal(p1.CreatedAt) {
		t.Fatalf("Picture = %+v; want %+v", got, p1)
	}

	at := time.Date(2026, 12, 1, 9, 0, 0, 654321000, time.UTC)
	p2 := directory.Picture{ID: "pic-2", OrgID: org.ID, AccountID: a.ID, ContentType: "image/webp", Data: []byte("webp"),
		Width: 64, Height: 64, CreatedAt: at}
	noErr(t, "PutPicture (replace)", s.PutPicture(ctx(t), &p2))
	_, err = s.Picture(ctx(t), "pic-1")
	wantErr(t, "the replaced picture", err, directory.ErrNotFound)
	got, err = s.Picture(ctx(t), "pic-2")
	noErr(t, "Picture (new)", err)
	if got.ContentType != "image/webp" || string(got.Data) != "webp" || !got.CreatedAt.Equal(at) || got.AccountID != a.ID {
		t.Fatalf("replacement = %+v", got)
	}

	// Account.PictureID is an ordinary account field.
	a.PictureID = "pic-2"
	noErr(t, "UpdateAccount with a picture", s.UpdateAccount(ctx(t), &a))
	if a.PictureID != "pic-2" {
		t.Fatalf("UpdateAccount left PictureID = %q", a.PictureID)
	}
	stored, err := s.Account(ctx(t), org.ID, a.ID)
	noErr(t, "Account", err)
	if stored.PictureID != "pic-2" {
		t.Fatalf("PictureID read back = %q; want pic-2", stored.PictureID)
	}
	listed, err := s.ListAccounts(ctx(t), org.ID, directory.AccountQuery{})
	noErr(t, "ListAccounts", err)
	page, err := s.FindAccounts(ctx(t), org.ID, directory.ListQuery{Limit: 10})
	noErr(t, "FindAccounts", err)
	for _, list := range [][]directory.Account{listed, page.Accounts} {
		for _, acc := range list {
			if want := map[string]string{a.ID: "pic-2", b.ID: ""}[acc.ID]; acc.PictureID != want {
				t.Fatalf("listed %s PictureID = %q; want %q", acc.UserName, acc.PictureID, want)
			}
		}
	}
	withPic := directory.Account{OrgID: org.ID, UserName: "cy", Active: true, State: directory.StateNotInvited, PictureID: "pic-9"}
	noErr(t, "CreateAccount with a picture id", s.CreateAccount(ctx(t), &withPic))
	if got, _ := s.Account(ctx(t), org.ID, withPic.ID); got.PictureID != "pic-9" {
		t.Fatalf("created PictureID read back = %q", got.PictureID)
	}

	for name, bad := range map[string]directory.Picture{
		"no id":           {OrgID: org.ID, AccountID: b.ID, ContentType: "image/png", Data: data},
		"no organization": {ID: "x", AccountID: b.ID, ContentType: "image/png", Data: data},
		"no account":      {ID: "x", OrgID: org.ID, ContentType: "image/png", Data: data},
		"no content type": {ID: "x", OrgID: org.ID, AccountID: b.ID, Data: data},
		"no data":         {ID: "x", OrgID: org.ID, AccountID: b.ID, ContentType: "image/png"},
		"over 2 MiB":      {ID: "x", OrgID: org.ID, AccountID: b.ID, ContentType: "image/png", Data: make([]byte, 2<<20+1)},
	} {
		wantErr(t, "PutPicture with "+name, s.PutPicture(ctx(t), &bad), directory.ErrInvalid)
	}
	missing := directory.Picture{ID: "x", OrgID: org.ID, AccountID: "no-such-account", ContentType: "image/png", Data: data}
	wantErr(t, "PutPicture for a missing account", s.PutPicture(ctx(t), &missing), directory.ErrNotFound)
	stolen := directory.Picture{ID: "pic-2", OrgID: org.ID, AccountID: b.ID, ContentType: "image/png", Data: data}
	wantErr(t, "PutPicture with another account's picture id", s.PutPicture(ctx(t), &stolen), directory.ErrConflict)
	if got, err := s.Picture(ctx(t), "pic-2"); err != nil || got.AccountID != a.ID {
		t.Fatalf("pic-2 after a refused reuse = %+v, %v; want ada's", got, err)
	}

	// The documented use: picture and account change in one transaction.
	err = s.InTx(ctx(t), func(tx directory.Store) error {
		p := directory.Picture{ID: "pic-b", OrgID: org.ID, AccountID: b.ID, ContentType: "image/png", Data: data, Width: 1, Height: 1}
		if err := tx.PutPicture(ctx(t), &p); err != nil {
			return err
		}
		b.PictureID = p.ID
		return tx.UpdateAccount(ctx(t), &b)
	})
	noErr(t, "InTx PutPicture + UpdateAccount", err)
	if got, err := s.Picture(ctx(t), "pic-b"); err != nil || got.AccountID != b.ID {
		t.Fatalf("pic-b = %+v, %v", got, err)
	}
}

// testFirstAccessCascade: deleting an account deletes its password,
// picture, acceptances and sessions.
func testFirstAccessCascade(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	a := mustAccount(t, s, org.ID, "ada")
	keep := mustAccount(t, s, org.ID, "bob")
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	terms := directory.Terms{OrgID: org.ID, Text: "Rules."}
	noErr(t, "PublishTerms", s.PublishTerms(ctx(t), &terms))
	for _, acc := range []directory.Account{a, keep} {
		noErr(t, "AcceptTerms", s.AcceptTerms(ctx(t), directory.TermsAcceptance{OrgID: org.ID, AccountID: acc.ID, Version: 1, AcceptedAt: t0}))
		noErr(t, "SetPassword", s.SetPassword(ctx(t), org.ID, acc.ID, "hash-"+acc.UserName, t0))
		p := directory.Picture{ID: "pic-" + acc.UserName, OrgID: org.ID, AccountID: acc.ID, ContentType: "image/png", Data: []byte("x")}
		noErr(t, "PutPicture", s.PutPicture(ctx(t), &p))
		sess := directory.Session{Hash: "sess-" + acc.UserName, OrgID: org.ID, AccountID: acc.ID, Method: "link",
			Purpose: directory.PurposeClaim, Steps: []string{"terms"}, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}
		noErr(t, "CreateSession", s.CreateSession(ctx(t), &sess))
	}

	noErr(t, "DeleteAccount", s.DeleteAccount(ctx(t), org.ID, a.ID))
	_, err := s.PasswordHash(ctx(t), org.ID, a.ID)
	wantErr(t, "password of a deleted account", err, directory.ErrNotFound)
	_, err = s.Picture(ctx(t), "pic-ada")
	wantErr(t, "picture of a deleted account", err, directory.ErrNotFound)
	_, err = s.SessionByHash(ctx(t), "sess-ada")
	wantErr(t, "session of a deleted account", err, directory.ErrNotFound)
	if got, err := s.TermsAcceptances(ctx(t), org.ID, a.ID); err != nil || len(got) != 0 {
		t.Fatalf("acceptances of a deleted account = %+v, %v; want none", got, err)
	}

	if hash, err := s.PasswordHash(ctx(t), org.ID, keep.ID); err != nil || hash != "hash-bob" {
		t.Fatalf("bob's password = %q, %v", hash, err)
	}
	if _, err := s.Picture(ctx(t), "pic-bob"); err != nil {
		t.Fatalf("bob's picture: %v", err)
	}
	if got, err := s.TermsAcceptances(ctx(t), org.ID, keep.ID); err != nil || len(got) != 1 {
		t.Fatalf("bob's acceptances = %+v, %v", got, err)
	}
	if _, err := s.SessionByHash(ctx(t), "sess-bob"); err != nil {
		t.Fatalf("bob's session: %v", err)
	}
}

// testGroupFlags: only SetGroupFlags changes the flags; SCIM writes keep
// them; default and open groups list by folded name and search matches
// LIKE metacharacters literally.
func testGroupFlags(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	g := mustGroup(t, s, org.ID, "Sales")
	if g.Flags != (directory.GroupFlags{}) {
		t.Fatalf("new group flags = %+v; want none", g.Flags)
	}
	noErr(t, "SetGroupFlags", s.SetGroupFlags(ctx(t), org.ID, g.ID, directory.GroupFlags{Default: true, Open: true}))
	got, err := s.Group(ctx(t), org.ID, g.ID)
	noErr(t, "Group", err)
	if got.Flags != (directory.GroupFlags{Default: true, Open: true}) {
		t.Fatalf("flags read back = %+v", got.Flags)
	}
	if got.Version != g.Version || !got.UpdatedAt.Equal(g.UpdatedAt) {
		t.Fatalf("SetGroupFlags moved version/updatedAt: %d %v -> %d %v", g.Version, g.UpdatedAt, got.Version, got.UpdatedAt)
	}

	// A SCIM replace knows nothing of the flags.
	scim := got
	scim.Flags = directory.GroupFlags{}
	scim.DisplayName = "Sales EMEA"
	noErr(t, "UpdateGroup", s.UpdateGroup(ctx(t), &scim))
	if scim.Flags != (directory.GroupFlags{Default: true, Open: true}) {
		t.Fatalf("UpdateGroup returned flags %+v; want the stored ones", scim.Flags)
	}
	got, err = s.Group(ctx(t), org.ID, g.ID)
	noErr(t, "Group", err)
	if got.Flags != (directory.GroupFlags{Default: true, Open: true}) || got.DisplayName != "Sales EMEA" {
		t.Fatalf("after UpdateGroup: %+v", got)
	}
	_, err = s.AddMembers(ctx(t), org.ID, g.ID, []directory.Member{{ID: mustAccount(t, s, org.ID, "ada").ID, Type: directory.MemberUser}})
	noErr(t, "AddMembers", err)
	if got, _ := s.Group(ctx(t), org.ID, g.ID); got.Flags != (directory.GroupFlags{Default: true, Open: true}) {
		t.Fatalf("flags after AddMembers = %+v", got.Flags)
	}
	flagged := directory.Group{OrgID: org.ID, DisplayName: "Sneaky", Flags: directory.GroupFlags{Default: true, Open: true}}
	noErr(t, "CreateGroup with flags", s.CreateGroup(ctx(t), &flagged))
	if got, _ := s.Group(ctx(t), org.ID, flagged.ID); got.Flags != (directory.GroupFlags{}) || flagged.Flags != got.Flags {
		t.Fatalf("CreateGroup stored flags %+v (returned %+v); want none", got.Flags, flagged.Flags)
	}
	list, err := s.ListGroups(ctx(t), org.ID, 10, "")
	noErr(t, "ListGroups", err)
	page, err := s.FindGroups(ctx(t), org.ID, directory.ListQuery{Limit: 10})
	noErr(t, "FindGroups", err)
	for _, groups := range [][]directory.Group{list, page.Groups} {
		for _, lg := range groups {
			if want := lg.ID == g.ID; lg.Flags.Default != want || lg.Flags.Open != want {
				t.Fatalf("listed %s flags = %+v", lg.DisplayName, lg.Flags)
			}
		}
	}

	wantErr(t, "SetGroupFlags of a missing group", s.SetGroupFlags(ctx(t), org.ID, "no-such-group", directory.GroupFlags{Open: true}), directory.ErrNotFound)
	wantErr(t, "SetGroupFlags through another organization", s.SetGroupFlags(ctx(t), other.ID, g.ID, directory.GroupFlags{Open: true}), directory.ErrNotFound)
	noErr(t, "SetGroupFlags off", s.SetGroupFlags(ctx(t), org.ID, g.ID, directory.GroupFlags{}))
	if got, _ := s.Group(ctx(t), org.ID, g.ID); got.Flags != (directory.GroupFlags{}) {
		t.Fatalf("flags after clearing = %+v", got.Flags)
	}
}

func testClaimGroupLists(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	flags := map[string]directory.GroupFlags{
		"Zeta":        {Default: true},
		"alpha":       {Default: true, Open: true},
		"Beta":        {Default: true},
		"50% Club":    {Open: true},
		"500 Club":    {Open: true},
		"a_b team":    {Open: true},
		"axb team":    {Open: true},
		`back\slash`:  {Open: true},
		"Hidden 50%":  {},
		"Hidden club": {},
	}
	for _, name := range slices.Sorted(maps.Keys(flags)) {
		g := mustGroup(t, s, org.ID, name)
		if flags[name] != (directory.GroupFlags{}) {
			noErr(t, "SetGroupFlags "+name, s.SetGroupFlags(ctx(t), org.ID, g.ID, flags[name]))
		}
	}
	og := mustGroup(t, s, other.ID, "Other club")
	noErr(t, "SetGroupFlags (other)", s.SetGroupFlags(ctx(t), other.ID, og.ID, directory.GroupFlags{Default: true, Open: true}))

	defaults, err := s.DefaultGroups(ctx(t), org.ID)
	noErr(t, "DefaultGroups", err)
	sameOrder(t, "DefaultGroups", groupNames(defaults), []string{"alpha", "Beta", "Zeta"})
	if none, err := s.DefaultGroups(ctx(t), "no-such-org"); err != nil || len(none) != 0 {
		t.Fatalf("DefaultGroups of no organization = %v, %v", none, err)
	}

	search := func(text string, limit int) []string {
		t.Helper()
		groups, err := s.SearchOpenGroups(ctx(t), org.ID, text, limit)
		noErr(t, fmt.Sprintf("SearchOpenGroups(%q)", text), err)
		for _, g := range groups {
			if g.OrgID != org.ID || g.Flags == (directory.GroupFlags{}) {
				t.Fatalf("SearchOpenGroups(%q) returned %+v", text, g)
			}
		}
		return groupNames(groups)
	}
	all := []string{"50% Club", "500 Club", "a_b team", "alpha", "axb team", `back\slash`, "Beta", "Zeta"}
	sameOrder(t, `search ""`, search("", 0), all)
	sameOrder(t, "search with limit 2", search("", 2), all[:2])
	sameOrder(t, `search "50%"`, search("50%", 10), []string{"50% Club"})
	sameOrder(t, `search "%"`, search("%", 10), []string{"50% Club"})
	sameOrder(t, `search "a_b"`, search("a_b", 10), []string{"a_b team"})
	sameOrder(t, `search "_"`, search("_", 10), []string{"a_b team"})
	sameOrder(t, `search "\"`, search(`\`, 10), []string{`back\slash`})
	sameOrder(t, `search "CLUB"`, search("CLUB", 10), []string{"50% Club", "500 Club"})
	sameOrder(t, `search "hidden"`, search("hidden", 10), nil)
	sameOrder(t, `search "eta"`, search("eta", 10), []string{"Beta", "Zeta"})
	if got := search("", directory.MaxPageSize+1); len(got) != len(all) {
		t.Fatalf("search with a huge limit = %v", got)
	}
	_, err = s.SearchOpenGroups(ctx(t), org.ID, strings.Repeat("x", directory.MaxTextLength+1), 10)
	wantErr(t, "an overlong search", err, directory.ErrInvalid)
}

// testSessionClaimFields: sessions keep their purpose, the invite
// generation they began under and the steps done.
func testSessionClaimFields(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	a := mustAccount(t, s, org.ID, "ada")
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	claim := directory.Session{Hash: "claim", OrgID: org.ID, AccountID: a.ID, Method: "link", CreatedAt: t0, LastSeenAt: t0,
		ExpiresAt: t0.Add(time.Hour), Purpose: directory.PurposeClaim, InviteGeneration: 3, Steps: []string{"terms"}}
	noErr(t, "CreateSession (claim)", s.CreateSession(ctx(t), &claim))
	got, err := s.SessionByHash(ctx(t), "claim")
	noErr(t, "SessionByHash", err)
	if got.Purpose != directory.PurposeClaim || got.InviteGeneration != 3 || !slices.Equal(got.Steps, []string{"terms"}) {
		t.Fatalf("claim session = %+v", got)
	}

	plain := directory.Session{Hash: "plain", OrgID: org.ID, AccountID: a.ID, Method: "sso", CreatedAt: t0, LastSeenAt: t0,
		ExpiresAt: t0.Add(time.Hour)}
	noErr(t, "CreateSession (sign-in)", s.CreateSession(ctx(t), &plain))
	got, err = s.SessionByHash(ctx(t), "plain")
	noErr(t, "SessionByHash", err)
	if got.Purpose != directory.PurposeSignIn || got.InviteGeneration != 0 || len(got.Steps) != 0 {
		t.Fatalf("sign-in session = %+v; want purpose signin, no steps", got)
	}
	bad := plain
	bad.Hash, bad.Purpose = "bad", "sudo"
	wantErr(t, "an unknown purpose", s.CreateSession(ctx(t), &bad), directory.ErrInvalid)

	noErr(t, "SaveSessionSteps", s.SaveSessionSteps(ctx(t), "claim", []string{"terms", "password", "picture"}))
	got, err = s.SessionByHash(ctx(t), "claim")
	noErr(t, "SessionByHash", err)
	if !slices.Equal(got.Steps, []string{"terms", "password", "picture"}) || got.Purpose != directory.PurposeClaim {
		t.Fatalf("steps after save = %+v", got)
	}
	noErr(t, "SaveSessionSteps (none)", s.SaveSessionSteps(ctx(t), "claim", nil))
	if got, _ := s.SessionByHash(ctx(t), "claim"); len(got.Steps) != 0 {
		t.Fatalf("steps after clearing = %v", got.Steps)
	}
	if got, _ := s.SessionByHash(ctx(t), "plain"); len(got.Steps) != 0 {
		t.Fatalf("another session's steps = %v", got.Steps)
	}
	wantErr(t, "SaveSessionSteps of a missing session", s.SaveSessionSteps(ctx(t), "nope", []string{"terms"}), directory.ErrNotFound)
}
