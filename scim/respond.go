package scim

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// ContentType is what every SCIM response is sent as.
const ContentType = "application/scim+json"

// handle adapts a SCIM handler: any error it returns becomes a SCIM error
// response, mapped in errorResponse; unexpected ones are logged with the
// request's id and answered without internal text.
func (h *Handler) handle(fn func(c echo.Context) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := fn(c)
		if err == nil {
			return nil
		}
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return writeError(c, &Error{Status: http.StatusRequestEntityTooLarge, ScimType: typeInvalidValue,
				Detail: "the request body is larger than the server accepts"})
		}
		e, retry, unexpected := errorResponse(err)
		if unexpected {
			h.log.ErrorContext(c.Request().Context(), "scim request failed", slog.Any("error", err))
		}
		if retry {
			c.Response().Header().Set("Retry-After", "5")
		}
		return writeError(c, e)
	}
}

func writeError(c echo.Context, e *Error) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return writeJSON(c, e.Status, errorBody(e))
}

func writeJSON(c echo.Context, status int, body any) error {
	c.Response().Header().Set(echo.HeaderContentType, ContentType)
	c.Response().WriteHeader(status)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	enc := json.NewEncoder(c.Response())
	enc.SetEscapeHTML(false) // SCIM bodies are not HTML; keep <, > and & readable
	return enc.Encode(body)
}

// writeResource answers with a resource and its ETag.
func writeResource(c echo.Context, status int, doc document, version int64) error {
	c.Response().Header().Set("ETag", etag(version))
	if loc, ok := doc["meta"].(document); ok && status == http.StatusCreated {
		c.Response().Header().Set("Location", loc["location"].(string))
	}
	return writeJSON(c, status, doc)
}

// readDocument decodes a request body that must be a JSON object. Numbers
// stay json.Number so integers round-trip exactly. Any Content-Type is
// accepted (IdPs send application/scim+json, application/json or none).
func readDocument(c echo.Context) (document, error) {
	raw, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, err
	}
	return decodeDocument(raw)
}

func decodeDocument(raw []byte) (document, error) {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var doc document
	if err := dec.Decode(&doc); err != nil || doc == nil {
		return nil, badRequest(typeInvalidSyntax, "the request body must be a JSON object")
	}
	if dec.More() {
		return nil, badRequest(typeInvalidSyntax, "the request body must hold one JSON object")
	}
	return doc, nil
}
