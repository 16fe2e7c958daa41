package admin

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/labstack/echo/v4"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// decodeBody reads the JSON request body into v, refusing unknown fields
// and trailing data, so a typo is a 400 rather than a silent no-op.
func decodeBody(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			return bodyTooLarge(tooLarge)
		case errors.Is(err, io.EOF):
			return newProblem(http.StatusBadRequest, "invalid", "send a JSON object as the request body")
		case errors.As(err, &syntax):
			return newProblem(http.StatusBadRequest, "invalid", "the body is not valid JSON: "+syntax.Error())
		case errors.As(err, &typ):
			return invalidField(jsonPath(typ.Field, v), "must be a JSON "+jsonKind(typ.Type))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return invalidField(field, "is not a field of this request")
		}
		return newProblem(http.StatusBadRequest, "invalid", "the body could not be read as JSON")
	}
	if dec.More() {
		return newProblem(http.StatusBadRequest, "invalid", "send one JSON object, nothing after it")
	}
	return nil
}

// jsonPath is encoding/json's path of a field ("bulkSelection.peopleFilter.
// status") as the client wrote it ("status"): the Go names of embedded
// structs, whose fields JSON lifts into the outer object, are dropped.
func jsonPath(path string, v any) string {
	embedded := map[string]bool{}
	embeddedNames(reflect.TypeOf(v), embedded)
	var kept []string
	for _, seg := range strings.Split(path, ".") {
		if !embedded[seg] {
			kept = append(kept, seg)
		}
	}
	return strings.Join(kept, ".")
}

func embeddedNames(t reflect.Type, into map[string]bool) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Tag.Get("json") == "" {
			into[f.Name] = true
			embeddedNames(f.Type, into)
		}
	}
}

// jsonKind names a Go type as JSON does.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "whole number"
	case reflect.Float32, reflect.Float64:
		return "number"
	}
	return t.Kind().String()
}
