package scim

import (
	"net/http"
	"strings"

	"github.com/elimity-com/scim/schema"
	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// Limits advertised in ServiceProviderConfig and enforced by the handlers.
const (
	defaultPageSize   = 100
	maxBulkOperations = 1000
	maxBulkPayload    = 1 << 20
	cursorTimeout     = 3600 // seconds; cursors are keyset positions and never expire, so this is generous
)

// serviceProviderConfig describes what this server really supports.
func (h *Handler) serviceProviderConfig() document {
	return document{
		"schemas":        []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		"patch":          document{"supported": true},
		"bulk":           document{"supported": h.bulkSupported(), "maxOperations": maxBulkOperations, "maxPayloadSize": maxBulkPayload},
		"filter":         document{"supported": true, "maxResults": h.maxResults},
		"changePassword": document{"supported": false},
		"sort":           document{"supported": true},
		"etag":           document{"supported": true},
		"pagination": document{ // RFC 9865
			"cursor": true, "index": true, "defaultPaginationMethod": "index",
			"defaultPageSize": defaultPageSize, "maxPageSize": h.maxResults, "cursorTimeout": cursorTimeout,
		},
		"authenticationSchemes": []document{{
			"type":        "oauthbearertoken",
			"name":        "OAuth Bearer Token",
			"description": "Authentication with a bearer token minted by `latchkey scim-token create`, sent as Authorization: Bearer <token>.",
			"specUri":     "https://www.rfc-editor.org/info/rfc6750",
			"primary":     true,
		}, {
			"type": "oauth2",
			"name": "OAuth 2.0 Client Credentials",
			"description": "Exchange the client id and secret from `latchkey scim-client create` for a short-lived bearer token " +
				"at POST " + h.root + TokenPrefix + "/token (grant_type=client_credentials; credentials with HTTP Basic or as " +
				"client_id and client_secret form fields), then send it as Authorization: Bearer <token>.",
			"specUri": "https://www.rfc-editor.org/info/rfc6749",
			"primary": false,
		}},
		"meta": document{"resourceType": "ServiceProviderConfig", "location": h.base + "/ServiceProviderConfig"},
	}
}

func (h *Handler) resourceTypes() []document {
	user := schemas.User()
	exts := make([]document, 0, len(user.Extensions))
	for _, e := range user.Extensions {
		exts = append(exts, document{"schema": e.ID, "required": false})
	}
	return []document{
		{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"},
			"id":      "User", "name": "User", "endpoint": "/Users", "description": "User Account",
			"schema": schemas.UserURN, "schemaExtensions": exts,
			"meta": document{"resourceType": "ResourceType", "location": h.base + "/ResourceTypes/User"},
		},
		{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"},
			"id":      "Group", "name": "Group", "endpoint": "/Groups", "description": "Group",
			"schema": schemas.GroupURN, "schemaExtensions": []document{},
			"meta": document{"resourceType": "ResourceType", "location": h.base + "/ResourceTypes/Group"},
		},
	}
}

func (h *Handler) schemaDocuments() []document {
	all := []schema.Schema{schemas.User().Core, schemas.Group().Core}
	all = append(all, schemas.User().Extensions...)
	out := make([]document, 0, len(all))
	for _, s := range all {
		doc := document(s.ToMap())
		doc["meta"] = document{"resourceType": "Schema", "location": h.base + "/Schemas/" + s.ID}
		out = append(out, doc)
	}
	return out
}

// discovery wraps a discovery endpoint: query parameters are ignored, but
// a filter is refused with 403 as RFC 7644 §4 requires.
func discovery(fn func(c echo.Context) error) func(c echo.Context) error {
	return func(c echo.Context) error {
		if c.QueryParams().Has("filter") {
			return &Error{Status: http.StatusForbidden, Detail: "filtering is not supported on discovery endpoints"}
		}
		return fn(c)
	}
}

func (h *Handler) getServiceProviderConfig(c echo.Context) error {
	return writeJSON(c, http.StatusOK, h.serviceProviderConfig())
}

func (h *Handler) listResourceTypes(c echo.Context) error {
	return writeJSON(c, http.StatusOK, listResponse(toAny(h.resourceTypes()), 2, 1, ""))
}

func (h *Handler) getResourceType(c echo.Context) error {
	for _, rt := range h.resourceTypes() {
		if strings.EqualFold(rt["id"].(string), c.Param("name")) {
			return writeJSON(c, http.StatusOK, rt)
		}
	}
	return notFound("resource type", c.Param("name"))
}

func (h *Handler) listSchemas(c echo.Context) error {
	docs := h.schemaDocuments()
	return writeJSON(c, http.StatusOK, listResponse(toAny(docs), int64(len(docs)), 1, ""))
}

func (h *Handler) getSchema(c echo.Context) error {
	for _, s := range h.schemaDocuments() {
		if strings.EqualFold(s["id"].(string), c.Param("urn")) {
			return writeJSON(c, http.StatusOK, s)
		}
	}
	return notFound("schema", c.Param("urn"))
}

func methodNotAllowed(c echo.Context) error {
	return &Error{Status: http.StatusMethodNotAllowed, Detail: "discovery endpoints are read-only; use GET"}
}

func toAny(docs []document) []any {
	out := make([]any, len(docs))
	for i, d := range docs {
		out[i] = d
	}
	return out
}

// listResponse is RFC 7644's ListResponse; itemsPerPage is the number of
// resources actually returned.
func listResponse(resources []any, total int64, startIndex int, nextCursor string) document {
	if resources == nil {
		resources = []any{}
	}
	body := document{
		"schemas":      []string{schemas.ListResponseURN},
		"totalResults": total,
		"itemsPerPage": len(resources),
		"startIndex":   startIndex,
		"Resources":    resources,
	}
	if nextCursor != "" {
		body["nextCursor"] = nextCursor
	}
	return body
}
