package patch

import "github.com/elimity-com/scim/schema"

// computeList handles a multi-valued attribute without value filter or
// sub-attribute: emails, members, roles.
func computeList(kind string, t target, old, value any) (any, error) {
	items, err := coerceElements(t.attr, value, t.path)
	if err != nil {
		return nil, err
	}
	if kind == opReplace {
		var list []any
		list = appendNew(list, items)
		normalizePrimary(t.attr, list, indexes(0, len(list)))
		return listValue(t, old, list)
	}

	stored, err := storedList(t, old)
	if err != nil {
		return nil, err
	}
	// A shallow copy: elements stay shared with old, and normalizePrimary
	// copies those it edits.
	list := append([]any(nil), stored...)
	if kind == opRemove {
		if value == nil {
			return nil, nil
		}
		return listValue(t, old, removeMatching(t.attr, list, items))
	}
	n := len(list)
	list = appendNew(list, items)
	normalizePrimary(t.attr, list, indexes(n, len(list)))
	return listValue(t, old, list)
}

// appendNew appends the items not already in list: adding a value that is
// present is a no-op (RFC 7644 §3.5.2.1), which keeps IdP re-sends from
// duplicating elements. Values are bucketed by fingerprint so that the cost
// stays linear.
func appendNew(list, items []any) []any {
	seen := make(map[string][]any, len(list)+len(items))
	for _, e := range list {
		k := fingerprint(e)
		seen[k] = append(seen[k], e)
	}
	for _, it := range items {
		k := fingerprint(it)
		if containsEqual(seen[k], it) {
			continue
		}
		seen[k] = append(seen[k], it)
		list = append(list, it)
	}
	return list
}

func containsEqual(list []any, v any) bool {
	for _, e := range list {
		if equal(e, v) {
			return true
		}
	}
	return false
}

// removeMatching implements Entra's legacy remove-by-value,
// {"op":"Remove","path":"members","value":[{"value":"<id>"}]}: each value
// item selects the elements whose sub-attributes equal all of the item's.
// Items that select nothing are ignored, as IdPs re-send removals.
func removeMatching(attr schema.CoreAttribute, list, selectors []any) []any {
	var kept []any
	for _, e := range list {
		if !matchesAny(attr, e, selectors) {
			kept = append(kept, e)
		}
	}
	return kept
}

func matchesAny(attr schema.CoreAttribute, elem any, selectors []any) bool {
	for _, sel := range selectors {
		if matchesSelector(attr, elem, sel) {
			return true
		}
	}
	return false
}

func matchesSelector(attr schema.CoreAttribute, elem, sel any) bool {
	fields, ok := sel.(map[string]any)
	if !ok {
		return compare(attr, "eq", elem, sel)
	}
	m, ok := elem.(map[string]any)
	if !ok || len(fields) == 0 {
		return false
	}
	for name, want := range fields {
		sub, _ := subAttr(attr, name)
		if !compare(sub, "eq", lookupVal(m, name), want) {
			return false
		}
	}
	return true
}

// computeSelected handles a multi-valued attribute with a value filter
// and/or a sub-attribute: emails[type eq "work"], emails[type eq
// "work"].value, emails.display (which selects every element).
func computeSelected(kind string, t target, old, value any) (any, error) {
	list, err := storedList(t, old)
	if err != nil {
		return nil, err
	}
	list = append([]any(nil), list...) // writeElement and friends copy what they edit
	hits := selectElements(t, list)

	if kind == opRemove {
		for _, i := range hits {
			if list[i], err = removeFromElement(t, list[i]); err != nil {
				return nil, err
			}
		}
		return listValue(t, old, compact(list))
	}

	created := -1
	if len(hits) == 0 {
		if value == nil {
			return old, nil // nothing to unassign
		}
		elem, ok, err := newElement(t)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errorf(NoTarget, "no value matches %s", quote(t.path))
		}
		list = append(list, elem)
		created = len(list) - 1
		hits = []int{created}
	}
	var madePrimary []int
	for _, i := range hits {
		before := list[i]
		if list[i], err = writeElement(kind, t, before, value, i == created); err != nil {
			return nil, err
		}
		if isPrimary(list[i]) && (!isPrimary(before) || setsPrimary(t, value)) {
			madePrimary = append(madePrimary, i)
		}
	}
	normalizePrimary(t.attr, list, madePrimary)
	return listValue(t, old, compact(list))
}

// selectElements returns the indexes of the elements t selects. Without a
// filter (emails.display) every element is selected.
func selectElements(t target, list []any) []int {
	var hits []int
	for i, e := range list {
		if _, isMap := e.(map[string]any); isComplex(t.attr) && !isMap {
			continue // a malformed stored element is left alone
		}
		if t.filter == nil || t.filter.match(e) {
			hits = append(hits, i)
		}
	}
	return hits
}

