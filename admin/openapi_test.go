package admin

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// tableOnly is a Handler good for reading the route table and mounting
// it; its handlers are never called.
func tableOnly() *Handler { return New(Options{}) }

func TestOpenAPIDocumentValidates(t *testing.T) {
	doc, err := buildOpenAPI(tableOnly().routes())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("the document as built: %v", err)
	}
	raw, err := json.Marshal(doc)
	must(t, err)
	loaded, err := openapi3.NewLoader().LoadFromData(raw)
	must(t, err)
	if err := loaded.Validate(t.Context()); err != nil {
		t.Fatalf("the document as served and loaded: %v", err)
	}
	if loaded.OpenAPI != openAPIVersion || loaded.Components.SecuritySchemes[bearerScheme] == nil {
		t.Fatalf("openapi %q, security schemes %v", loaded.OpenAPI, loaded.Components.SecuritySchemes)
	}
}

// TestOpenAPIListsEveryRoute: every route echo serves under the prefix is
// in the document with its method, and every documented operation is
// served; so is its permission, in x-permission and in words.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	h := tableOnly()
	doc, err := buildOpenAPI(h.routes())
	must(t, err)
	e := echo.New()
	h.Mount(e.Group(Prefix))
	served := map[string]bool{}
	for _, r := range e.Routes() {
		path, ok := strings.CutPrefix(r.Path, Prefix)
		if !ok || strings.HasSuffix(path, "*") { // the catch-all answering no_route
			continue
		}
		key := r.Method + " " + openAPIPath(path)
		served[key] = true
		if doc.Paths.Value(openAPIPath(path)) == nil || doc.Paths.Value(openAPIPath(path)).GetOperation(r.Method) == nil {
			t.Errorf("%s is served but not in the OpenAPI document", key)
		}
	}
	byKey := map[string]route{}
	for _, r := range h.routes() {
		byKey[r.Method+" "+openAPIPath(r.Path)] = r
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			if !served[key] {
				t.Errorf("%s is documented but not served", key)
			}
			r := byKey[key]
			if op.Extensions["x-permission"] != string(r.Permission) || !strings.Contains(op.Description, permissionNote(r)) {
				t.Errorf("%s: x-permission %v, description %q; want %q", key, op.Extensions["x-permission"], op.Description, r.Permission)
			}
		}
	}
	if len(served) == 0 {
		t.Fatal("echo serves no admin routes")
	}
}

// TestOpenAPIServed: the public document is the one built from the table,
// and responses of the API's own tests match it (see contract).
func TestOpenAPIServed(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		r := e.do(http.MethodGet, Prefix+"/openapi.json", "", nil)
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("GET /openapi.json = %d %s", r.Status, r.Header.Get("Content-Type"))
		}
		built, err := buildOpenAPI(e.handler.routes())
		must(t, err)
		want, err := json.Marshal(built)
		must(t, err)
		if string(r.Body) != string(want) {
			t.Fatal("the served document differs from the one the route table makes")
		}
		again := e.do(http.MethodGet, Prefix+"/openapi.json", "", nil)
		if string(again.Body) != string(r.Body) {
			t.Fatal("the document changed between two requests")
		}
		api := newContract(e)
		token := e.token(e.org.ID, "root@acme.example", directory.RoleSystemAdmin)
		if status, body := api.get(token, Prefix+"/me"); status != http.StatusOK || body["email"] != "root@acme.example" {
			t.Fatalf("GET /me = %d %v", status, body)
		}
		api.do(http.MethodGet, Prefix+"/permissions", "", nil) // a 401 problem document matches too
	})
}

func TestCheckRoutes(t *testing.T) {
	if err := checkRoutes(tableOnly().routes()); err != nil {
		t.Fatalf("the route table: %v", err)
	}
	ok := func(echo.Context) error { return nil }
	good := route{Method: http.MethodGet, Path: "/things/:id", Tag: "things", Summary: "One thing",
		Permission: directory.PermReadPeople, Handle: ok}
	for _, tc := range []struct {
		name   string
		change func(r *route)
		want   string
	}{
		{"no summary", func(r *route) { r.Summary = " " }, "no Summary"},
		{"unknown permission", func(r *route) { r.Permission = "people.write" }, `unknown permission "people.write"`},
		{"no tag", func(r *route) { r.Tag = "" }, "no Tag"},
		{"no handler", func(r *route) { r.Handle = nil }, "no Handle"},
		{"public with a permission", func(r *route) { r.Auth = authNone }, "a public route cannot require"},
		{"unknown auth", func(r *route) { r.Auth = authMode(9) }, "unknown auth mode"},
		{"unknown method", func(r *route) { r.Method = "TRACE" }, "unknown method"},
		{"wildcard path", func(r *route) { r.Path = "/things/*" }, "no wildcard"},
		{"relative path", func(r *route) { r.Path = "things" }, "must start with /"},
		{"status not 2xx", func(r *route) { r.Status = http.StatusFound }, "is not 2xx"},
		{"204 with a reply", func(r *route) { r.Status, r.Reply = http.StatusNoContent, meReply{} }, "a 204 answer has no Reply"},
		{"unknown query type", func(r *route) { r.Query = []queryParam{{Name: "n", Type: "float"}} }, `query parameter "n"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := good
			tc.change(&bad)
			err := checkRoutes([]route{bad})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("checkRoutes = %v; want an error saying %q", err, tc.want)
			}
			if _, err := buildOpenAPI([]route{bad}); err == nil {
				t.Fatal("buildOpenAPI accepted the table")
			}
		})
	}
	twice := checkRoutes([]route{good, good})
	if twice == nil || !strings.Contains(twice.Error(), "listed twice") {
		t.Fatalf("a route listed twice: %v", twice)
	}
	clash := good
	clash.Path = "/things/id"
	if err := checkRoutes([]route{good, clash}); err == nil || !strings.Contains(err.Error(), "same operation id") {
		t.Fatalf("two routes with one operation id: %v", err)
	}
}
