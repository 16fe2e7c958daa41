package filter

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// literal normalises a parsed comparison value to string, bool, json.Number
// or nil. The parser strips a string's quotes but leaves its JSON escapes
// in place, so they are decoded here.
func literal(v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return v, nil
	}
	if strings.IndexByte(s, '\\') >= 0 {
		var decoded string
		// The grammar only admits JSON string characters, so this fails
		// only on what the grammar let through by mistake.
		if err := json.Unmarshal([]byte(`"`+s+`"`), &decoded); err != nil {
			return nil, errorf("a string value has an invalid escape sequence")
		}
		s = decoded
	}
	// PostgreSQL refuses NUL in text; refuse it here as a client error.
	if strings.IndexByte(s, 0) >= 0 {
		return nil, errorf("string values must not contain the NUL character")
	}
	return s, nil
}

// value checks op and the literal raw against an attribute of kind and
// returns the Go value directory.Compare expects: string, bool or
// time.Time, and nil for pr.
func value(name string, kind directory.Kind, rule valueRule, op directory.Op, raw any) (any, error) {
	if op == directory.OpPr {
		return nil, nil
	}
	if raw == nil {
		return nil, errorf(`comparing %s with null is not supported; use "%s pr" or "not (%s pr)"`, name, name, name)
	}
	if !opApplies(kind, op) {
		return nil, errorf("operator %s does not apply to %s, which is %s", op, name, kindName(kind))
	}
	switch kind {
	case directory.KindBool:
		return boolValue(name, raw)
	case directory.KindTime:
		if rule == epochSeconds {
			return epochValue(name, raw)
		}
		return timeValue(name, raw)
	}
	s, ok := raw.(string)
	if !ok {
		return nil, errorf("%s needs a string value in double quotes", name)
	}
	return s, nil
}

// opApplies follows RFC 7644 §3.4.2.2: co, sw and ew compare strings;
// ordering applies to strings and times, not booleans.
func opApplies(kind directory.Kind, op directory.Op) bool {
	switch op {
	case directory.OpEq, directory.OpNe:
		return true
	case directory.OpCo, directory.OpSw, directory.OpEw:
		return kind == directory.KindString || kind == directory.KindExactString
	case directory.OpGt, directory.OpGe, directory.OpLt, directory.OpLe:
		return kind != directory.KindBool
	}
	return false
}

func kindName(kind directory.Kind) string {
	switch kind {
	case directory.KindBool:
		return "a boolean"
	case directory.KindTime:
		return "a date-time"
	}
	return "a string"
}

// boolValue accepts true and false, and also the strings "true" and
// "false" in any case, because Entra ID quotes booleans in places.
func boolValue(name string, raw any) (bool, error) {
	switch v := raw.(type) {
	case bool:
		return v, nil
	case string:
		switch {
		case strings.EqualFold(v, "true"):
			return true, nil
		case strings.EqualFold(v, "false"):
			return false, nil
		}
	}
	return false, errorf("%s needs true or false", name)
}

// dateTimeLayouts are the xsd:dateTime forms accepted: RFC 3339 with an
// offset, or without one, read as UTC. Fractional seconds are accepted by
// both (time.Parse allows them after the seconds field).
var dateTimeLayouts = [...]string{time.RFC3339, "2006-01-02T15:04:05"}

// timeValue reads a quoted date-time, normalised to UTC.
func timeValue(name string, raw any) (time.Time, error) {
	if s, ok := raw.(string); ok {
		for _, layout := range dateTimeLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), nil
			}
		}
	}
	return time.Time{}, errorf(`%s needs a date-time in double quotes such as "2011-05-13T04:42:34Z"`, name)
}

// The epoch seconds accepted: years 1 to 9999, the range RFC 3339 can
// write back.
const (
	minEpoch = -62135596800 // 0001-01-01T00:00:00Z
	maxEpoch = 253402300799 // 9999-12-31T23:59:59Z
)

// epochValue reads Workplace's integer seconds since the epoch. The
// json.Number holds the literal, so large values are range-checked
// exactly instead of wrapping.
func epochValue(name string, raw any) (time.Time, error) {
	if n, ok := raw.(json.Number); ok {
		if secs, err := strconv.ParseInt(string(n), 10, 64); err == nil && minEpoch <= secs && secs <= maxEpoch {
			return time.Unix(secs, 0).UTC(), nil
		}
	}
	return time.Time{}, errorf("%s needs whole seconds since the Unix epoch, such as 1700000000", name)
}
