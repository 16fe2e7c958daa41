package patch

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// This file holds helpers for documents as decoded by encoding/json:
// map[string]any, []any, string, bool, nil, and numbers as float64 or
// json.Number (Go integer types are tolerated too).

// clone deep-copies maps and slices; scalars are immutable and shared.
// Values of other Go types (a caller-built []string or int64) are turned
// into their encoding/json form, so the rest of the package only meets
// JSON types.
func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = clone(e)
		}
		return out
	case nil, string, bool, json.Number, float64:
		return v
	}
	if _, ok := numberText(v); ok {
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v // unrepresentable; kept as an opaque value
	}
	var out any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if dec.Decode(&out) != nil {
		return v
	}
	return out
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = clone(v)
	}
	return out
}

// equal reports deep equality, comparing numbers by value so that a document
// decoded without UseNumber (float64) equals one decoded with it.
func equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	if na, ok := numberText(a); ok {
		nb, ok := numberText(b)
		return ok && numbersEqual(na, nb)
	}
	return reflect.DeepEqual(a, b)
}

// fingerprint returns a text that is the same for values that are equal
// (different values may share one, so callers confirm with equal).
func fingerprint(v any) string {
	var b strings.Builder
	writeFingerprint(&b, v)
	return b.String()
}

func writeFingerprint(b *strings.Builder, v any) {
	switch x := v.(type) {
	case map[string]any:
		b.WriteByte('{')
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			writeFingerprint(b, x[k])
			b.WriteByte(',')
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for _, e := range x {
			writeFingerprint(b, e)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case string:
		b.WriteString(strconv.Quote(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case nil:
		b.WriteString("null")
	default:
		// Numbers equal by value have the same float64; anything else
		// gets one shared bucket and is told apart by equal.
		f, _ := asFloat(v)
		if f == 0 {
			f = 0 // -0 equals 0
		}
		b.WriteString("n" + strconv.FormatFloat(f, 'g', -1, 64))
	}
}

// unassigned reports whether v is "no value": RFC 7643 §2.5 treats null, an
// empty array and an absent attribute as the same state.
func unassigned(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// sameState reports whether writing b over a would leave the resource as it
// was.
func sameState(a, b any) bool {
	return (unassigned(a) && unassigned(b)) || equal(a, b)
}

// numberText returns the decimal text of a JSON number value.
func numberText(v any) (string, bool) {
	switch n := v.(type) {
	case json.Number:
		return string(n), true
	case float64:
		return strconv.FormatFloat(n, 'g', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(n), 'g', -1, 32), true
	case int:
		return strconv.FormatInt(int64(n), 10), true
	case int8:
		return strconv.FormatInt(int64(n), 10), true
	case int16:
		return strconv.FormatInt(int64(n), 10), true
	case int32:
		return strconv.FormatInt(int64(n), 10), true
	case int64:
		return strconv.FormatInt(n, 10), true
	case uint:
		return strconv.FormatUint(uint64(n), 10), true
	case uint8:
		return strconv.FormatUint(uint64(n), 10), true
	case uint16:
		return strconv.FormatUint(uint64(n), 10), true
	case uint32:
		return strconv.FormatUint(uint64(n), 10), true
	case uint64:
		return strconv.FormatUint(n, 10), true
	}
	return "", false
}

// numbersEqual compares two decimal texts by value: exactly when both are
// 64-bit integers, else as float64. It avoids math/big on purpose: a client
// can send "1e999999999", which big.Rat would try to expand.
func numbersEqual(a, b string) bool {
	if a == b {
		return true
	}
	ia, errA := strconv.ParseInt(a, 10, 64)
	ib, errB := strconv.ParseInt(b, 10, 64)
	if errA == nil && errB == nil {
		return ia == ib
	}
	fa, okA := parseFloat(a)
	fb, okB := parseFloat(b)
	return okA && okB && fa == fb
}

func parseFloat(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}

// asFloat converts a number or numeric string to float64.
func asFloat(v any) (float64, bool) {
	if s, ok := v.(string); ok {
		s = strings.TrimSpace(s)
		if !isJSONNumber(s) {
			return 0, false
		}
		return parseFloat(s)
	}
	s, ok := numberText(v)
	if !ok {
		return 0, false
	}
	return parseFloat(s)
}

// isJSONNumber reports whether s is exactly one JSON number literal.
func isJSONNumber(s string) bool {
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	// A valid JSON text starting with '-' or a digit can only be a number.
	return json.Valid([]byte(s))
}

// lookupKey finds the key of m that names attribute name, ignoring case as
// SCIM attribute names do. An exact match wins; among case variants the
// smallest key is taken so the choice does not depend on map order.
func lookupKey(m map[string]any, name string) (string, any, bool) {
	if v, ok := m[name]; ok {
		return name, v, true
	}
	best, found := "", false
	for k := range m {
		if strings.EqualFold(k, name) && (!found || k < best) {
			best, found = k, true
		}
	}
	if !found {
		return "", nil, false
	}
	return best, m[best], true
}

// lookupVal returns the value of attribute name in m, or nil.
func lookupVal(m map[string]any, name string) any {
	_, v, _ := lookupKey(m, name)
	return v
}

// setKey stores v under the canonical name, dropping case variants so the
// document never holds one attribute twice. A nil v removes the attribute.
func setKey(m map[string]any, name string, v any) {
	for k := range m {
		if k != name && strings.EqualFold(k, name) {
			delete(m, k)
		}
	}
	if v == nil {
		delete(m, name)
		return
	}
	m[name] = v
}

// sortedKeys returns m's keys in a deterministic order in which a key comes
// before every key it is a prefix of ("name" before "name.givenName", an
// extension URN before its qualified attributes).
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		li, lj := strings.ToLower(keys[i]), strings.ToLower(keys[j])
		if li != lj {
			return li < lj
		}
		return keys[i] < keys[j]
	})
	return keys
}

// jsonType names v's JSON type for error details (values are never echoed).
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	if _, ok := numberText(v); ok {
		return "number"
	}
	return "unsupported value"
}
