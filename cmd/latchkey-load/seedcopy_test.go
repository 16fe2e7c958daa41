package main

import (
	"testing"
	"time"
)

func TestAccountCopyRowMatchesColumns(t *testing.T) {
	a := seedAccount("org", 5)
	a.ID, a.Version, a.CreatedAt, a.UpdatedAt = "id-5", 1, time.Unix(0, 0).UTC(), time.Unix(0, 0).UTC()
	row := accountCopyRow(&a)
	if len(row) != len(accountColumns) {
		t.Fatalf("%d values for %d columns", len(row), len(accountColumns))
	}
	col := map[string]any{}
	for i, c := range accountColumns {
		col[c] = row[i]
	}
	if col["user_name_lower"] != "user0000005@load.example" || col["external_id"] != "ext-0000005" ||
		col["primary_email_lower"] != a.UserName || col["state"] != "not_invited" || col["auth_method"] != "password" {
		t.Fatalf("row %v", col)
	}
	if col["manager_id"] != nil || col["display_name_lower"] != "donald lovelace" {
		t.Fatalf("manager_id %v, display_name_lower %v", col["manager_id"], col["display_name_lower"])
	}
	emails := emailCopyRows(&a)
	if len(emails) != 1 || len(emails[0]) != len(emailColumns) || emails[0][2] != int32(0) || emails[0][6] != true {
		t.Fatalf("emails %v", emails)
	}
}
