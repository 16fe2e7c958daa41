package admin

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
)

// bearerScheme names the admin-token security scheme in the document.
const bearerScheme = "bearer"

// problemSchema names the RFC 7807 problem document's schema.
const problemSchema = "Problem"

// errorResponses are the problem documents every operation may answer,
// by status, with the component response describing each. Public
// operations leave out 401 and 403.
func errorResponses(auth authMode) map[int]string {
	out := map[int]string{
		http.StatusBadRequest: "BadRequest",
		http.StatusNotFound:   "NotFound",
		http.StatusConflict:   "Conflict",
	}
	if auth != authNone {
		out[http.StatusUnauthorized] = "Unauthorized"
		out[http.StatusForbidden] = "Forbidden"
	}
	return out
}

// openAPIComponents holds what operations refer to: the bearer scheme,
// the problem document and the error responses made of it.
func openAPIComponents() (*openapi3.Components, error) {
	problemRef, err := schemaOf(problem{}, true)
	if err != nil {
		return nil, err
	}
	components := openapi3.NewComponents()
	components.Schemas = openapi3.Schemas{problemSchema: problemRef}
	components.SecuritySchemes = openapi3.SecuritySchemes{bearerScheme: {Value: &openapi3.SecurityScheme{
		Type: "http", Scheme: "bearer", BearerFormat: "lka_…",
		Description: "An admin token: `latchkey admin create` prints the first, POST /admins/{id}/tokens makes more.",
	}}}
	content := openapi3.NewContentWithSchemaRef(openapi3.NewSchemaRef("#/components/schemas/"+problemSchema, problemRef.Value), []string{"application/problem+json"})
	describe := map[string]string{
		"BadRequest":   "The request is invalid: errors names each field at fault, allowed lists accepted values",
		"Unauthorized": "No admin token, or one that is unknown, expired, revoked or whose admin is disabled",
		"Forbidden":    "The admin's role lacks the permission this operation needs (x-permission)",
		"NotFound":     "No such resource in this organization",
		"Conflict":     "The request conflicts with the current state; detail says what to do",
		"Error":        "Any other failure, as a problem document (503 with Retry-After when the database is unavailable)",
	}
	components.Responses = openapi3.ResponseBodies{}
	for name, text := range describe {
		components.Responses[name] = &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription(text).WithContent(content)}
	}
	return &components, nil
}

// openAPIOperation describes one route; its error responses refer to
// components (and carry their values, so the document validates as
// built, before a loader resolves the references).
func openAPIOperation(r route, components *openapi3.Components) (*openapi3.Operation, error) {
	op := openapi3.NewOperation()
	op.OperationID = operationID(r.Method, r.Path)
	op.Summary = r.Summary
	op.Description = permissionNote(r)
	op.Tags = []string{r.Tag}
	op.Extensions = map[string]any{"x-permission": string(r.Permission)}
	if r.Also != "" {
		op.Extensions["x-also-permission"] = string(r.Also)
	}
	for _, name := range pathParams(r.Path) {
		op.AddParameter(openapi3.NewPathParameter(name).WithSchema(openapi3.NewStringSchema()))
	}
	for _, q := range r.Query {
		op.AddParameter(openapi3.NewQueryParameter(q.Name).WithDescription(q.Description).WithSchema(queryParamSchema(q.Type)))
	}
	if r.Body != nil {
		schema, err := schemaOf(r.Body, false)
		if err != nil {
			return nil, err
		}
		op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(!r.OptionalBody).WithJSONSchemaRef(schema)}
	}
	success, err := successResponse(r)
	if err != nil {
		return nil, err
	}
	op.Responses = openapi3.NewResponses(openapi3.WithStatus(successStatus(r), &openapi3.ResponseRef{Value: success}))
	refer := func(name string) *openapi3.ResponseRef {
		return &openapi3.ResponseRef{Ref: "#/components/responses/" + name, Value: components.Responses[name].Value}
	}
	for status, name := range errorResponses(r.Auth) {
		op.Responses.Set(strconv.Itoa(status), refer(name))
	}
	op.Responses.Set("default", refer("Error"))
	op.Security = securityOf(r.Auth)
	return op, nil
}

