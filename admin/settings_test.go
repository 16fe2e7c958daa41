package admin

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// TestSettings: GET shows the effective values and which follow the
// server's defaults; PATCH changes only what it names, in one audited
// write, and refuses a bad body whole, naming every field at fault.
func TestSettings(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		admin := e.token(e.org.ID, "it@acme.example", directory.RoleSystemAdmin)
		reader := e.token(e.org.ID, "audit@acme.example", directory.RoleReader)

		status, doc := e.get(reader, "/admin/v1/settings")
		want := map[string]any{"name": "Acme", "auto_invite": false, "invite_hour": 9.0, "time_zone": "UTC",
			"link_ttl_hours": 336.0, "code_ttl_days": 90.0, "reminders": []any{},
			"server_defaults": []any{"link_ttl_hours", "code_ttl_days", "reminders"},
			"claim": map[string]any{"terms_optional": false, "profile_required": false, "picture_required": false,
				"groups_required": false, "editable_fields": []any{"phone"}}}
		if status != http.StatusOK || !reflect.DeepEqual(doc, want) {
			t.Fatalf("GET /settings = %d %v; want %v", status, doc, want)
		}
		if r := e.do(http.MethodPatch, "/admin/v1/settings", reader, map[string]any{"auto_invite": true}); r.Status != http.StatusForbidden {
			t.Fatalf("a reader changes settings: %d", r.Status)
		}

		r := e.do(http.MethodPatch, "/admin/v1/settings", admin, map[string]any{
			"link_ttl_hours": 2, "reminders": []int{24, 48}, "auto_invite": true,
			"claim": map[string]any{"profile_required": true, "editable_fields": []string{"name", "phone"}}})
		doc = r.JSON()
		if r.Status != http.StatusOK || doc["link_ttl_hours"] != 2.0 || !reflect.DeepEqual(doc["reminders"], []any{24.0, 48.0}) ||
			doc["auto_invite"] != true || !reflect.DeepEqual(doc["server_defaults"], []any{"code_ttl_days"}) ||
			!reflect.DeepEqual(doc["claim"].(map[string]any)["editable_fields"], []any{"name", "phone"}) {
			t.Fatalf("PATCH /settings = %d %s", r.Status, r.Body)
		}
		org := e.storedOrg()
		if org.LinkTTL != 2*time.Hour || !slices.Equal(org.Reminders, []time.Duration{24 * time.Hour, 48 * time.Hour}) ||
			!org.AutoInvite || !org.Claim.ProfileRequired || org.CodeTTL != 0 {
			t.Fatalf("stored organization after PATCH: %+v", org)
		}
		events := e.auditTrail(directory.AuditQuery{Action: "organization.settings"})
		if len(events) != 1 || events[0].ActorID == "" || events[0].ActorType != directory.ActorAdmin || events[0].TargetID != e.org.ID {
			t.Fatalf("audit of the change: %+v", events)
		}
		var details struct {
			Changes map[string]struct{ Before, After any } `json:"changes"`
		}
		must(t, json.Unmarshal(events[0].Details, &details))
		if c := details.Changes["link_ttl_hours"]; c.Before != 336.0 || c.After != 2.0 || len(details.Changes) != 6 {
			t.Fatalf("audited changes: %s", events[0].Details)
		}

		if r := e.do(http.MethodPatch, "/admin/v1/settings", admin, map[string]any{"link_ttl_hours": 2}); r.Status != http.StatusOK {
			t.Fatalf("PATCH without a change: %d %s", r.Status, r.Body)
		}
		if n := len(e.auditTrail(directory.AuditQuery{Action: "organization.settings"})); n != 1 {
			t.Fatalf("a PATCH that changed nothing was audited (%d events)", n)
		}

		r = e.do(http.MethodPatch, "/admin/v1/settings", admin, map[string]any{"link_ttl_hours": nil, "reminders": []int{}})
		doc = r.JSON()
		if r.Status != http.StatusOK || doc["link_ttl_hours"] != 336.0 || !reflect.DeepEqual(doc["reminders"], []any{}) ||
			!reflect.DeepEqual(doc["server_defaults"], []any{"link_ttl_hours", "code_ttl_days"}) {
			t.Fatalf("PATCH back to the default link lifetime, no reminders: %d %s", r.Status, r.Body)
		}
		if org := e.storedOrg(); org.LinkTTL != 0 || org.Reminders == nil || len(org.Reminders) != 0 {
			t.Fatalf("stored lifetimes: %v, %#v", org.LinkTTL, org.Reminders)
		}
	})
}

// TestSettingsRefused: a body with anything wrong changes nothing and
// names each field at fault.
func TestSettingsRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		admin := e.token(e.org.ID, "it@acme.example", directory.RoleSystemAdmin)
		_, before := e.get(admin, "/admin/v1/settings")
		cases := []struct {
			name   string
			body   any
			fields []string
		}{
			{"every field wrong", map[string]any{"link_ttl_hours": 5000, "code_ttl_days": 0, "invite_hour": 24,
				"time_zone": "Mars/Olympus", "reminders": []int{48, 24}, "auto_invite": true,
				"claim": map[string]any{"editable_fields": []string{"salary"}}},
				[]string{"claim.editable_fields", "code_ttl_days", "invite_hour", "link_ttl_hours", "reminders", "time_zone"}},
			{"null where null means nothing", map[string]any{"name": nil, "claim": map[string]any{"groups_required": nil}},
				[]string{"claim.groups_required", "name"}},
			{"empty name", map[string]any{"name": " "}, []string{"name"}},
			{"too many reminders", map[string]any{"reminders": []int{1, 2, 3, 4, 5, 6}}, []string{"reminders"}},
			{"a reminder of no hours", map[string]any{"reminders": []int{0}}, []string{"reminders"}},
			{"unknown member", map[string]any{"colour": "red"}, []string{"colour"}},
			{"unknown claim member", map[string]any{"claim": map[string]any{"shoe_size": true}}, []string{"shoe_size"}},
			{"wrong type", `{"invite_hour": "nine"}`, []string{"invite_hour"}},
		}
		for _, tc := range cases {
			r := e.do(http.MethodPatch, "/admin/v1/settings", admin, tc.body)
			var p problem
			_ = json.Unmarshal(r.Body, &p)
			var fields []string
			for _, f := range p.Errors {
				fields = append(fields, f.Field)
			}
			slices.Sort(fields)
			if r.Status != http.StatusBadRequest || r.Header.Get("Content-Type") != "application/problem+json" || !slices.Equal(fields, tc.fields) {
				t.Errorf("%s: %d %s; want 400 naming %v", tc.name, r.Status, r.Body, tc.fields)
			}
		}
		if _, after := e.get(admin, "/admin/v1/settings"); !reflect.DeepEqual(before, after) {
			t.Fatalf("refused PATCHes changed the settings: %v -> %v", before, after)
		}
		if n := len(e.auditTrail(directory.AuditQuery{})); n != 0 {
			t.Fatalf("refused PATCHes were audited: %d events", n)
		}
	})
}

// storedOrg reads the test organization as stored.
func (e *adminEnv) storedOrg() directory.Organization {
	e.t.Helper()
	org, err := e.store.Organization(e.t.Context(), e.org.ID)
	must(e.t, err)
	return org
}

// auditTrail lists the organization's audit events matching q, newest
// first.
func (e *adminEnv) auditTrail(q directory.AuditQuery) []directory.AuditEvent {
	e.t.Helper()
	q.Limit = directory.MaxPageSize
	events, err := e.store.ListAudit(e.t.Context(), e.org.ID, q)
	must(e.t, err)
	return events
}
