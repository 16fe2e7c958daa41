package gormstore

import (
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/latchkeyhq/latchkey/directory"
)

// maxValueBytes bounds a string in a filter or cursor. Stored values are
// at most directory.MaxTextLength bytes (a little more once lower-cased),
// so a longer value could only ever match ne; refusing it keeps LIKE
// patterns far below SQLite's 50,000-byte limit.
const maxValueBytes = 4 * directory.MaxTextLength

// operand checks that cmp's operator applies to col's kind and that its
// value fits, and returns what to bind: a folded string, a bool, or a UTC
// time truncated to microseconds (what every backend stores); nil for pr.
func operand(col column, cmp directory.Compare) (any, error) {
	if err := checkOp(col.kind, cmp); err != nil {
		return nil, err
	}
	if cmp.Op == directory.OpPr {
		if cmp.Value != nil {
			return nil, invalidFilter(fmt.Sprintf("%q pr takes no value", cmp.Attr))
		}
		return nil, nil
	}
	switch col.kind {
	case directory.KindBool:
		if b, ok := boolValue(cmp.Value); ok {
			return b, nil
		}
	case directory.KindTime:
		if t, ok := cmp.Value.(time.Time); ok {
			return timeOperand(cmp.Attr, t)
		}
	default:
		if s, ok := stringValue(cmp.Value); ok {
			return stringOperand(col, cmp.Attr, s)
		}
	}
	return nil, invalidFilter(fmt.Sprintf("%q needs a %s value, not %T", cmp.Attr, kindName(col.kind), cmp.Value))
}

func checkOp(k directory.Kind, cmp directory.Compare) error {
	ok := false
	switch cmp.Op {
	case directory.OpEq, directory.OpNe, directory.OpPr:
		ok = true
	case directory.OpCo, directory.OpSw, directory.OpEw:
		ok = k == directory.KindString || k == directory.KindExactString
	case directory.OpGt, directory.OpGe, directory.OpLt, directory.OpLe:
		ok = k != directory.KindBool
	default:
		return invalidFilter(fmt.Sprintf("unknown operator %q", cmp.Op))
	}
	if !ok {
		return invalidFilter(fmt.Sprintf("operator %q does not apply to %s attribute %q", cmp.Op, kindName(k), cmp.Attr))
	}
	return nil
}

func stringOperand(col column, attr directory.Attr, s string) (string, error) {
	if problem := checkValueText(s); problem != "" {
		return "", invalidFilter(fmt.Sprintf("value for %q %s", attr, problem))
	}
	switch col.fold {
	case foldStored:
		return lower(s), nil
	case foldASCII:
		return asciiLower(s), nil
	}
	return s, nil
}

func timeOperand(attr directory.Attr, t time.Time) (time.Time, error) {
	t = t.UTC().Truncate(time.Microsecond)
	// Outside 0001-9999 SQLite's text timestamps stop sorting correctly.
	if t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, invalidFilter(fmt.Sprintf("value for %q must be between the years 1 and 9999", attr))
	}
	return t, nil
}

// checkValueText returns what is wrong with a string every backend must
// bind identically ("" when nothing is): PostgreSQL refuses NUL and
// invalid UTF-8 where SQLite would quietly match nothing.
func checkValueText(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.ContainsRune(s, 0):
		return "must not contain the NUL character"
	case len(s) > maxValueBytes:
		return fmt.Sprintf("must be at most %d bytes", maxValueBytes)
	}
	return ""
}

// stringValue accepts string and named string types (directory.State).
func stringValue(v any) (string, bool) {
	if s, ok := v.(string); ok {
		return s, true
	}
	rv := reflect.ValueOf(v)
	if rv.IsValid() && rv.Kind() == reflect.String {
		return rv.String(), true
	}
	return "", false
}

func boolValue(v any) (bool, bool) {
	if b, ok := v.(bool); ok {
		return b, true
	}
	rv := reflect.ValueOf(v)
	if rv.IsValid() && rv.Kind() == reflect.Bool {
		return rv.Bool(), true
	}
	return false, false
}

// asciiLower folds A-Z only, exactly as SQL LOWER() does on SQLite and on
// PostgreSQL under COLLATE "C".
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, s)
}

func kindName(k directory.Kind) string {
	switch k {
	case directory.KindBool:
		return "boolean"
	case directory.KindTime:
		return "dateTime"
	}
	return "string"
}
