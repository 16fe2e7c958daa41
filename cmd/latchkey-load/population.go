package main

import (
	"encoding/json"
	"fmt"

	"github.com/latchkeyhq/latchkey/directory"
)

// The seeded population is predictable so scenarios can pick a random
// existing user from its number alone, without listing anyone first:
// user i has userName user%07d@load.example and externalId ext-%07d.

const (
	coreUserURN   = "urn:ietf:params:scim:schemas:core:2.0:User"
	enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	patchOpURN    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	groupURN      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	groupPrefix   = "load-group-"
)

func seedUserName(i int) string   { return fmt.Sprintf("user%07d@load.example", i) }
func seedExternalID(i int) string { return fmt.Sprintf("ext-%07d", i) }
func seedGroupName(g int) string  { return fmt.Sprintf("%s%03d", groupPrefix, g) }

var (
	givenNames  = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Niklaus", "Margaret", "John", "Hedy", "Dennis", "Katherine", "Tim"}
	familyNames = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Wirth", "Hamilton", "Backus", "Lamarr", "Ritchie", "Johnson", "Berners-Lee"}
	titles      = []string{"Engineer", "Analyst", "Manager", "Designer", "Cashier", "Nurse", "Driver", "Technician"}
)

func personName(i int) (given, family string) {
	return givenNames[i%len(givenNames)], familyNames[(i/len(givenNames))%len(familyNames)]
}

// seedUserBody is seeded user i as an Entra ID create request would carry
// it (research/idp-clients.md E-U1, without the parts the server drops).
func seedUserBody(i int) map[string]any { return seedUserBodyIn(i, "") }

// seedUserBodyIn is seedUserBody with every user in one department
// ("" keeps the default spread over "Department 00" to "Department 49").
func seedUserBodyIn(i int, department string) map[string]any {
	if department == "" {
		department = fmt.Sprintf("Department %02d", i%50)
	}
	given, family := personName(i)
	name := seedUserName(i)
	return map[string]any{
		"schemas":     []any{coreUserURN, enterpriseURN},
		"userName":    name,
		"externalId":  seedExternalID(i),
		"active":      true,
		"displayName": given + " " + family,
		"name":        map[string]any{"givenName": given, "familyName": family},
		"emails":      []any{map[string]any{"primary": true, "type": "work", "value": name}},
		"title":       titles[i%len(titles)],
		enterpriseURN: map[string]any{
			"department":     department,
			"employeeNumber": fmt.Sprintf("%07d", i),
		},
	}
}

// storedResource is the document the server keeps for a create body: it
// drops what it owns or keeps in columns (schemas, id, meta, externalId,
// active), as scim.normalize and scim.storedDocument do. Go marshals map
// keys in sorted order, exactly as the server does, so the bytes match.
func storedResource(body map[string]any) json.RawMessage {
	stored := make(map[string]any, len(body))
	for k, v := range body {
		switch k {
		case "schemas", "id", "meta", "externalId", "active":
			continue
		}
		stored[k] = v
	}
	raw, _ := json.Marshal(stored) // maps of strings, bools and slices always marshal
	return raw
}

// seedAccount is seeded user i as the server would build it from
// seedUserBody: the same columns, the same stored document.
func seedAccount(orgID string, i int) directory.Account { return seedAccountIn(orgID, i, "") }

// seedAccountIn is seedAccount in the given department (see seedUserBodyIn).
func seedAccountIn(orgID string, i int, department string) directory.Account {
	body := seedUserBodyIn(i, department)
	given, family := personName(i)
	ent := body[enterpriseURN].(map[string]any)
	return directory.Account{
		OrgID:          orgID,
		UserName:       seedUserName(i),
		ExternalID:     seedExternalID(i),
		DisplayName:    body["displayName"].(string),
		GivenName:      given,
		FamilyName:     family,
		Emails:         []directory.Email{{Type: "work", Value: seedUserName(i), Primary: true}},
		Active:         true,
		State:          directory.StateNotInvited,
		AuthMethod:     directory.AuthPassword,
		Title:          body["title"].(string),
		Department:     ent["department"].(string),
		EmployeeNumber: ent["employeeNumber"].(string),
		Resource:       storedResource(body),
	}
}

// seedGroup is seeded group g as the server stores it: the document
// without members and externalId, which live elsewhere.
func seedGroup(orgID string, g int) directory.Group {
	raw, _ := json.Marshal(map[string]any{"displayName": seedGroupName(g)})
	return directory.Group{OrgID: orgID, DisplayName: seedGroupName(g), ExternalID: fmt.Sprintf("grp-%03d", g), Resource: raw}
}
