package filter

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// render writes a filter tree compactly, so table tests can state the
// expected shape and value types in one line: strings are quoted, booleans
// bare, times prefixed with @ in RFC 3339 (UTC only), and anything else is
// marked BAD.
func render(f directory.Filter) string {
	switch f := f.(type) {
	case nil:
		return "<nil>"
	case directory.And:
		return "and(" + renderAll(f) + ")"
	case directory.Or:
		return "or(" + renderAll(f) + ")"
	case directory.Not:
		return "not(" + render(f.Filter) + ")"
	case directory.Has:
		return string(f.Attr) + "[" + render(f.Filter) + "]"
	case directory.Compare:
		return string(f.Attr) + " " + string(f.Op) + renderValue(f.Value)
	}
	return fmt.Sprintf("BAD(%T)", f)
}

func renderAll(fs []directory.Filter) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = render(f)
	}
	return strings.Join(parts, ", ")
}

func renderValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return " " + strconv.Quote(v)
	case bool:
		return " " + strconv.FormatBool(v)
	case time.Time:
		if v.Location() != time.UTC {
			return " BAD(non-UTC time)"
		}
		return " @" + v.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf(" BAD(%T)", v)
}
