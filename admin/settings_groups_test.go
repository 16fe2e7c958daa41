package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

// TestClaimGroups: groups are listed by name, searched, paged, and their
// claim-page flags set (audited); people.read lists, settings.manage
// sets.
func TestClaimGroups(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		admin := e.token(e.org.ID, "it@acme.example", directory.RoleSystemAdmin)
		reader := e.token(e.org.ID, "audit@acme.example", directory.RoleReader)
		var ids []string
		for _, name := range []string{"Sales Berlin", "Engineering", "Sales Paris", "Support"} {
			g := directory.Group{OrgID: e.org.ID, DisplayName: name}
			must(t, e.store.CreateGroup(t.Context(), &g))
			ids = append(ids, g.ID)
		}

		if names := groupNames(t, e, reader, "?q=sales"); fmt.Sprint(names) != "[Sales Berlin Sales Paris]" {
			t.Fatalf("search for sales: %v", names)
		}
		if names := groupNames(t, e, reader, "?limit=3"); fmt.Sprint(names) != "[Engineering Sales Berlin Sales Paris Support]" {
			t.Fatalf("all groups, paged by 3: %v", names)
		}
		for _, bad := range []string{"?colour=red", "?limit=0", "?limit=x", "?cursor=nonsense"} {
			if r := e.do(http.MethodGet, "/admin/v1/groups"+bad, reader, nil); r.Status != http.StatusBadRequest {
				t.Errorf("GET /groups%s = %d %s", bad, r.Status, r.Body)
			}
		}

		flags := map[string]any{"is_default": true, "is_open": false}
		if r := e.do(http.MethodPut, "/admin/v1/groups/"+ids[1]+"/flags", reader, flags); r.Status != http.StatusForbidden {
			t.Fatalf("a reader sets flags: %d", r.Status)
		}
		r := e.do(http.MethodPut, "/admin/v1/groups/"+ids[1]+"/flags", admin, flags)
		if doc := r.JSON(); r.Status != http.StatusOK || doc["is_default"] != true || doc["is_open"] != false || doc["displayName"] != "Engineering" {
			t.Fatalf("PUT flags = %d %s", r.Status, r.Body)
		}
		if _, body := e.get(reader, "/admin/v1/groups?q=engineering"); body["items"].([]any)[0].(map[string]any)["is_default"] != true {
			t.Fatalf("listed flags: %v", body)
		}
		if r := e.do(http.MethodPut, "/admin/v1/groups/"+ids[1]+"/flags", admin, map[string]any{"is_open": true}); r.Status != http.StatusBadRequest {
			t.Fatalf("PUT one flag only = %d", r.Status)
		}
		if r := e.do(http.MethodPut, "/admin/v1/groups/nope/flags", admin, flags); r.Status != http.StatusNotFound {
			t.Fatalf("PUT flags of an unknown group = %d", r.Status)
		}
		if events := e.auditTrail(directory.AuditQuery{Action: "group.flags", TargetID: ids[1]}); len(events) != 1 {
			t.Fatalf("flag changes audited: %d", len(events))
		}
	})
}

// groupNames follows next_cursor through every page of GET /groups.
func groupNames(t *testing.T, e *adminEnv, token, query string) []string {
	t.Helper()
	var names []string
	path := "/admin/v1/groups" + query
	for range 10 {
		status, body := e.get(token, path)
		if status != http.StatusOK {
			t.Fatalf("GET %s = %d %v", path, status, body)
		}
		for _, it := range body["items"].([]any) {
			names = append(names, it.(map[string]any)["displayName"].(string))
		}
		next, _ := body["next_cursor"].(string)
		if next == "" {
			return names
		}
		values, _ := url.ParseQuery(query[min(1, len(query)):])
		values.Set("cursor", next)
		path = "/admin/v1/groups?" + values.Encode()
	}
	t.Fatal("too many pages")
	return nil
}
