package scim

import (
	"encoding/json"
	"strings"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// memberRef is a member as a request names it; Type may be empty (Entra
// sends only the value), and is then resolved against the store.
type memberRef struct {
	ID   string
	Type directory.MemberType
}

// applyGroupDocument sets the group's fields from a normalized document
// and returns the members it lists (nil when it lists none). Members are
// not kept in the stored document: they have their own table.
func applyGroupDocument(g *directory.Group, doc document) ([]memberRef, error) {
	g.DisplayName = stringAt(doc, "displayName")
	g.ExternalID = stringAt(doc, "externalId")
	members, err := membersOf(doc["members"])
	if err != nil {
		return nil, err
	}
	stored := document{}
	for k, v := range doc {
		if k != "members" && k != "externalId" {
			stored[k] = v
		}
	}
	raw, _ := json.Marshal(stored)
	g.Resource = raw
	return members, nil
}

func membersOf(v any) ([]memberRef, error) {
	list, _ := v.([]any)
	out := make([]memberRef, 0, len(list))
	for i, item := range list {
		m, _ := item.(map[string]any)
		id := strings.TrimSpace(stringAt(m, "value"))
		if id == "" {
			return nil, badRequest(typeInvalidValue, "members[%d].value must be a resource id", i)
		}
		t, err := memberType(stringAt(m, "type"))
		if err != nil {
			return nil, err
		}
		out = append(out, memberRef{ID: id, Type: t})
	}
	return out, nil
}

func memberType(t string) (directory.MemberType, error) {
	switch {
	case t == "":
		return "", nil
	case strings.EqualFold(t, "User"):
		return directory.MemberUser, nil
	case strings.EqualFold(t, "Group"):
		return directory.MemberGroup, nil
	}
	return "", badRequest(typeInvalidValue, "member type %q must be User or Group", t)
}

// groupResource renders a group; members are listed only when loaded
// (nil means the client excluded them).
func groupResource(g directory.Group, members []directory.Member, baseURL string) document {
	doc := decodeStored(g.Resource)
	doc["id"] = g.ID
	doc["displayName"] = g.DisplayName
	if g.ExternalID != "" {
		doc["externalId"] = g.ExternalID
	}
	if members != nil {
		list := make([]any, 0, len(members))
		for _, m := range members {
			endpoint := "/Users/"
			if m.Type == directory.MemberGroup {
				endpoint = "/Groups/"
			}
			list = append(list, document{"value": m.ID, "type": string(m.Type), "$ref": baseURL + endpoint + m.ID})
		}
		doc["members"] = list
	}
	doc["meta"] = meta("Group", baseURL+"/Groups/"+g.ID, g.CreatedAt, g.UpdatedAt, g.Version)
	doc["schemas"] = schemaList(doc, schemas.GroupURN)
	return doc
}
