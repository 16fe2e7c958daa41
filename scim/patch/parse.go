package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// Operation is one element of a PatchOp request's Operations array.
// ParseRequest returns Op in lower case and Path trimmed; Value is decoded
// with json.Number for numbers and is nil when absent or null.
type Operation struct {
	Op    string
	Path  string
	Value any
}

// ParseRequest decodes and validates a PatchOp request body (RFC 7644
// §3.5.2): schemas must contain urn:ietf:params:scim:api:messages:2.0:PatchOp
// and Operations must be non-empty. op is matched without regard to case
// (Entra sends "Replace"); a remove needs a path (else noTarget). Paths are
// checked against the schema later, by Apply.
func ParseRequest(body []byte) ([]Operation, error) {
	var req struct {
		Schemas    []string `json:"schemas"`
		Operations []struct {
			Op    string `json:"op"`
			Path  string `json:"path"`
			Value any    `json:"value"`
		} `json:"Operations"` // encoding/json also matches "operations"
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return nil, errorf(InvalidSyntax, "request body is not a PatchOp message: %s", describeJSONError(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errorf(InvalidSyntax, "unexpected data after the request body")
	}
	if !containsFold(req.Schemas, schemas.PatchOpURN) {
		return nil, errorf(InvalidSyntax, "schemas must contain %s", schemas.PatchOpURN)
	}
	if len(req.Operations) == 0 {
		return nil, errorf(InvalidSyntax, "Operations must not be empty")
	}
	ops := make([]Operation, len(req.Operations))
	for i, o := range req.Operations {
		kind, ok := normalizeOp(o.Op)
		if !ok {
			return nil, errorf(InvalidSyntax, "Operations[%d]: unknown op %s", i, quote(o.Op))
		}
		path := strings.TrimSpace(o.Path)
		if kind == opRemove && path == "" {
			return nil, errorf(NoTarget, "Operations[%d]: remove requires a path", i)
		}
		ops[i] = Operation{Op: kind, Path: path, Value: o.Value}
	}
	return ops, nil
}

// describeJSONError says what is wrong with a body in the client's terms,
// never in encoding/json's (which names Go types).
func describeJSONError(err error) string {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "the body is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early"
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("malformed JSON at byte %d", syntaxErr.Offset)
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return fmt.Sprintf("%s must be %s, not a JSON %s", typeErr.Field, jsonKind(typeErr.Type.Kind()), typeErr.Value)
	}
	return "the body must be a JSON object"
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a value of another type"
}

func containsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(strings.TrimSpace(e), s) {
			return true
		}
	}
	return false
}
