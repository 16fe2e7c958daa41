package gormstore

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// sortKey is the total order of a query: the SortBy column, then id, all
// ascending or all descending.
type sortKey struct {
	attr directory.Attr // "" orders by id alone
	col  column
	desc bool
}

func newSortKey(e *entity, q directory.ListQuery) (sortKey, error) {
	if q.SortBy == "" || q.SortBy == directory.AttrID {
		return sortKey{desc: q.Descending}, nil
	}
	col, ok := e.sortColumn(q.SortBy)
	if !ok {
		return sortKey{}, &directory.ValidationError{Field: "sortBy", Problem: fmt.Sprintf("cannot sort by %q", q.SortBy)}
	}
	return sortKey{attr: q.SortBy, col: col, desc: q.Descending}, nil
}

// absentTime stands in for a NULL time inside the sort terms, which must
// never be NULL for row-value comparisons to work; the leading "absent"
// term already orders those rows, so any constant would do.
var absentTime = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)

// absentTimeSQL is absentTime as a PostgreSQL literal. The sort term is
// written with it rather than a bound value so that it is the very
// expression the (org_id, (x IS NULL), COALESCE(x, ...), id) indexes hold
// (migration 00022): PostgreSQL matches an expression index against a
// constant, and a bound value is one only in plans made for its value,
// not in the generic plans a cached statement may switch to. SQLite
// stores times as text in its driver's format, so there the value stays
// bound and the driver writes it.
const absentTimeSQL = `'0001-01-01 00:00:00+00'::timestamptz`

// optionalTimeTerms are the two terms that order an optional time:
// "is absent", then the time with absentTime in place of NULL. Filters
// on optional times compare the same pair (translator.optionalTime), so
// the one index of this shape serves both the order and the filters.
func optionalTimeTerms(d Dialect, expr string) []*sqlBuf {
	value := fragment("COALESCE(" + expr + ", ")
	if d == Postgres {
		value.WriteString(absentTimeSQL)
	} else {
		value.bind(absentTime)
	}
	value.WriteByte(')')
	return []*sqlBuf{fragment("(" + expr + " IS NULL)"), value}
}

// terms are the ORDER BY expressions before id. Absent values (NULL or
// empty) sort last ascending and first descending, as RFC 7644 §3.4.2.3
// asks, through a leading "is absent" term; that keeps the order
// identical on SQLite (NULLs first) and PostgreSQL (NULLs last). Strings
// compare by code point on both.
func (k sortKey) terms(d Dialect, qual string) []*sqlBuf {
	if k.attr == "" {
		return nil
	}
	expr := qual + "." + k.col.name
	switch {
	case k.col.kind == directory.KindBool, k.col.kind == directory.KindTime && !k.col.nullable:
		return []*sqlBuf{fragment(expr)}
	case k.col.kind == directory.KindTime:
		return optionalTimeTerms(d, expr)
	}
	if k.col.nullable {
		expr = "COALESCE(" + expr + ", '')"
	}
	value := expr
	if d == Postgres {
		value += ` COLLATE "C"`
	}
	return []*sqlBuf{fragment("(" + expr + " = '')"), fragment(value)}
}

// termValues are the values of terms at a position whose attribute value
// is v (see sortValue).
func (k sortKey) termValues(v any) []any {
	switch v := v.(type) {
	case string:
		return []any{v == "", v}
	case time.Time:
		if k.col.nullable {
			return []any{false, v}
		}
		return []any{v}
	case nil:
		return []any{true, absentTime}
	}
	return []any{v} // bool
}

func fragment(sql string) *sqlBuf {
	b := &sqlBuf{}
	b.WriteString(sql)
	return b
}

// orderBy writes the ORDER BY clause.
func (k sortKey) orderBy(d Dialect, qual string, out *sqlBuf) {
	dir := ""
	if k.desc {
		dir = " DESC"
	}
	out.WriteString(" ORDER BY ")
	for _, t := range k.terms(d, qual) {
		out.append(t)
		out.WriteString(dir + ", ")
	}
	out.WriteString(qual + ".id" + dir)
}

