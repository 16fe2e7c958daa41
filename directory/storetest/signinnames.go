package storetest

import (
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

// testAccountSignInNames: the name a person chose while claiming is
// stored beside the IdP's userName, found case-insensitively, unique per
// organization, and "" (none) is shared by everyone and never found.
func testAccountSignInNames(t *testing.T, s directory.Store) {
	acme := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	sam := mustAccount(t, s, acme.ID, "E-1042")
	mustAccount(t, s, acme.ID, "E-1043") // a second account without a sign-in name: "" is no conflict

	sam.SignInName = "Sam.Field"
	noErr(t, "UpdateAccount(sign-in name)", s.UpdateAccount(ctx(t), &sam))
	got, err := s.Account(ctx(t), acme.ID, sam.ID)
	noErr(t, "Account", err)
	if got.SignInName != "Sam.Field" || got.UserName != "E-1042" {
		t.Fatalf("read back sign-in name %q, userName %q; want Sam.Field, E-1042", got.SignInName, got.UserName)
	}

	for _, tc := range []struct {
		name  string
		found bool
	}{
		{"Sam.Field", true},
		{"sam.field", true},
		{"SAM.FIELD", true},
		{"sam", false},
		{"E-1042", false},  // a userName is not a sign-in name
		{"", false},        // every account without one has ""
		{"sam\xff", false}, // not text: found nowhere, refused by no backend
		{"sam\x00.field", false},
	} {
		a, err := s.AccountBySignInName(ctx(t), acme.ID, tc.name)
		switch {
		case tc.found && (err != nil || a.ID != sam.ID):
			t.Errorf("AccountBySignInName(%q) = %q, %v; want %q", tc.name, a.ID, err, sam.ID)
		case !tc.found:
			wantErr(t, "AccountBySignInName("+tc.name+")", err, directory.ErrNotFound)
		}
	}

	checkSignInNameTaken(t, s, acme.ID, "SAM.field")

	// Another organization may use the same name, and does not see acme's.
	_, err = s.AccountBySignInName(ctx(t), other.ID, "sam.field")
	wantErr(t, "lookup in another org", err, directory.ErrNotFound)
	stranger := directory.Account{OrgID: other.ID, UserName: "E-1042", State: directory.StateNotInvited, SignInName: "sam.field"}
	noErr(t, "same sign-in name in another org", s.CreateAccount(ctx(t), &stranger))
	if a, err := s.AccountBySignInName(ctx(t), other.ID, "Sam.Field"); err != nil || a.ID != stranger.ID {
		t.Fatalf("lookup in the other org = %q, %v; want %q", a.ID, err, stranger.ID)
	}

	// Clearing a name frees it.
	sam.SignInName = ""
	noErr(t, "clear the sign-in name", s.UpdateAccount(ctx(t), &sam))
	_, err = s.AccountBySignInName(ctx(t), acme.ID, "sam.field")
	wantErr(t, "lookup of a cleared name", err, directory.ErrNotFound)
	reuse := directory.Account{OrgID: acme.ID, UserName: "E-2000", State: directory.StateNotInvited, SignInName: "sam.field"}
	noErr(t, "reuse a freed sign-in name", s.CreateAccount(ctx(t), &reuse))
}

// checkSignInNameTaken: creating or renaming onto a taken sign-in name
// (in any case) is ErrConflict and writes nothing, also inside InTx,
// which carries on.
func checkSignInNameTaken(t *testing.T, s directory.Store, orgID, taken string) {
	t.Helper()
	dup := directory.Account{OrgID: orgID, UserName: "E-3000", State: directory.StateNotInvited, SignInName: taken}
	wantErr(t, "create with a taken sign-in name", s.CreateAccount(ctx(t), &dup), directory.ErrConflict)
	_, err := s.AccountByUserName(ctx(t), orgID, "E-3000")
	wantErr(t, "account of the refused create", err, directory.ErrNotFound)

	rival, err := s.AccountByUserName(ctx(t), orgID, "E-1043")
	noErr(t, "AccountByUserName(E-1043)", err)
	err = s.InTx(ctx(t), func(tx directory.Store) error {
		renamed := rival
		renamed.SignInName = taken
		wantErr(t, "rename onto a taken sign-in name in tx", tx.UpdateAccount(ctx(t), &renamed), directory.ErrConflict)
		mustAccount(t, tx, orgID, "after-the-conflict")
		return nil
	})
	noErr(t, "InTx after a handled conflict", err)
	stored, err := s.Account(ctx(t), orgID, rival.ID)
	noErr(t, "Account", err)
	if stored.SignInName != "" || stored.Version != rival.Version {
		t.Fatalf("after the refused rename: %q v%d; want \"\" v%d", stored.SignInName, stored.Version, rival.Version)
	}
	_, err = s.AccountByUserName(ctx(t), orgID, "after-the-conflict")
	noErr(t, "account written after the conflict", err)
}
