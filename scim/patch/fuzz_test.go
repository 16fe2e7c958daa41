package patch

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/elimity-com/scim/schema"

	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// FuzzApply feeds random PatchOp bodies and random stored documents through
// ParseRequest and Apply/ApplyGroup (security.md FUZ-2). Properties: no
// panic; errors are *Error with a known ScimType and come without a
// document; the input document is never modified; the result marshals;
// read-only attributes (top-level, in extensions, and read-only
// sub-attributes of a still-assigned complex attribute) are unchanged;
// changed is exactly "result differs from input"; no password is stored.
func FuzzApply(f *testing.F) {
	for _, tc := range append(append([]applyCase{}, userCases...), groupCases...) {
		tc = tc.expanded()
		f.Add(requestBody(tc.body), []byte(tc.doc), tc.group, true)
	}
	f.Add(requestBody(`[{"op":"add","path":"emails[type eq \"work\"].primary","value":"true"}]`),
		[]byte(`{"emails":[{"type":"home","primary":true,"value":1.5e3},"junk",null]}`), false, false)
	f.Add(requestBody(`[{"op":"replace","value":{"$LK":{"claimed":true},"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER":{"name.givenName":"x"}}}]`),
		[]byte(expand(`{"$LK":"not an object","NAME":{"GivenName":1}}`)), false, true)

	user, group := schemas.User(), schemas.Group()
	opts := Options{ID: "id-1", Meta: map[string]any{"resourceType": "User", "version": `W/"1"`}}
	f.Fuzz(func(t *testing.T, body, docJSON []byte, isGroup, useNumber bool) {
		ops, err := ParseRequest(body)
		if err != nil {
			checkError(t, err)
			return
		}
		dec := json.NewDecoder(bytes.NewReader(docJSON))
		if useNumber {
			dec.UseNumber()
		}
		var doc map[string]any
		if dec.Decode(&doc) != nil {
			return
		}
		before := cloneMap(doc)

		res := user
		var (
			out     map[string]any
			changed bool
		)
		if isGroup {
			res = group
			out, _, changed, err = ApplyGroup(doc, ops, res, opts)
		} else {
			out, changed, err = Apply(doc, ops, res, opts)
		}

		if !equal(doc, before) {
			t.Fatalf("input document modified")
		}
		if err != nil {
			checkError(t, err)
			if out != nil {
				t.Fatalf("document returned with error %v", err)
			}
			return
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("result does not marshal: %v", err)
		}
		if changed == equal(before, out) {
			t.Fatalf("changed = %v, but equal(before, out) = %v", changed, equal(before, out))
		}
		if lookupVal(out, "password") != nil && lookupVal(before, "password") == nil {
			t.Fatalf("password stored")
		}
		for _, k := range []string{"id", "meta"} {
			if _, _, had := lookupKey(before, k); !had {
				if _, _, has := lookupKey(out, k); has {
					t.Fatalf("%s leaked into the document", k)
				}
			}
		}
		checkReadOnly(t, "", append(res.Core.Attributes, schema.CommonAttributes()...), before, out)
		for _, ext := range res.Extensions {
			b, _ := lookupVal(before, ext.ID).(map[string]any)
			o, _ := lookupVal(out, ext.ID).(map[string]any)
			checkReadOnly(t, ext.ID, ext.Attributes, b, o)
		}
	})
}

func checkError(t *testing.T, err error) {
	t.Helper()
	switch scimType(err) {
	case InvalidSyntax, InvalidPath, NoTarget, InvalidValue, Mutability:
	default:
		t.Fatalf("error %v is not a patch.Error with a known scimType", err)
	}
}

// checkReadOnly asserts that the read-only attributes among attrs, and the
// read-only sub-attributes of complex attributes that stayed assigned, are
// the same in before and after.
func checkReadOnly(t *testing.T, urn string, attrs []schema.CoreAttribute, before, after map[string]any) {
	t.Helper()
	for _, a := range attrs {
		b, o := lookupVal(before, a.Name()), lookupVal(after, a.Name())
		if a.Mutability() == "readOnly" {
			if !sameState(b, o) {
				t.Fatalf("read-only %s %s changed: %s -> %s", urn, a.Name(), toJSON(b), toJSON(o))
			}
			continue
		}
		bm, okB := b.(map[string]any)
		om, okO := o.(map[string]any)
		if a.MultiValued() || !okB || !okO {
			continue
		}
		for _, sub := range a.SubAttributes() {
			if sub.Mutability() == "readOnly" && !sameState(lookupVal(bm, sub.Name()), lookupVal(om, sub.Name())) {
				t.Fatalf("read-only %s.%s changed", a.Name(), sub.Name())
			}
		}
	}
}