// after writes the keyset condition "comes after p": one row-value
// comparison, which an index on (org_id, column, id) serves directly.
func (k sortKey) after(d Dialect, qual string, p position, out *sqlBuf) {
	op := " > "
	if k.desc {
		op = " < "
	}
	terms := k.terms(d, qual)
	if len(terms) == 0 {
		out.WriteString(qual + ".id" + op)
		out.bind(p.id)
		return
	}
	out.WriteByte('(')
	for _, t := range terms {
		out.append(t)
		out.WriteString(", ")
	}
	out.WriteString(qual + ".id)" + op + "(")
	for _, v := range k.termValues(p.value) {
		out.bind(v)
		out.WriteString(", ")
	}
	out.bind(p.id)
	out.WriteByte(')')
}

// position is a place in a sortKey's order: the sort attribute's value
// (string, bool, time.Time, or nil for an absent time) and the id.
type position struct {
	value any
	id    string
}

// cursorData is the JSON inside a cursor. It names the sort it belongs
// to, so a cursor replayed under another order is refused rather than
// compared against the wrong column.
type cursorData struct {
	Sort  directory.Attr  `json:"s,omitempty"`
	Desc  bool            `json:"d,omitempty"`
	Value json.RawMessage `json:"v,omitempty"`
	ID    string          `json:"i"`
}

// maxCursorLength bounds what decodeCursor reads: a value of
// maxValueBytes, escaped in JSON and base64-encoded, fits with room.
const maxCursorLength = 4 * (2*maxValueBytes + 512)

// encodeCursor returns an opaque, URL-safe cursor for p.
func encodeCursor(k sortKey, p position) (string, error) {
	data := cursorData{Sort: k.attr, Desc: k.desc, ID: p.id}
	if k.attr != "" {
		v := p.value
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format(time.RFC3339Nano)
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("encode cursor: %w", err)
		}
		data.Value = raw
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return "", fmt.Errorf("encode cursor: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// decodeCursor parses a cursor made by encodeCursor for the same order.
func decodeCursor(k sortKey, s string) (position, error) {
	if len(s) > maxCursorLength {
		return position{}, invalidCursor("is too long")
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return position{}, invalidCursor("is not a cursor this server issued")
	}
	var data cursorData
	if err := strictJSON(raw, &data); err != nil {
		return position{}, invalidCursor("is not a cursor this server issued")
	}
	if data.Sort != k.attr || data.Desc != k.desc {
		return position{}, invalidCursor("belongs to a different sort order")
	}
	if data.ID == "" || checkValueText(data.ID) != "" {
		return position{}, invalidCursor("has no valid id")
	}
	value, err := k.cursorValue(data.Value)
	if err != nil {
		return position{}, err
	}
	return position{value: value, id: data.ID}, nil
}

// cursorValue parses the sort value for k's column kind.
func (k sortKey) cursorValue(raw json.RawMessage) (any, error) {
	if k.attr == "" {
		if len(raw) != 0 {
			return nil, invalidCursor("belongs to a different sort order")
		}
		return nil, nil
	}
	bad := invalidCursor(fmt.Sprintf("has no valid %s value", kindName(k.col.kind)))
	switch k.col.kind {
	case directory.KindBool:
		var b bool
		if json.Unmarshal(raw, &b) != nil || bytes.Equal(raw, []byte("null")) {
			return nil, bad
		}
		return b, nil
	case directory.KindTime:
		return k.cursorTime(raw, bad)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil || bytes.Equal(raw, []byte("null")) || checkValueText(s) != "" {
		return nil, bad
	}
	return s, nil
}

func (k sortKey) cursorTime(raw json.RawMessage, bad error) (any, error) {
	if bytes.Equal(raw, []byte("null")) && k.col.nullable {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return nil, bad
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, bad
	}
	return t.UTC(), nil
}

// strictJSON decodes exactly one object with no unknown fields.
func strictJSON(raw []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data")
	}
	return nil
}

func invalidCursor(problem string) error {
	return &directory.ValidationError{Field: "cursor", Problem: problem}
}
