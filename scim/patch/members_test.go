package patch

import (
	"testing"

	"github.com/latchkeyhq/latchkey/scim/schemas"
)

var groupCases = []applyCase{
	{
		name: "entra legacy add member with $ref null", group: true,
		doc:     `{"displayName":"G"}`,
		body:    `[{"op":"Add","path":"members","value":[{"$ref":null,"value":"u1"}]}]`,
		want:    `{"displayName":"G"}`,
		members: []MemberChange{{Op: "add", Members: []Member{{Value: "u1"}}}},
	},
	{
		name: "entra legacy remove member by value", group: true,
		doc:     `{"displayName":"G"}`,
		body:    `[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"u1"},{"value":"u2"}]}]`,
		want:    `{"displayName":"G"}`,
		members: []MemberChange{{Op: "remove", Remove: []string{"u1", "u2"}}},
	},
	{
		name: "entra flag remove member by filter", group: true,
		doc:     `{"displayName":"G"}`,
		body:    `[{"op":"remove","path":"members[value eq \"u1\"]"}]`,
		want:    `{"displayName":"G"}`,
		members: []MemberChange{{Op: "remove", Remove: []string{"u1"}}},
	},
	{
		name: "or-ed member filter", group: true,
		body:    `[{"op":"remove","path":"members[value eq \"u1\" or value eq \"u2\"]"}]`,
		want:    `{}`,
		members: []MemberChange{{Op: "remove", Remove: []string{"u1", "u2"}}},
	},
	{
		name: "remove all members", group: true,
		body:    `[{"op":"remove","path":"members"}]`,
		want:    `{}`,
		members: []MemberChange{{Op: "remove", RemoveAll: true}},
	},
	{
		name: "replace members with the full list", group: true,
		body:    `[{"op":"replace","path":"members","value":[{"value":"u1","type":"User"},{"value":"g2","type":"Group"}]}]`,
		want:    `{}`,
		members: []MemberChange{{Op: "replace", Members: []Member{{Value: "u1", Type: "User"}, {Value: "g2", Type: "Group"}}}},
	},
	{
		name: "replace members with an empty list", group: true,
		body:    `[{"op":"replace","path":"members","value":[]}]`,
		want:    `{}`,
		members: []MemberChange{{Op: "replace", Members: []Member{}}},
	},
	{
		name: "okta rename carries the unchanged id", group: true, opts: Options{ID: "g-1"},
		doc:  `{"displayName":"Old"}`,
		body: `[{"op":"replace","value":{"id":"g-1","displayName":"New"}}]`,
		want: `{"displayName":"New"}`, changed: true,
		members: nil,
	},
	{
		name: "okta membership update with id and display keys", group: true, opts: Options{ID: "g-1"},
		doc: `{"displayName":"G"}`,
		body: `[{"op":"replace","value":{"id":"g-1","displayName":"G"}},
		        {"op":"remove","path":"members[value eq \"u1\"]"},
		        {"op":"add","path":"members","value":[{"value":"u2","display":"u2@x","id":"u2"}]}]`,
		want: `{"displayName":"G"}`,
		members: []MemberChange{
			{Op: "remove", Remove: []string{"u1"}},
			{Op: "add", Members: []Member{{Value: "u2"}}},
		},
	},
	{
		name: "path-less members add and displayName", group: true,
		doc:  `{"displayName":"G","externalId":"e"}`,
		body: `[{"op":"add","value":{"members":[{"value":"u1"},{"value":"u1"}],"displayName":"H"}}]`,
		want: `{"displayName":"H","externalId":"e"}`, changed: true,
		members: []MemberChange{{Op: "add", Members: []Member{{Value: "u1"}}}},
	},
	{
		name: "path-less members replace", group: true,
		body:    `[{"op":"replace","value":{"members":[{"value":"u3"}]}}]`,
		want:    `{}`,
		members: []MemberChange{{Op: "replace", Members: []Member{{Value: "u3"}}}},
	},
	{
		name: "E-G11 add then remove in one request, in order", group: true,
		body: `[{"op":"add","path":"members","value":[{"value":"u"}]},{"op":"remove","path":"members[value eq \"u\"]"}]`,
		want: `{}`,
		members: []MemberChange{
			{Op: "add", Members: []Member{{Value: "u"}}},
			{Op: "remove", Remove: []string{"u"}},
		},
	},
	{
		name: "displayName replace only", group: true,
		doc:  `{"displayName":"A"}`,
		body: `[{"op":"Replace","path":"displayName","value":"B"}]`,
		want: `{"displayName":"B"}`, changed: true,
	},
	{name: "empty member value", group: true, body: `[{"op":"add","path":"members","value":[{"value":" "}]}]`, errType: InvalidValue},
	{name: "numeric member value", group: true, body: `[{"op":"add","path":"members","value":[{"value":7}]}]`, errType: InvalidValue},
	{name: "member without value", group: true, body: `[{"op":"Remove","path":"members","value":[{"display":"x"}]}]`, errType: InvalidValue},
	{name: "member type not a string", group: true, body: `[{"op":"add","path":"members","value":{"value":"u","type":1}}]`, errType: InvalidValue},
	{name: "unsupported members filter", group: true, body: `[{"op":"remove","path":"members[type eq \"User\"]"}]`, errType: InvalidPath},
	{name: "replace with a members filter", group: true, body: `[{"op":"replace","path":"members[value eq \"u\"]","value":{"value":"v"}}]`, errType: InvalidPath},
	{name: "member sub-attribute", group: true, body: `[{"op":"replace","path":"members[value eq \"u\"].display","value":"x"}]`, errType: Mutability},
	{name: "removing the group's required displayName", group: true, doc: `{"displayName":"G"}`, body: `[{"op":"remove","path":"displayName"}]`, errType: Mutability},
	{
		name: "atomic: a failing op discards earlier member changes", group: true,
		doc:     `{"displayName":"G"}`,
		body:    `[{"op":"add","path":"members","value":[{"value":"u1"}]},{"op":"replace","path":"displayName","value":5}]`,
		errType: InvalidValue,
	},
}

func TestApplyGroup(t *testing.T) {
	for _, tc := range groupCases {
		t.Run(tc.name, func(t *testing.T) { runCase(t, tc) })
	}
}

// Apply (not ApplyGroup) keeps members in the document like any
// multi-valued attribute.
func TestApplyGroupMembersInDocument(t *testing.T) {
	doc := decodeDoc(t, `{"displayName":"G","members":[{"value":"u1"},{"value":"u2"}]}`)
	ops, err := ParseRequest(requestBody(`[{"op":"Remove","path":"members","value":[{"value":"u1"}]},
		{"op":"add","path":"members","value":[{"value":"u3","type":"User"}]}]`))
	if err != nil {
		t.Fatal(err)
	}
	got, changed, err := Apply(doc, ops, schemas.Group(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := decodeDoc(t, `{"displayName":"G","members":[{"value":"u2"},{"value":"u3","type":"User"}]}`)
	if !equal(got, want) || !changed {
		t.Errorf("got %s (changed %v), want %s", toJSON(got), changed, toJSON(want))
	}
}
