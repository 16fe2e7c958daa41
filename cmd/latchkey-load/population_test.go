package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSeedNamesAreDistinctAndPadded(t *testing.T) {
	if seedUserName(42) != "user0000042@load.example" || seedExternalID(42) != "ext-0000042" || seedGroupName(3) != "load-group-003" {
		t.Fatalf("names: %s %s %s", seedUserName(42), seedExternalID(42), seedGroupName(3))
	}
	seen := map[string]bool{}
	for i := range 2000 {
		for _, s := range []string{seedUserName(i), seedExternalID(i)} {
			if seen[s] {
				t.Fatalf("%s twice", s)
			}
			seen[s] = true
		}
	}
}

func TestSeedAccountMatchesItsDocument(t *testing.T) {
	a := seedAccount("org", 17)
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(a.Resource, &doc); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"schemas", "externalId", "active"} {
		if _, ok := doc[gone]; ok {
			t.Errorf("stored document keeps %q, which the server drops", gone)
		}
	}
	if doc["userName"] != a.UserName || doc["displayName"] != a.DisplayName {
		t.Errorf("document %v disagrees with the account", doc)
	}
	if a.PrimaryEmail() != a.UserName || a.ExternalID != "ext-0000017" {
		t.Errorf("account %+v", a)
	}
	// Keys come out sorted, like the server's json.Marshal of a map.
	if !strings.HasPrefix(string(a.Resource), `{"displayName":`) {
		t.Errorf("resource %s", a.Resource)
	}
}

func TestSeedGroupIsValid(t *testing.T) {
	g := seedGroup("org", 1)
	if err := g.Validate(); err != nil || string(g.Resource) != `{"displayName":"load-group-001"}` {
		t.Fatalf("group %+v: %v", g, err)
	}
}
