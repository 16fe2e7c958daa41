package scim

import (
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func stringOf(c byte, n int) string { return strings.Repeat(string(c), n) }

func directoryOrg(t *testing.T, e *scimEnv, slug string) string {
	t.Helper()
	org := directory.Organization{Slug: slug, Name: slug}
	if err := e.store.CreateOrganization(t.Context(), &org); err != nil {
		t.Fatal(err)
	}
	return org.ID
}

// userBody is a minimal valid User.
func userBody(userName string) map[string]any {
	return map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": userName,
		"name":     map[string]any{"givenName": "Alice", "familyName": "Smith"},
		"emails":   []any{map[string]any{"value": userName, "type": "work", "primary": true}},
		"active":   true,
	}
}

func groupBody(name string, memberIDs ...string) map[string]any {
	members := []any{}
	for _, id := range memberIDs {
		members = append(members, map[string]any{"value": id})
	}
	return map[string]any{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
		"displayName": name,
		"members":     members,
	}
}

func patchBody(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, op := range ops {
		list[i] = op
	}
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": list}
}
