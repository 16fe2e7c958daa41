package admin

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
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
		switch {
		case errors.Is(err, io.EOF):
			return newProblem(http.StatusBadRequest, "invalid", "send a JSON object as the request body")
		case errors.As(err, &syntax):
			return newProblem(http.StatusBadRequest, "invalid", "the body is not valid JSON: "+syntax.Error())
		case errors.As(err, &typ):
			return invalidField(typ.Field, "must be a JSON "+typ.Type.Kind().String())
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
