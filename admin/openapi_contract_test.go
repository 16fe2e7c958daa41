package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// contract checks requests and answers of tests against the OpenAPI
// document the server itself serves: a test that calls the API through
// it proves the document describes what the API really does.
type contract struct {
	e      *adminEnv
	doc    *openapi3.T
	router routers.Router
}

// newContract fetches /admin/v1/openapi.json from e's server and loads it
// as a client would (references resolved), with the test server's URL.
func newContract(e *adminEnv) *contract {
	e.t.Helper()
	r := e.do(http.MethodGet, Prefix+"/openapi.json", "", nil)
	if r.Status != http.StatusOK {
		e.t.Fatalf("GET /openapi.json = %d %s", r.Status, r.Body)
	}
	doc, err := openapi3.NewLoader().LoadFromData(r.Body)
	must(e.t, err)
	must(e.t, doc.Validate(e.t.Context()))
	doc.Servers = openapi3.Servers{{URL: testBaseURL + Prefix}}
	router, err := legacy.NewRouter(doc)
	must(e.t, err)
	return &contract{e: e, doc: doc, router: router}
}

// do is e.do whose request, when it succeeds, and answer, always, must
// match the document.
func (c *contract) do(method, path, token string, body any) response {
	c.e.t.Helper()
	resp := c.e.do(method, path, token, body)
	if err := c.check(method, path, token, body, resp); err != nil {
		c.e.t.Fatal(err)
	}
	return resp
}

// check says how a request and its answer differ from the document, if
// they do: the request only when it succeeded (a test may send a bad one
// on purpose), the answer always.
func (c *contract) check(method, path, token string, body any, resp response) error {
	req := httptest.NewRequest(method, testBaseURL+path, bytes.NewReader(bodyBytes(c.e.t, body)))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("%s %s is not in the OpenAPI document: %w", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}}
	if resp.Status < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			return fmt.Errorf("%s %s: the request succeeded but the document does not allow it: %w", method, path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.Status, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(resp.Body)), Options: in.Options}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("%s %s answered %d %.500s\nwhich the document does not describe: %w", method, path, resp.Status, resp.Body, err)
	}
	return nil
}

// get is do for GET, decoding the body.
func (c *contract) get(token, path string) (int, map[string]any) {
	c.e.t.Helper()
	r := c.do(http.MethodGet, path, token, nil)
	return r.Status, r.JSON()
}

func bodyBytes(t *testing.T, body any) []byte {
	t.Helper()
	switch b := body.(type) {
	case nil:
		return nil
	case string:
		return []byte(b)
	}
	raw, err := json.Marshal(body)
	must(t, err)
	return raw
}

// decodeInto decodes a JSON answer into v, failing the test otherwise.
func decodeInto(t *testing.T, r response, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(r.Body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %T from %s: %v", v, r.Body, err)
	}
}
