package scim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/elimity-com/scim/schema"

	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// document is a SCIM resource as a JSON object.
type document = map[string]any

// normalize validates a resource document (from POST, PUT, or after a
// PATCH) against its schemas and returns the document to store:
//   - attributes the schemas know are type-checked, coerced where IdPs send
//     strings for booleans or numbers (Entra sends "False"), and renamed to
//     their canonical spelling (names are case-insensitive);
//   - read-only attributes (id, meta, groups, lifecycle state) and the
//     write-only password are dropped: the server owns the former and
//     never stores an IdP-sent password (the claim flow sets passwords);
//   - required attributes must be present;
//   - anything the schemas do not know is kept as sent, so extensions and
//     attributes Latchkey does not model round-trip.
func normalize(doc document, res schemas.Resource) (document, error) {
	out := document{}
	used := map[string]bool{}
	for _, attr := range res.Core.Attributes {
		key, val, err := lookup(doc, attr.Name(), "")
		if err != nil {
			return nil, err
		}
		used[key] = key != ""
		norm, keep, err := normalizeAttr(attr, val, attr.Name())
		if err != nil {
			return nil, err
		}
		if keep {
			out[attr.Name()] = norm
		}
	}
	for _, ext := range res.Extensions {
		key, val, err := lookup(doc, ext.ID, "")
		if err != nil || key == "" {
			if err != nil {
				return nil, err
			}
			continue
		}
		used[key] = true
		obj, ok := val.(map[string]any)
		if !ok {
			return nil, badRequest(typeInvalidValue, "%s must be an object", ext.ID)
		}
		norm, err := normalizeObject(obj, ext.Attributes, ext.ID)
		if err != nil {
			return nil, err
		}
		if len(norm) > 0 {
			out[ext.ID] = norm
		}
	}
	for k, v := range doc {
		switch {
		case used[k], isCommon(k):
			continue
		}
		out[k] = v
	}
	_, ext, err := lookup(doc, "externalId", "")
	if err != nil {
		return nil, err
	}
	if ext != nil {
		s, ok := ext.(string)
		if !ok {
			return nil, badRequest(typeInvalidValue, "externalId must be a string")
		}
		if s != "" {
			out["externalId"] = s
		}
	}
	return out, nil
}

// isCommon reports the common attributes the server sets itself (and
// externalId, handled separately).
func isCommon(key string) bool {
	switch strings.ToLower(key) {
	case "id", "meta", "schemas", "externalid":
		return true
	}
	return false
}

// lookup finds name in doc case-insensitively; two keys differing only in
// case are a syntax error, since it is unclear which one the client meant.
func lookup(doc document, name, path string) (string, any, error) {
	found := ""
	var val any
	for k, v := range doc {
		if strings.EqualFold(k, name) {
			if found != "" {
				return "", nil, badRequest(typeInvalidSyntax, "attribute %s%s appears twice (%q and %q)", path, name, found, k)
			}
			found, val = k, v
		}
	}
	return found, val, nil
}

func normalizeObject(obj map[string]any, attrs []schema.CoreAttribute, path string) (document, error) {
	out := document{}
	used := map[string]bool{}
	for _, attr := range attrs {
		key, val, err := lookup(obj, attr.Name(), path+".")
		if err != nil {
			return nil, err
		}
		used[key] = key != ""
		norm, keep, err := normalizeAttr(attr, val, path+":"+attr.Name())
		if err != nil {
			return nil, err
		}
		if keep {
			out[attr.Name()] = norm
		}
	}
	for k, v := range obj {
		if !used[k] {
			out[k] = v
		}
	}
	return out, nil
}

// normalizeAttr returns the attribute's stored value and whether to keep it.
func normalizeAttr(attr schema.CoreAttribute, val any, path string) (any, bool, error) {
	switch attr.Mutability() {
	case "readOnly", "writeOnly":
		return nil, false, nil
	}
	if val == nil {
		if attr.Required() {
			return nil, false, badRequest(typeInvalidValue, "%s is required", path)
		}
		return nil, false, nil
	}
	if !attr.MultiValued() {
		v, err := normalizeValue(attr, val, path)
		return v, err == nil, err
	}
	list, ok := val.([]any)
	if !ok {
		list = []any{val} // a single value where a list is expected
	}
	out := make([]any, 0, len(list))
	for i, item := range list {
		v, err := normalizeValue(attr, item, fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, false, err
		}
		out = append(out, v)
	}
	if attr.Required() && len(out) == 0 {
		return nil, false, badRequest(typeInvalidValue, "%s is required", path)
	}
	return out, true, nil
}

func normalizeValue(attr schema.CoreAttribute, val any, path string) (any, error) {
	switch attr.AttributeType() {
	case "complex":
		if s, ok := val.(string); ok && attr.HasSubAttributes() && hasSub(attr, "value") {
			// Entra sends manager as a bare id string.
			val = map[string]any{"value": s}
		}
		obj, ok := val.(map[string]any)
		if !ok {
			return nil, badRequest(typeInvalidValue, "%s must be an object", path)
		}
		return normalizeObject(obj, attr.SubAttributes(), path)
	case "boolean":
		return coerceBool(val, path)
	case "integer":
		return coerceInt(val, path)
	case "decimal":
		return coerceDecimal(val, path)
	case "dateTime":
		s, ok := val.(string)
		if !ok {
			return nil, badRequest(typeInvalidValue, "%s must be a date-time string such as 2026-01-31T09:00:00Z", path)
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return nil, badRequest(typeInvalidValue, "%s must be a date-time string such as 2026-01-31T09:00:00Z", path)
		}
		return s, nil
	default: // string, reference, binary
		s, ok := val.(string)
		if !ok {
			return nil, badRequest(typeInvalidValue, "%s must be a string", path)
		}
		return s, nil
	}
}

func hasSub(attr schema.CoreAttribute, name string) bool {
	_, ok := attr.SubAttributes().ContainsAttribute(name)
	return ok
}

func coerceBool(val any, path string) (bool, error) {
	switch v := val.(type) {
	case bool:
		return v, nil
	case string:
		if b, err := strconv.ParseBool(strings.ToLower(v)); err == nil {
			return b, nil
		}
	}
	return false, badRequest(typeInvalidValue, "%s must be true or false", path)
}

func coerceInt(val any, path string) (json.Number, error) {
	s := numberText(val)
	if _, err := strconv.ParseInt(s, 10, 64); err != nil {
		return "", badRequest(typeInvalidValue, "%s must be a whole number", path)
	}
	return json.Number(s), nil
}

func coerceDecimal(val any, path string) (json.Number, error) {
	s := numberText(val)
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return "", badRequest(typeInvalidValue, "%s must be a number", path)
	}
	return json.Number(s), nil
}

// numberText renders a number however it arrived: json.Number from a
// request, a Go integer from a rendered resource, or a string from a
// client that quotes numbers.
func numberText(val any) string {
	switch v := val.(type) {
	case json.Number:
		return v.String()
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int, int64, int32:
		return fmt.Sprint(v)
	}
	return ""
}
