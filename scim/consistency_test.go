package scim

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// TestConcurrentPatchesLoseNothing: PATCHes without If-Match queue behind
// each other; every one succeeds and none overwrites another.
func TestConcurrentPatchesLoseNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		id := e.do("POST", "/scim/v2/Users", userBody("busy@corp.com")).want(t, 201).str("id")
		const writers = 8
		var wg sync.WaitGroup
		statuses := make(chan int, writers)
		for i := range writers {
			wg.Go(func() {
				r := e.do("PATCH", "/scim/v2/Users/"+id, patchBody(map[string]any{
					"op": "add", "path": "phoneNumbers",
					"value": []any{map[string]any{"type": "work", "value": fmt.Sprintf("+1 555 010%d", i)}},
				}))
				statuses <- r.status
			})
		}
		wg.Wait()
		close(statuses)
		for s := range statuses {
			if s != http.StatusOK {
				t.Fatalf("a concurrent PATCH answered %d; want 200 for all", s)
			}
		}
		r := e.do("GET", "/scim/v2/Users/"+id, nil).want(t, 200)
		phones, _ := r.get("phoneNumbers").([]any)
		if len(phones) != writers || r.str("meta.version") != etag(1+writers) {
			t.Fatalf("after %d concurrent PATCHes: %d phone numbers, version %s; want %d and %s",
				writers, len(phones), r.str("meta.version"), writers, etag(1+writers))
		}
	})
}

// TestStartDateBounds: a date no backend can store back is refused up
// front; Workplace's epoch seconds sent as milliseconds are the usual case.
func TestStartDateBounds(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		for name, ext := range map[string]map[string]any{
			"milliseconds": {schemas.FacebookStartTermDatesURN: map[string]any{"startDate": 1798761600000}},
			"year 0":       {schemas.LatchkeyURN: map[string]any{"startDate": "0000-06-01T00:00:00Z"}},
			"negative":     {schemas.FacebookStartTermDatesURN: map[string]any{"startDate": -5}},
		} {
			body := userBody(name + "@corp.com")
			for k, v := range ext {
				body[k] = v
			}
			r := e.do("POST", "/scim/v2/Users", body)
			if r.status != http.StatusBadRequest || r.body["scimType"] != typeInvalidValue {
				t.Fatalf("%s: status %d %s; want 400 invalidValue", name, r.status, r.raw)
			}
		}
		e.do("GET", "/scim/v2/Users?sortBy=urn:ietf:params:scim:schemas:extension:latchkey:2.0:User:startDate", nil).want(t, 200)
	})
}

// TestLifecycleAliasPatch: removing one alias of startDate removes it
// although the other alias still shows the old value, and writing the
// same instant in another spelling is a no-op.
func TestLifecycleAliasPatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		body := userBody("dates@corp.com")
		body[schemas.LatchkeyURN] = map[string]any{"startDate": "2027-01-04T09:00:00Z"}
		r := e.do("POST", "/scim/v2/Users", body).want(t, 201)
		id, version := r.str("id"), r.str("meta.version")

		r = e.do("PATCH", "/scim/v2/Users/"+id, patchBody(map[string]any{
			"op": "replace", "path": schemas.LatchkeyURN + ":startDate", "value": "2027-01-04T10:00:00+01:00",
		})).want(t, 200)
		if r.str("meta.version") != version {
			t.Fatalf("the same instant in another spelling moved the version %s -> %s", version, r.str("meta.version"))
		}
		r = e.do("PATCH", "/scim/v2/Users/"+id, patchBody(map[string]any{
			"op": "replace", "path": schemas.FacebookStartTermDatesURN + ":startDate", "value": 1799053200,
		})).want(t, 200)
		if r.str("meta.version") != version {
			t.Fatalf("the same instant as Workplace epoch seconds moved the version to %s", r.str("meta.version"))
		}

		r = e.do("PATCH", "/scim/v2/Users/"+id, patchBody(map[string]any{
			"op": "remove", "path": schemas.LatchkeyURN + ":startDate",
		})).want(t, 200)
		if r.get(schemas.LatchkeyURN+"|startDate") != nil || r.get(schemas.FacebookStartTermDatesURN+"|startDate") != nil {
			t.Fatalf("startDate still set after removing it:\n%s", r.raw)
		}
		e.do("PATCH", "/scim/v2/Users/"+id, patchBody(map[string]any{
			"op": "add", "path": schemas.FacebookStartTermDatesURN + ":startDate", "value": 1799053200,
		})).want(t, 200)
		r = e.do("PATCH", "/scim/v2/Users/"+id, patchBody(map[string]any{
			"op": "remove", "path": schemas.FacebookStartTermDatesURN + ":startDate",
		})).want(t, 200)
		if r.get(schemas.LatchkeyURN+"|startDate") != nil {
			t.Fatalf("startDate still set after removing Workplace's alias:\n%s", r.raw)
		}
	})
}

