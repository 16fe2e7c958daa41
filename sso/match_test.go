package sso

import (
	"errors"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestMatchAccount(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		store := openStore(t, b, b.url(t))
		org := directory.Organization{Slug: "acme", Name: "Acme"}
		other := directory.Organization{Slug: "other", Name: "Other"}
		for _, o := range []*directory.Organization{&org, &other} {
			if err := store.CreateOrganization(t.Context(), o); err != nil {
				t.Fatal(err)
			}
		}
		mk := func(o directory.Organization, userName string, active bool, emails ...directory.Email) directory.Account {
			a := directory.Account{OrgID: o.ID, UserName: userName, Active: active, State: directory.StateInvited, Emails: emails}
			if err := store.CreateAccount(t.Context(), &a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		work := func(v string, primary bool) directory.Email {
			return directory.Email{Type: "work", Value: v, Primary: primary}
		}
		alice := mk(org, "asmith", true, work("Alice@Example.com", true))
		_ = mk(org, "eve", true, work("eve@example.com", true), directory.Email{Type: "other", Value: "alice@example.com"})
		bob := mk(org, "Bob@Example.com", true)
		carol := mk(org, "carol", true, directory.Email{Type: "home", Value: "carol@home.example"}, work("carol@example.com", true))
		_ = mk(org, "dave@example.com", false)
		_ = mk(org, "frank@example.com", true)
		_ = mk(org, "frank2", true, work("FRANK@example.com", true))
		_ = mk(other, "zoe@example.com", true)

		for _, tc := range []struct {
			name string
			id   Identity
			want string
			err  error
		}{
			{"primary email, other case", Identity{NameID: "ALICE@EXAMPLE.COM"}, alice.ID, nil},
			{"userName", Identity{NameID: "bob@example.com"}, bob.ID, nil},
			{"opaque NameID, email attribute", Identity{NameID: "00u1abcd", Email: "Carol@Example.com"}, carol.ID, nil},
			{"non-primary email does not count", Identity{NameID: "carol@home.example"}, "", directory.ErrNotFound},
			{"unknown", Identity{NameID: "nobody@example.com"}, "", directory.ErrNotFound},
			{"empty", Identity{}, "", directory.ErrNotFound},
			{"deactivated", Identity{NameID: "dave@example.com"}, "", ErrAccountInactive},
			{"one's userName is another's email", Identity{NameID: "frank@example.com"}, "", directory.ErrConflict},
			{"NameID and email point at two accounts", Identity{NameID: "asmith", Email: "bob@example.com"}, "", directory.ErrConflict},
			{"another organization's account", Identity{NameID: "zoe@example.com"}, "", directory.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := MatchAccount(t.Context(), store, org.ID, tc.id)
				if tc.err != nil {
					if !errors.Is(err, tc.err) {
						t.Fatalf("error = %v; want %v", err, tc.err)
					}
					return
				}
				if err != nil || got.ID != tc.want {
					t.Fatalf("got %s, %v; want %s", got.ID, err, tc.want)
				}
			})
		}
	})
}