func successStatus(r route) int {
	if r.Status == 0 {
		return http.StatusOK
	}
	return r.Status
}

// successResponse has the Reply's schema; a route without one answers no
// content, or content that is not JSON (a CSV download, this document).
func successResponse(r route) (*openapi3.Response, error) {
	resp := openapi3.NewResponse().WithDescription(http.StatusText(successStatus(r)))
	if r.Reply == nil {
		return resp, nil
	}
	schema, err := schemaOf(r.Reply, true)
	if err != nil {
		return nil, err
	}
	return resp.WithJSONSchemaRef(schema), nil
}

// securityOf: admin token, admin token or a signed link, or nothing.
func securityOf(auth authMode) *openapi3.SecurityRequirements {
	switch auth {
	case authNone:
		return &openapi3.SecurityRequirements{}
	case authTokenOrSigned:
		return &openapi3.SecurityRequirements{{bearerScheme: []string{}}, {}}
	}
	return nil // the document's default: the admin token
}

// permissionNote says in words what x-permission says to programs.
func permissionNote(r route) string {
	switch {
	case r.Auth == authNone:
		return "Public: no token needed."
	case r.Permission == "":
		return "Permission: any signed-in admin."
	case r.Auth == authTokenOrSigned:
		return "Permission: " + string(r.Permission) + " (or the signed link the email holds)."
	}
	if r.Also != "" {
		return "Permissions: " + string(r.Permission) + " and " + string(r.Also) + "."
	}
	return "Permission: " + string(r.Permission) + "."
}

func queryParamSchema(typ string) *openapi3.Schema {
	switch typ {
	case "integer":
		return openapi3.NewIntegerSchema()
	case "boolean":
		return openapi3.NewBoolSchema()
	case "date-time":
		return openapi3.NewDateTimeSchema()
	}
	return openapi3.NewStringSchema()
}

// schemaOf is the JSON schema of a Go value's type, every schema inline:
// the members are the fields with a json tag. For answers (replies) the
// members the server always writes, those without omitempty, are
// required, so a client may rely on them and a test checking answers
// against the document notices one gone missing.
func schemaOf(v any, replies bool) (*openapi3.SchemaRef, error) {
	if !replies {
		return openapi3gen.NewSchemaRefForValue(v, nil)
	}
	return openapi3gen.NewSchemaRefForValue(v, nil, openapi3gen.SchemaCustomizer(requireWritten))
}

// requireWritten marks a struct's always-written members required.
func requireWritten(_ string, t reflect.Type, _ reflect.StructTag, schema *openapi3.Schema) error {
	if t.Kind() != reflect.Struct || t.Implements(reflect.TypeFor[json.Marshaler]()) {
		return nil
	}
	for _, name := range writtenMembers(t) {
		if _, ok := schema.Properties[name]; ok && !slices.Contains(schema.Required, name) {
			schema.Required = append(schema.Required, name)
		}
	}
	return nil
}

// writtenMembers are the JSON names of t's tagged fields without
// omitempty, embedded structs' included, as encoding/json writes them.
func writtenMembers(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		tag, tagged := f.Tag.Lookup("json")
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case tag == "-":
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			names = append(names, writtenMembers(f.Type)...)
		case tagged && f.IsExported() && !strings.Contains(","+opts+",", ",omitempty,") && !strings.Contains(","+opts+",", ",omitzero,"):
			if name == "" {
				name = f.Name
			}
			names = append(names, name)
		}
	}
	return names
}

// openAPIPath turns echo's "/admins/:id" into "/admins/{id}".
func openAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		if name, ok := strings.CutPrefix(part, ":"); ok {
			parts[i] = "{" + name + "}"
		}
	}
	return strings.Join(parts, "/")
}

// pathParams names the parameters of an echo path, in order.
func pathParams(p string) []string {
	var names []string
	for _, part := range strings.Split(p, "/") {
		if name, ok := strings.CutPrefix(part, ":"); ok {
			names = append(names, name)
		}
	}
	return names
}

// operationID is unique per method and path: "get_admins_id_tokens".
func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, part := range strings.FieldsFunc(path, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		b.WriteString("_" + part)
	}
	return b.String()
}
