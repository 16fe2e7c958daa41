package admin

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// TestAuditFilters: every query parameter narrows the log, they combine,
// and another organization's events never show.
func TestAuditFilters(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		manager := e.token(e.org.ID, "hr@acme.example", directory.RoleAccountManager)
		ids := seedAudit(t, e)
		day := func(d int) string { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC).Format(time.RFC3339) }
		cases := []struct {
			query string
			want  []int // seed positions, newest first
		}{
			{"", []int{4, 3, 2, 1, 0}},
			{"actor_type=admin", []int{3, 1, 0}},
			{"actor_id=adm1", []int{3, 0}},
			{"action=account.invite", []int{0}},
			{"action=account.*", []int{4, 1, 0}},
			{"target_type=user&target_id=u1", []int{4, 2, 0}},
			{"target_id=u1", []int{4, 3, 2, 0}},
			{"since=" + day(3), []int{4, 3, 2}},
			{"until=" + day(3), []int{1, 0}},
			{"since=" + day(2) + "&until=" + day(4) + "&actor_type=admin", []int{1}},
		}
		for _, tc := range cases {
			var want []string
			for _, i := range tc.want {
				want = append(want, ids[i])
			}
			if got := auditIDs(t, e, manager, tc.query, 0); !slices.Equal(got, want) {
				t.Errorf("GET /audit?%s = %v; want %v", tc.query, got, want)
			}
		}
	})
}

// TestAuditPaging: limit and next_cursor walk the log newest first with
// no gaps or repeats; the last page has no next_cursor.
func TestAuditPaging(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		manager := e.token(e.org.ID, "hr@acme.example", directory.RoleAccountManager)
		ids := seedAudit(t, e)
		slices.Reverse(ids)
		for _, limit := range []int{1, 2, 5, 6} {
			if got := auditIDs(t, e, manager, "", limit); !slices.Equal(got, ids) {
				t.Errorf("paging by %d: %v; want %v", limit, got, ids)
			}
		}
		if got := auditIDs(t, e, manager, "action=account.*", 1); len(got) != 3 {
			t.Errorf("paging a filtered log by 1: %v", got)
		}
	})
}

// TestAuditRefused: the log needs audit.read; unknown parameters are a
// 400 listing the allowed ones, bad values a 400 naming each.
func TestAuditRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		manager := e.token(e.org.ID, "hr@acme.example", directory.RoleAccountManager)
		reader := e.token(e.org.ID, "audit@acme.example", directory.RoleReader)
		if status, _ := e.get(reader, "/admin/v1/audit"); status != http.StatusForbidden {
			t.Fatalf("a reader without audit.read reads the log: %d", status)
		}
		r := e.do(http.MethodGet, "/admin/v1/audit?actor=me&verb=x", manager, nil)
		var p problem
		must(t, json.Unmarshal(r.Body, &p))
		if r.Status != http.StatusBadRequest || !slices.Contains(p.Allowed, "actor_id") || len(p.Allowed) != 9 ||
			!slices.Equal(settingsProblemFields(r), []string{"actor", "verb"}) {
			t.Fatalf("unknown parameters: %d %s", r.Status, r.Body)
		}
		r = e.do(http.MethodGet, "/admin/v1/audit?actor_type=robot&action=acc*&since=yesterday&limit=0&cursor=%3F", manager, nil)
		if fields := settingsProblemFields(r); r.Status != http.StatusBadRequest ||
			!slices.Equal(fields, []string{"action", "actor_type", "cursor", "limit", "since"}) {
			t.Fatalf("bad values: %d %s", r.Status, r.Body)
		}
		for _, q := range []string{"since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z", "action=a&action=b"} {
			if r := e.do(http.MethodGet, "/admin/v1/audit?"+q, manager, nil); r.Status != http.StatusBadRequest {
				t.Errorf("GET /audit?%s = %d", q, r.Status)
			}
		}
	})
}

// seedAudit appends five events to the test organization (and one to
// another) and returns their ids, oldest first.
func seedAudit(t *testing.T, e *adminEnv) []string {
	t.Helper()
	at := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC) }
	seed := []directory.AuditEvent{
		{ActorType: directory.ActorAdmin, ActorID: "adm1", Action: "account.invite", TargetType: "user", TargetID: "u1", At: at(1)},
		{ActorType: directory.ActorAdmin, ActorID: "adm2", Action: "account.deactivate", TargetType: "user", TargetID: "u2", At: at(2)},
		{ActorType: directory.ActorScimToken, ActorID: "tok", Action: "user.create", TargetType: "user", TargetID: "u1", At: at(3)},
		{ActorType: directory.ActorAdmin, ActorID: "adm1", Action: "export.download", TargetType: "export", TargetID: "u1", At: at(4)},
		{ActorType: directory.ActorPerson, ActorID: "u1", Action: "account.claim", TargetType: "user", TargetID: "u1", At: at(5)},
	}
	var ids []string
	for i := range seed {
		seed[i].OrgID = e.org.ID
		must(t, e.store.AppendAudit(t.Context(), &seed[i]))
		ids = append(ids, seed[i].ID)
	}
	other := directory.Organization{Slug: "other", Name: "Other"}
	must(t, e.store.CreateOrganization(t.Context(), &other))
	must(t, e.store.AppendAudit(t.Context(), &directory.AuditEvent{OrgID: other.ID, ActorType: directory.ActorAdmin,
		ActorID: "adm1", Action: "account.invite", TargetType: "user", TargetID: "u1", At: at(1)}))
	return ids
}

// auditIDs reads every page of GET /audit?query (limit 0: the default)
// and returns the event ids in order.
func auditIDs(t *testing.T, e *adminEnv, token, query string, limit int) []string {
	t.Helper()
	values, err := url.ParseQuery(query)
	must(t, err)
	if limit > 0 {
		values.Set("limit", strconv.Itoa(limit))
	}
	var ids []string
	for range 20 {
		status, body := e.get(token, "/admin/v1/audit?"+values.Encode())
		if status != http.StatusOK {
			t.Fatalf("GET /audit?%s = %d %v", values.Encode(), status, body)
		}
		items := body["items"].([]any)
		for _, it := range items {
			ids = append(ids, it.(map[string]any)["id"].(string))
		}
		next, _ := body["next_cursor"].(string)
		if next == "" {
			return ids
		}
		if limit > 0 && len(items) != limit {
			t.Fatalf("a page of %d events before the last, with limit %d", len(items), limit)
		}
		values.Set("cursor", next)
	}
	t.Fatal("too many pages")
	return nil
}
