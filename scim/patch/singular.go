package patch

import "github.com/elimity-com/scim/schema"

// compute returns the new value of t's attribute after applying an
// operation to its current value old (nil when unassigned). It never
// modifies old, which the caller compares with the result.
func compute(kind string, t target, old, value any) (any, error) {
	switch {
	case t.attr.MultiValued() && (t.filter != nil || t.sub != nil):
		return computeSelected(kind, t, old, value)
	case t.attr.MultiValued():
		return computeList(kind, t, old, value)
	case t.sub != nil:
		return computeSub(kind, t, old, value)
	case isComplex(t.attr):
		return computeComplex(kind, t, old, value)
	case kind == opRemove:
		return nil, nil
	default:
		return coerceScalar(t.attr, value, t.path)
	}
}

// computeComplex handles a single-valued complex attribute such as name or
// manager. Add and replace both merge the given sub-attributes into the
// current ones, as RFC 7644 §3.5.2.3 specifies for replace ("sub-attributes
// that are not specified in the value parameter are left unchanged").
func computeComplex(kind string, t target, old, value any) (any, error) {
	if kind == opRemove {
		return nil, nil
	}
	obj, err := coerceComplex(t.attr, value, t.path)
	if err != nil || obj == nil {
		return nil, err
	}
	before, err := storedObject(t, old)
	if err != nil {
		return nil, err
	}
	cur := cloneMap(before)
	mergeObject(t.attr, cur, obj)
	return finishObject(t.attr, before, cur)
}

// computeSub handles attr.sub on a single-valued complex attribute.
func computeSub(kind string, t target, old, value any) (any, error) {
	before, err := storedObject(t, old)
	if err != nil {
		return nil, err
	}
	var v any
	if kind != opRemove {
		if v, err = coerceScalar(*t.sub, value, t.path); err != nil {
			return nil, err
		}
	}
	cur := cloneMap(before)
	mergeObject(t.attr, cur, map[string]any{t.sub.Name(): v})
	return finishObject(t.attr, before, cur)
}

// mergeObject writes src's sub-attributes into dst (nil values clear) and
// spells dst's known sub-attributes canonically.
func mergeObject(attr schema.CoreAttribute, dst, src map[string]any) {
	canonicalize(attr, dst)
	oldValue := lookupVal(dst, "value")
	for _, k := range sortedKeys(src) {
		setKey(dst, k, src[k])
	}
	// A reference's $ref points at its value. When a merge changes value
	// without giving $ref (Entra replaces manager with {"value": id}), the
	// stored $ref would point at the previous manager, so drop it.
	if newValue, ok := src["value"]; ok && !sameState(oldValue, newValue) {
		if _, given := src["$ref"]; !given {
			setKey(dst, "$ref", nil)
		}
	}
}

// canonicalize renames the known sub-attributes of a complex value to the
// schema's spelling. Where two spellings are present the canonical one wins.
func canonicalize(attr schema.CoreAttribute, m map[string]any) {
	if isCanonical(attr, m) {
		return // the usual case; spares sorting the keys
	}
	for _, k := range sortedKeys(m) {
		sub, ok := subAttr(attr, k)
		if !ok || k == sub.Name() {
			continue
		}
		v := m[k]
		delete(m, k)
		if _, exists := m[sub.Name()]; !exists {
			m[sub.Name()] = v
		}
	}
}

func isCanonical(attr schema.CoreAttribute, m map[string]any) bool {
	for k := range m {
		if sub, ok := subAttr(attr, k); ok && k != sub.Name() {
			return false
		}
	}
	return true
}

// finishObject checks the sub-attribute changes of a complex value and
// returns it, or nil when no sub-attribute is left.
func finishObject(attr schema.CoreAttribute, before, after map[string]any) (any, error) {
	if len(after) == 0 {
		return nil, nil
	}
	if err := checkElementWrite(attr, before, after); err != nil {
		return nil, err
	}
	return after, nil
}

// storedObject returns the stored value of a complex attribute (not a copy).
func storedObject(t target, old any) (map[string]any, error) {
	switch x := old.(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return x, nil
	}
	return nil, errorf(InvalidValue, "stored %s is not an object", t.attr.Name())
}
