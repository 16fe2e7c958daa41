package scim

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// ifMatch returns the version an If-Match header demands (0 when there is
// none or it is "*") and whether the header names a version at all.
// Versions are compared weakly (RFC 7232 §2.3.2): W/"3" matches "3".
func ifMatch(c echo.Context) (int64, error) {
	raw := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if raw == "" || raw == "*" {
		return 0, nil
	}
	v, ok := parseETag(raw)
	if !ok {
		return 0, &Error{Status: http.StatusPreconditionFailed, ScimType: typeInvalidVers,
			Detail: "If-Match must be an ETag this server issued, such as W/\"3\""}
	}
	return v, nil
}

// checkVersion answers 412 when If-Match names another version than current.
func checkVersion(want, current int64) error {
	if want != 0 && want != current {
		return &Error{Status: http.StatusPreconditionFailed, ScimType: typeInvalidVers,
			Detail: "the resource is at version " + etag(current) + ", not the one in If-Match; read it again"}
	}
	return nil
}

// notModified reports whether If-None-Match lists the current version.
func notModified(c echo.Context, current int64) bool {
	raw := c.Request().Header.Get("If-None-Match")
	if raw == "" {
		return false
	}
	for _, tag := range strings.Split(raw, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" {
			return true
		}
		if v, ok := parseETag(tag); ok && v == current {
			return true
		}
	}
	return false
}

func parseETag(tag string) (int64, bool) {
	tag = strings.TrimPrefix(tag, "W/")
	tag = strings.Trim(tag, `"`)
	v, err := strconv.ParseInt(tag, 10, 64)
	return v, err == nil && v > 0
}

// writeNotModified answers a conditional GET whose version is unchanged.
func writeNotModified(c echo.Context, version int64) error {
	c.Response().Header().Set("ETag", etag(version))
	return c.NoContent(http.StatusNotModified)
}