// newElement builds the element to create when an add or replace with a
// value filter matches nothing: the filter's equalities, converted to the
// sub-attribute types. ok is false when the filter does not describe an
// element (anything but eq joined by and), which is then noTarget.
func newElement(t target) (map[string]any, bool, error) {
	if !isComplex(t.attr) {
		return nil, false, nil
	}
	eqs := map[string]any{}
	if t.filter != nil && !equalities(t.filter, eqs) {
		return nil, false, nil
	}
	for name, v := range eqs {
		sub, _ := subAttr(t.attr, name)
		cv, err := coerceScalar(sub, v, t.path)
		if err != nil {
			return nil, false, err
		}
		eqs[name] = cv
	}
	return eqs, true, nil
}

// writeElement applies add or replace to one selected element and returns
// the new element, or nil to drop it.
func writeElement(kind string, t target, elem, value any, created bool) (any, error) {
	if !isComplex(t.attr) {
		return coerceScalar(t.attr, value, t.path)
	}
	before := elem.(map[string]any) // selectElements and newElement only yield objects
	var after map[string]any
	switch {
	case t.sub != nil:
		v, err := coerceScalar(*t.sub, value, t.path)
		if err != nil {
			return nil, err
		}
		if v == nil && t.sub.Name() == "value" {
			return nil, nil // see removeFromElement
		}
		after = cloneMap(before)
		mergeObject(t.attr, after, map[string]any{t.sub.Name(): v})
	case value == nil:
		return nil, nil
	default:
		obj, err := coerceObject(t.attr, value, t.path)
		if err != nil {
			return nil, err
		}
		if kind == opReplace && !created {
			// RFC 7644 §3.5.2.3: matching values are replaced.
			after = stripNils(obj)
		} else {
			after = cloneMap(before)
			mergeObject(t.attr, after, obj)
		}
	}
	if len(after) == 0 {
		return nil, nil
	}
	return after, checkElementWrite(t.attr, before, after)
}

// removeFromElement applies remove to one selected element. Removing the
// value sub-attribute drops the element: an email or phone number without a
// value is meaningless, and Entra clears an address with remove
// emails[type eq "work"].value.
func removeFromElement(t target, elem any) (any, error) {
	if t.sub == nil || t.sub.Name() == "value" {
		return nil, nil
	}
	before := elem.(map[string]any)
	after := cloneMap(before)
	setKey(after, t.sub.Name(), nil)
	if len(after) == 0 {
		return nil, nil
	}
	return after, checkElementWrite(t.attr, before, after)
}

// setsPrimary reports whether an operation on selected elements carries
// "primary" itself, as opposed to leaving an element primary that already
// was: only the former demotes the other elements.
func setsPrimary(t target, value any) bool {
	if t.sub != nil {
		return t.sub.Name() == "primary"
	}
	obj, ok := value.(map[string]any)
	if !ok {
		return false
	}
	_, _, given := lookupKey(obj, "primary")
	return given
}

// normalizePrimary keeps RFC 7643 §2.4's rule that "primary" is true for at
// most one element: when one of the touched elements (those the operation
// made primary) is primary, the last such one wins and the others are set
// to false.
func normalizePrimary(attr schema.CoreAttribute, list []any, touched []int) {
	if sub, ok := subAttr(attr, "primary"); !ok || sub.AttributeType() != "boolean" {
		return
	}
	winner := -1
	for _, i := range touched {
		if isPrimary(list[i]) {
			winner = i
		}
	}
	if winner < 0 {
		return
	}
	for i, e := range list {
		if i != winner && isPrimary(e) {
			m := cloneMap(e.(map[string]any)) // e may be shared with the old value
			setKey(m, "primary", false)
			list[i] = m
		}
	}
}

func isPrimary(e any) bool {
	m, ok := e.(map[string]any)
	if !ok {
		return false
	}
	b, ok := asBool(lookupVal(m, "primary"))
	return ok && b
}

// storedList returns the stored elements of a multi-valued attribute (not
// a copy). A stored single object is read as a one-element list.
func storedList(t target, old any) ([]any, error) {
	switch x := old.(type) {
	case nil:
		return nil, nil
	case []any:
		return x, nil
	case map[string]any:
		return []any{x}, nil
	}
	return nil, errorf(InvalidValue, "stored %s is not a list", t.attr.Name())
}

// compact drops the nil (removed) elements.
func compact(list []any) []any {
	out := list[:0]
	for _, e := range list {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

// maxValues caps the values of one multi-valued attribute, in a document
// and in one operation. Every operation on an attribute visits its values,
// so the cap keeps each operation cheap (see maxWork). No person has a
// thousand e-mail addresses; group members, which do grow large, are not
// stored in the document (see ApplyGroup).
const maxValues = 1000

// listValue returns list as the new value of t's attribute, whose old value
// is old: an empty list unassigns. A list may not grow beyond maxValues.
func listValue(t target, old any, list []any) (any, error) {
	if stored, _ := old.([]any); len(list) > maxValues && len(list) > len(stored) {
		return nil, errorf(InvalidValue, "%s would have more than %d values", t.attr.Name(), maxValues)
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list, nil
}

func indexes(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}