// TestIfMatchInsideTransaction: If-Match guards DELETE and member-only
// group PATCHes against the version they actually change.
func TestIfMatchInsideTransaction(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		user := e.do("POST", "/scim/v2/Users", userBody("guarded@corp.com")).want(t, 201)
		uid := user.str("id")
		g := e.do("POST", "/scim/v2/Groups", groupBody("Guarded")).want(t, 201)
		gid, stale := g.str("id"), g.str("meta.version")
		e.do("PATCH", "/scim/v2/Groups/"+gid, patchBody(map[string]any{
			"op": "add", "path": "members", "value": []any{map[string]any{"value": uid}},
		})).want(t, 204)
		e.do("PATCH", "/scim/v2/Groups/"+gid, patchBody(map[string]any{
			"op": "remove", "path": fmt.Sprintf("members[value eq %q]", uid),
		}), "If-Match", stale).wantError(t, 412, typeInvalidVers)
		e.do("DELETE", "/scim/v2/Groups/"+gid, nil, "If-Match", stale).wantError(t, 412, typeInvalidVers)

		e.do("PATCH", "/scim/v2/Users/"+uid, patchBody(map[string]any{"op": "replace", "path": "title", "value": "CTO"})).want(t, 200)
		e.do("DELETE", "/scim/v2/Users/"+uid, nil, "If-Match", user.str("meta.version")).wantError(t, 412, typeInvalidVers)
		e.do("GET", "/scim/v2/Users/"+uid, nil).want(t, 200)
		e.do("DELETE", "/scim/v2/Users/"+uid, nil, "If-Match", etag(2)).want(t, 204)
	})
}

// TestGroupPatchReturnsAttributes: a PATCH that asks for attributes gets
// the resource (RFC 7644 §3.5.2), otherwise 204.
func TestGroupPatchReturnsAttributes(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		gid := e.do("POST", "/scim/v2/Groups", groupBody("Renamed")).want(t, 201).str("id")
		r := e.do("PATCH", "/scim/v2/Groups/"+gid+"?attributes=displayName", patchBody(map[string]any{
			"op": "replace", "path": "displayName", "value": "Renamed Again",
		})).want(t, 200)
		if r.str("displayName") != "Renamed Again" || r.str("id") != gid || r.header.Get("ETag") != etag(2) {
			t.Fatalf("PATCH ?attributes=displayName answered\n%s\nETag %s", r.raw, r.header.Get("ETag"))
		}
		if _, ok := r.body["members"]; ok {
			t.Fatalf("members returned although only displayName was asked for:\n%s", r.raw)
		}
	})
}

// TestGroupSelfMembership: a group cannot contain itself.
func TestGroupSelfMembership(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		gid := e.do("POST", "/scim/v2/Groups", groupBody("Ouroboros")).want(t, 201).str("id")
		e.do("PATCH", "/scim/v2/Groups/"+gid, patchBody(map[string]any{
			"op": "add", "path": "members", "value": []any{map[string]any{"value": gid, "type": "Group"}},
		})).wantError(t, 400, typeInvalidValue)
	})
}

