package filter

import (
	"errors"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestUserSort(t *testing.T) {
	ok := []struct {
		in   string
		want directory.Attr
	}{
		{"", ""},
		{"userName", directory.AttrUserName},
		{"USERNAME", directory.AttrUserName},
		{" userName ", directory.AttrUserName},
		{"name.familyName", directory.AttrFamilyName},
		{coreUser + "name.givenName", directory.AttrGivenName},
		{"meta.lastModified", directory.AttrLastModified},
		{"id", directory.AttrID},
		{"active", directory.AttrActive},
		{"emails", directory.AttrEmailValue},
		{"emails.value", directory.AttrEmailValue},
		{coreUser + "emails", directory.AttrEmailValue},
		{"addresses.locality", directory.AttrLocation},
		{enterprise + "department", directory.AttrDepartment},
		{"manager", directory.AttrManagerID},
		{"inviteDate", directory.AttrInvitedAt},
		{fbStatus + "inviteDate", directory.AttrInvitedAt},
		{fbDates + "startDate", directory.AttrStartDate},
		{"is_frontline", directory.AttrFrontline},
	}
	for _, c := range ok {
		if got, err := UserSort(c.in); err != nil || got != c.want {
			t.Errorf("UserSort(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{
		"emails.type", "emails.primary", "password", "invited", "claimed", fbStatus + "claimed",
		"foo", "members", `emails[type eq "work"]`, "name;DROP TABLE users", "userName desc",
		"name", "urn:example:x:User:userName", strings.Repeat("a", MaxLength+1), "\xff", " ",
	} {
		expectSortError(t, UserSort, in)
	}
}

func TestGroupSort(t *testing.T) {
	ok := map[string]directory.Attr{
		"":                              "",
		"displayName":                   directory.AttrDisplayName,
		"DisplayName":                   directory.AttrDisplayName,
		coreGroup + "displayName":       directory.AttrDisplayName,
		"externalId":                    directory.AttrExternalID,
		"meta.created":                  directory.AttrCreated,
		"id":                            directory.AttrID,
		coreGroup + "meta.created":      directory.AttrCreated,
		coreGroup + "meta.lastModified": directory.AttrLastModified,
	}
	for in, want := range ok {
		if got, err := GroupSort(in); err != nil || got != want {
			t.Errorf("GroupSort(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"members", "members.value", "members.type", "userName", "emails"} {
		expectSortError(t, GroupSort, in)
	}
}

func expectSortError(t *testing.T, sort func(string) (directory.Attr, error), in string) {
	t.Helper()
	got, err := sort(in)
	var fe *Error
	if !errors.As(err, &fe) || fe.Detail == "" || got != "" {
		t.Errorf("sort(%s) = %q, %v; want an *Error", short(in), got, err)
	}
}
