package admin

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// The pieces every settings change shares: partial bodies that tell a
// member left out from one set to null, and the audit record of what
// changed.

// settingValue is one member of a partial (PATCH) body: Set when the body
// names it, Null when it names it as null.
type settingValue[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// UnmarshalJSON implements json.Unmarshaler; encoding/json calls it for
// members present in the body, null included, and never for absent ones.
func (v *settingValue[T]) UnmarshalJSON(raw []byte) error {
	v.Set = true
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		v.Null = true
		return nil
	}
	return json.Unmarshal(raw, &v.Value)
}

// settingsDiff compares two documents of one type member by member (as
// JSON, nested objects flattened to "a.b") and returns the members that
// differ as {"member": {"before": x, "after": y}}; empty when none do.
func settingsDiff(before, after any) (map[string]any, error) {
	b, err := flatJSON(before)
	if err != nil {
		return nil, err
	}
	a, err := flatJSON(after)
	if err != nil {
		return nil, err
	}
	changes := map[string]any{}
	for k, av := range a {
		if bv, ok := b[k]; !ok || !reflect.DeepEqual(av, bv) {
			changes[k] = map[string]any{"before": b[k], "after": av}
		}
	}
	for k, bv := range b {
		if _, ok := a[k]; !ok {
			changes[k] = map[string]any{"before": bv, "after": nil}
		}
	}
	return changes, nil
}

// flatJSON is v as a JSON object flattened one level per nested object.
func flatJSON(v any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	flat := map[string]any{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			if inner, ok := v.(map[string]any); ok {
				walk(prefix+k+".", inner)
				continue
			}
			flat[prefix+k] = v
		}
	}
	walk("", doc)
	return flat, nil
}