// TestGroupListMemberBudget: a list response renders at most the member
// budget (beyond its first group), holding fewer groups instead; the
// walk still reaches every group by index and by cursor.
func TestGroupListMemberBudget(t *testing.T) {
	eachBackendWith(t, envOptions{members: 3}, func(t *testing.T, e *scimEnv) {
		var users []string
		for i := range 4 {
			users = append(users, e.do("POST", "/scim/v2/Users", userBody(fmt.Sprintf("m%d@corp.com", i))).want(t, 201).str("id"))
		}
		e.do("POST", "/scim/v2/Groups", groupBody("A", users...)).want(t, 201)
		e.do("POST", "/scim/v2/Groups", groupBody("B", users[0])).want(t, 201)
		e.do("POST", "/scim/v2/Groups", groupBody("C", users[1], users[2])).want(t, 201)

		seen := map[string]bool{}
		for start := 1; start <= 3; {
			r := e.do("GET", fmt.Sprintf("/scim/v2/Groups?sortBy=displayName&startIndex=%d&count=10", start), nil).want(t, 200)
			n := int(r.get("itemsPerPage").(float64))
			if n == 0 || r.get("totalResults").(float64) != 3 {
				t.Fatalf("page at %d:\n%s", start, r.raw)
			}
			for i := range n {
				seen[r.str(fmt.Sprintf("Resources.%d.displayName", i))] = true
			}
			start += n
		}
		if len(seen) != 3 {
			t.Fatalf("index walk saw %v; want A, B and C", seen)
		}
		r := e.do("GET", "/scim/v2/Groups?sortBy=displayName&count=10", nil).want(t, 200)
		if r.get("itemsPerPage").(float64) != 1 || r.str("Resources.0.displayName") != "A" || len(r.get("Resources.0.members").([]any)) != 4 {
			t.Fatalf("first page should hold A whole and alone:\n%s", r.raw)
		}

		seen = map[string]bool{}
		cursor := ""
		for range 5 {
			r := e.do("GET", "/scim/v2/Groups?sortBy=displayName&count=10&cursor="+cursor, nil).want(t, 200)
			for _, res := range r.get("Resources").([]any) {
				seen[res.(map[string]any)["displayName"].(string)] = true
			}
			if cursor = r.str("nextCursor"); cursor == "" {
				break
			}
		}
		if len(seen) != 3 {
			t.Fatalf("cursor walk saw %v; want A, B and C", seen)
		}
		r = e.do("GET", "/scim/v2/Groups?count=10&excludedAttributes=members", nil).want(t, 200)
		if r.get("itemsPerPage").(float64) != 3 {
			t.Fatalf("without members every group fits:\n%s", r.raw)
		}
	})
}

// TestProjectionOfMultiValuedSubAttributes: attributes and
// excludedAttributes reach into multi-valued complex attributes.
func TestProjectionOfMultiValuedSubAttributes(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		body := userBody("proj@corp.com")
		body["emails"] = []any{
			map[string]any{"value": "proj@corp.com", "type": "work", "primary": true},
			map[string]any{"value": "p@home.example", "type": "home"},
		}
		id := e.do("POST", "/scim/v2/Users", body).want(t, 201).str("id")

		r := e.do("GET", "/scim/v2/Users/"+id+"?attributes=emails.value", nil).want(t, 200)
		emails, _ := r.get("emails").([]any)
		if len(emails) != 2 || r.str("emails.1.value") != "p@home.example" || r.get("emails.0.type") != nil || r.get("userName") != nil {
			t.Fatalf("attributes=emails.value:\n%s", r.raw)
		}
		r = e.do("GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "proj@corp.com"`)+"&excludedAttributes=emails.type,name.givenName", nil).want(t, 200)
		if r.str("Resources.0.emails.0.value") != "proj@corp.com" || r.get("Resources.0.emails.0.type") != nil ||
			r.get("Resources.0.emails.0.primary") != true || r.get("Resources.0.name.givenName") != nil || r.str("Resources.0.name.familyName") != "Smith" {
			t.Fatalf("excludedAttributes=emails.type,name.givenName:\n%s", r.raw)
		}
		r = e.do("GET", "/scim/v2/Users/"+id+"?attributes=urn:ietf:params:scim:schemas:core:2.0:User:emails.type", nil).want(t, 200)
		if r.str("emails.1.type") != "home" || r.get("emails.1.value") != nil {
			t.Fatalf("URN-qualified attributes=…:emails.type:\n%s", r.raw)
		}
	})
}

// TestExternalIDAnyCase: attribute names are case-insensitive, externalId
// included.
func TestExternalIDAnyCase(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *scimEnv) {
		body := userBody("ext@corp.com")
		body["ExternalID"] = "E-42"
		r := e.do("POST", "/scim/v2/Users", body).want(t, 201)
		if r.str("externalId") != "E-42" {
			t.Fatalf("ExternalID was dropped:\n%s", r.raw)
		}
		body = userBody("ext2@corp.com")
		body["externalId"], body["EXTERNALID"] = "a", "b"
		e.do("POST", "/scim/v2/Users", body).wantError(t, 400, typeInvalidSyntax)
	})
}
