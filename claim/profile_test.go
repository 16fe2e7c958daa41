package claim

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func profileAccount() directory.Account {
	return directory.Account{UserName: "ada@example.com", GivenName: "Ada", FamilyName: "Lovelace",
		DisplayName: "Ada Lovelace", Title: "Engineer", Department: "R&D",
		Resource: json.RawMessage(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],` +
			`"userName":"ada@example.com","displayName":"Ada Lovelace",` +
			`"name":{"givenName":"Ada","familyName":"Lovelace","formatted":"Ada Lovelace","honorificPrefix":"Countess"},` +
			`"title":"Engineer","x-count":12345678901234567890,` +
			`"phoneNumbers":[{"type":"mobile","value":"+44 7700 900000"},{"type":"work","value":"+44 20 7946 0000"}],` +
			`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","employeeNumber":"42"}}`)}
}

func editable(fields ...string) func(string) bool {
	return func(f string) bool { return slices.Contains(fields, f) }
}

func decoded(t *testing.T, a directory.Account) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(a.Resource, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func at(doc map[string]any, path ...string) any {
	var v any = doc
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func TestEditProfile(t *testing.T) {
	all := editable(directory.ProfileFields...)
	for _, tc := range []struct {
		name     string
		edit     Profile
		editable func(string) bool
		changed  []string
		check    func(t *testing.T, a directory.Account, doc map[string]any)
	}{
		{
			name: "nothing changes", editable: all,
			edit: Profile{GivenName: "Ada", FamilyName: "Lovelace", Title: "Engineer", Department: "R&D", Phone: "+44 20 7946 0000"},
		},
		{
			name: "name, with displayName following", editable: all, changed: []string{directory.FieldName},
			edit: Profile{GivenName: " Augusta Ada ", FamilyName: "King", Title: "Engineer", Department: "R&D", Phone: "+44 20 7946 0000"},
			check: func(t *testing.T, a directory.Account, doc map[string]any) {
				if a.GivenName != "Augusta Ada" || a.FamilyName != "King" || a.DisplayName != "Augusta Ada King" {
					t.Errorf("fields: %q %q %q", a.GivenName, a.FamilyName, a.DisplayName)
				}
				if at(doc, "name", "formatted") != "Augusta Ada King" || at(doc, "name", "givenName") != "Augusta Ada" ||
					at(doc, "displayName") != "Augusta Ada King" || at(doc, "name", "honorificPrefix") != "Countess" {
					t.Errorf("document: %v", doc)
				}
			},
		},
		{
			name: "title and department", editable: all, changed: []string{directory.FieldTitle, directory.FieldDepartment},
			edit: Profile{GivenName: "Ada", FamilyName: "Lovelace", Title: "Analyst", Department: "Maths", Phone: "+44 20 7946 0000"},
			check: func(t *testing.T, a directory.Account, doc map[string]any) {
				if a.Title != "Analyst" || a.Department != "Maths" || at(doc, "title") != "Analyst" ||
					at(doc, enterpriseURN, "department") != "Maths" || at(doc, enterpriseURN, "employeeNumber") != "42" {
					t.Errorf("got %q %q %v", a.Title, a.Department, doc)
				}
			},
		},
		{
			name: "only the phone may be edited", editable: editable(directory.FieldPhone), changed: []string{directory.FieldPhone},
			edit: Profile{GivenName: "Mallory", Title: "CEO", Phone: "+44 20 7946 0001"},
			check: func(t *testing.T, a directory.Account, doc map[string]any) {
				if a.GivenName != "Ada" || a.Title != "Engineer" {
					t.Errorf("a field that is not editable changed: %+v", a)
				}
				phones := doc["phoneNumbers"].([]any)
				if len(phones) != 2 || at(phones[1].(map[string]any), "value") != "+44 20 7946 0001" ||
					at(phones[0].(map[string]any), "value") != "+44 7700 900000" {
					t.Errorf("phoneNumbers = %v", phones)
				}
			},
		},
		{
			name: "clearing the phone removes the work entry", editable: all, changed: []string{directory.FieldPhone},
			edit: Profile{GivenName: "Ada", FamilyName: "Lovelace", Title: "Engineer", Department: "R&D"},
			check: func(t *testing.T, a directory.Account, doc map[string]any) {
				phones := doc["phoneNumbers"].([]any)
				if len(phones) != 1 || at(phones[0].(map[string]any), "type") != "mobile" {
					t.Errorf("phoneNumbers = %v", phones)
				}
			},
		},
		{
			name: "empty document gains what is edited", editable: all,
			changed: []string{directory.FieldTitle, directory.FieldDepartment, directory.FieldPhone},
			edit:    Profile{GivenName: "Ada", FamilyName: "Lovelace", Title: "Analyst", Department: "Maths", Phone: "555 0100"},
			check: func(t *testing.T, a directory.Account, doc map[string]any) {
				if at(doc, enterpriseURN, "department") != "Maths" || ProfileOf(a).Phone != "555 0100" {
					t.Errorf("document: %v", doc)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := profileAccount()
			if tc.name == "empty document gains what is edited" {
				a.Resource = nil
			}
			changed, err := EditProfile(&a, tc.edit, tc.editable)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(changed, tc.changed) {
				t.Fatalf("changed = %v; want %v", changed, tc.changed)
			}
			if tc.check != nil {
				tc.check(t, a, decoded(t, a))
			}
			if len(tc.changed) > 0 && a.Resource != nil && !json.Valid(a.Resource) {
				t.Fatal("the document is not JSON")
			}
		})
	}
}

func TestEditProfileKeepsNumbersExact(t *testing.T) {
	a := profileAccount()
	if _, err := EditProfile(&a, Profile{GivenName: "Ada", FamilyName: "Lovelace", Title: "X"}, editable(directory.FieldTitle)); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(a.Resource) || !strings.Contains(string(a.Resource), `"x-count":12345678901234567890`) {
		t.Errorf("document = %s", a.Resource)
	}
}

func TestEditProfileRefusals(t *testing.T) {
	all := editable(directory.ProfileFields...)
	for _, tc := range []struct {
		name  string
		edit  Profile
		field string
	}{
		{"no name", Profile{Phone: "1234"}, "givenName"},
		{"long title", Profile{GivenName: "A", Title: strings.Repeat("x", 201)}, "title"},
		{"control characters", Profile{GivenName: "A\x07"}, "givenName"},
		{"letters in the phone", Profile{GivenName: "A", Phone: "call me"}, "phone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := profileAccount()
			before := string(a.Resource)
			_, err := EditProfile(&a, tc.edit, all)
			var v *directory.ValidationError
			if !errors.As(err, &v) || v.Field != tc.field {
				t.Fatalf("err = %v; want a problem with %s", err, tc.field)
			}
			if string(a.Resource) != before || a.GivenName != "Ada" {
				t.Error("a refused edit changed the account")
			}
		})
	}
}

func TestChooseSignInName(t *testing.T) {
	for _, tc := range []struct {
		name, signInName, want string
		ok                     bool
	}{
		{"plain", "ada.lovelace", "ada.lovelace", true},
		{"trimmed", "  ada_l  ", "ada_l", true},
		{"email-like", "ada+work@example.com", "ada+work@example.com", true},
		{"too short", "ad", "", false},
		{"space inside", "ada lovelace", "", false},
		{"leading dot", ".ada", "", false},
		{"too long", "a123456789012345678901234567890123456789012345678901234567890123456789", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := profileAccount()
			before := string(a.Resource)
			err := ChooseSignInName(&a, tc.signInName)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v; want ok=%v", err, tc.ok)
			}
			var v *directory.ValidationError
			if !tc.ok && (!errors.As(err, &v) || v.Field != "userName") {
				t.Fatalf("err = %v; want a problem with userName (the form field)", err)
			}
			if a.SignInName != tc.want {
				t.Errorf("SignInName = %q; want %q", a.SignInName, tc.want)
			}
			// The IdP's userName is never the person's to change.
			if a.UserName != "ada@example.com" || string(a.Resource) != before {
				t.Errorf("userName %q, document %s; want both untouched", a.UserName, a.Resource)
			}
		})
	}
}
