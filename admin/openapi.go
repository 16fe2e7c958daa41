package admin

import (
	"encoding/json"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
)

// openAPIRoutes: the API describing itself. The document is made from
// the route table (routes.go), so it cannot drift from what is served.
func (h *Handler) openAPIRoutes() []route {
	doc := &openAPIDocument{h: h}
	return []route{
		{Method: http.MethodGet, Path: "/openapi.json", Auth: authNone, Tag: "meta",
			Summary: "This API as an OpenAPI 3 document (public)", Handle: doc.serve},
	}
}

// openAPIDocument is the document as served: built on first request
// from the route table and kept, since the table never changes.
type openAPIDocument struct {
	h    *Handler
	once sync.Once
	body []byte
	err  error
}

func (d *openAPIDocument) serve(c echo.Context) error {
	d.once.Do(func() {
		var doc *openapi3.T
		if doc, d.err = buildOpenAPI(d.h.routes()); d.err == nil {
			d.body, d.err = json.Marshal(doc)
		}
	})
	if d.err != nil {
		return d.err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.JSONBlob(http.StatusOK, d.body)
}

// openAPIVersion is the OpenAPI version of the document: 3.0, which
// kin-openapi validates fully and every client generator reads.
const openAPIVersion = "3.0.3"

// buildOpenAPI describes routes as an OpenAPI document. It refuses a
// table with a mistake in it (checkRoutes).
func buildOpenAPI(routes []route) (*openapi3.T, error) {
	if err := checkRoutes(routes); err != nil {
		return nil, err
	}
	components, err := openAPIComponents()
	if err != nil {
		return nil, err
	}
	doc := &openapi3.T{
		OpenAPI: openAPIVersion,
		Info: &openapi3.Info{Title: "Latchkey admin API", Version: "1",
			Description: "Manage the people of one organization: who is invited and who has claimed an account, " +
				"bulk invitations and reminders, exports with claim links, settings, access and the audit log. " +
				"Send an admin token as \"Authorization: Bearer <token>\"; every operation names the permission " +
				"it needs (x-permission). Errors are RFC 7807 problem documents."},
		Servers:    openapi3.Servers{{URL: Prefix}},
		Paths:      openapi3.NewPaths(),
		Components: components,
		Security:   openapi3.SecurityRequirements{{bearerScheme: []string{}}},
	}
	tags := map[string]bool{}
	for _, r := range routes {
		op, err := openAPIOperation(r, components)
		if err != nil {
			return nil, err
		}
		path := openAPIPath(r.Path)
		item := doc.Paths.Value(path)
		if item == nil {
			item = &openapi3.PathItem{}
			doc.Paths.Set(path, item)
		}
		item.SetOperation(r.Method, op)
		if !tags[r.Tag] {
			tags[r.Tag] = true
			doc.Tags = append(doc.Tags, &openapi3.Tag{Name: r.Tag})
		}
	}
	return doc, nil
}
