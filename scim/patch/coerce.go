package patch

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/elimity-com/scim/schema"
)

// Values sent by clients are converted to the attribute's schema type
// before they are stored. Entra's legacy dialect sends booleans as "True" /
// "False" and some clients send numbers as strings, so those are accepted;
// anything else of the wrong type is invalidValue. Numbers are stored as
// json.Number: exact (no float64 rounding of large integers) and marshalled
// as sent.

// coerceScalar converts v to the simple type of attr. nil stays nil (the
// attribute becomes unassigned).
func coerceScalar(attr schema.CoreAttribute, v any, where string) (any, error) {
	if v == nil {
		return nil, nil
	}
	typ := attr.AttributeType()
	switch typ {
	case "boolean":
		if b, ok := asBool(v); ok {
			return b, nil
		}
	case "integer":
		if n, ok := asInteger(v); ok {
			return n, nil
		}
	case "decimal":
		if n, ok := asDecimal(v); ok {
			return n, nil
		}
	case "dateTime":
		if _, ok := parseDateTime(v); ok {
			return v, nil // stored as sent
		}
	case "binary":
		if s, ok := v.(string); ok {
			if _, err := base64.StdEncoding.DecodeString(s); err == nil {
				return s, nil
			}
		}
	case "complex":
		// Callers convert complex values with coerceObject.
	default: // string, reference
		if s, ok := v.(string); ok {
			return s, nil
		}
	}
	return nil, errorf(InvalidValue, "%s: expected %s, got %s", where, typ, jsonType(v))
}

// asBool accepts JSON booleans and, for Entra's legacy dialect, the strings
// "true" and "false" in any case.
func asBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch s := strings.TrimSpace(x); {
		case strings.EqualFold(s, "true"):
			return true, true
		case strings.EqualFold(s, "false"):
			return false, true
		}
	}
	return false, false
}

// asInteger accepts a JSON number or numeric string with an integral value
// in int64 range ("42", 42, 4.2e1) and returns it in plain integer form.
func asInteger(v any) (json.Number, bool) {
	text, ok := numberText(v)
	if s, isString := v.(string); isString {
		text, ok = strings.TrimSpace(s), true
	}
	if !ok || !isJSONNumber(text) {
		return "", false
	}
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		return json.Number(strconv.FormatInt(i, 10)), true
	}
	f, ok := parseFloat(text)
	if !ok || f != math.Trunc(f) || math.Abs(f) >= math.MaxInt64 {
		return "", false
	}
	return json.Number(strconv.FormatInt(int64(f), 10)), true
}

// asDecimal accepts a finite JSON number or numeric string, kept as sent.
func asDecimal(v any) (json.Number, bool) {
	text, ok := numberText(v)
	if s, isString := v.(string); isString {
		text, ok = strings.TrimSpace(s), true
	}
	if !ok || !isJSONNumber(text) {
		return "", false
	}
	if _, ok := parseFloat(text); !ok {
		return "", false // overflows float64; nothing downstream could use it
	}
	return json.Number(text), true
}

// coerceObject converts v to a value of complex attribute attr: known
// sub-attributes under their canonical names, converted to their types.
// Unknown keys are dropped (Okta puts "id" into member objects). Explicit
// nulls are kept as nil entries so that a merge can clear sub-attributes.
func coerceObject(attr schema.CoreAttribute, v any, where string) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errorf(InvalidValue, "%s: expected object, got %s", where, jsonType(v))
	}
	out := make(map[string]any, len(m))
	for _, k := range sortedKeys(m) {
		sub, ok := subAttr(attr, k)
		if !ok {
			continue
		}
		name := sub.Name()
		if _, dup := out[name]; dup {
			return nil, errorf(InvalidValue, "%s: sub-attribute %s given twice", where, name)
		}
		cv, err := coerceScalar(sub, m[k], where+"."+name)
		if err != nil {
			return nil, err
		}
		out[name] = cv
	}
	return out, nil
}

// coerceComplex converts the value of a single-valued complex attribute. It
// returns nil when the value unassigns the attribute. Besides an object it
// accepts what Entra sends for manager: a one-element array (legacy add), a
// bare id string, and "" or {"value":""} meaning "no manager".
func coerceComplex(attr schema.CoreAttribute, v any, where string) (map[string]any, error) {
	if list, ok := v.([]any); ok && len(list) <= 1 {
		if len(list) == 0 {
			return nil, nil
		}
		v = list[0]
	}
	_, hasValue := subAttr(attr, "value")
	if s, ok := v.(string); ok && hasValue {
		if s == "" {
			return nil, nil
		}
		v = map[string]any{"value": s}
	}
	if v == nil {
		return nil, nil
	}
	obj, err := coerceObject(attr, v, where)
	if err != nil {
		return nil, err
	}
	if hasValue && obj["value"] == "" && onlyKey(obj, "value") {
		return nil, nil
	}
	return obj, nil
}

// onlyKey reports whether every entry of m other than key is nil.
func onlyKey(m map[string]any, key string) bool {
	for k, v := range m {
		if k != key && v != nil {
			return false
		}
	}
	return true
}

// coerceElements converts the value of a multi-valued attribute to its
// elements. A single non-array value is a one-element list (RFC 7644
// §3.5.2.1 clients often send one object). Null and empty elements are
// dropped.
func coerceElements(attr schema.CoreAttribute, v any, where string) ([]any, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	if len(list) > maxValues {
		return nil, errorf(InvalidValue, "%s: more than %d values", where, maxValues)
	}
	out := make([]any, 0, len(list))
	for _, e := range list {
		if !isComplex(attr) {
			s, err := coerceScalar(attr, e, where)
			if err != nil {
				return nil, err
			}
			if s != nil {
				out = append(out, s)
			}
			continue
		}
		if e == nil {
			continue
		}
		obj, err := coerceObject(attr, e, where)
		if err != nil {
			return nil, err
		}
		if obj = stripNils(obj); len(obj) > 0 {
			out = append(out, obj)
		}
	}
	return out, nil
}

// stripNils removes explicit nulls, which mean "unassigned" in an element.
func stripNils(m map[string]any) map[string]any {
	for k, v := range m {
		if v == nil {
			delete(m, k)
		}
	}
	return m
}
