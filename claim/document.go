package claim

import (
	"encoding/json"
	"strings"
)

// enterpriseURN is SCIM's enterprise user extension, where department
// lives.
const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// decodeDocument reads a stored SCIM document; numbers stay json.Number so
// they are written back exactly. A missing or unreadable document is an
// empty one.
func decodeDocument(raw json.RawMessage) map[string]any {
	doc := map[string]any{}
	if len(raw) == 0 {
		return doc
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil || doc == nil {
		return map[string]any{}
	}
	return doc
}

func encodeDocument(doc map[string]any) json.RawMessage {
	raw, _ := json.Marshal(doc) // a decoded JSON document always marshals
	return raw
}

// keyOf finds the key obj uses for name: SCIM attribute names are
// case-insensitive, and what an identity provider sent is kept as sent.
func keyOf(obj map[string]any, name string) string {
	for k := range obj {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

// setText sets a string attribute, or removes it when v is empty.
func setText(obj map[string]any, name, v string) {
	k := keyOf(obj, name)
	if v == "" {
		delete(obj, k)
		return
	}
	obj[k] = v
}

// child returns the complex attribute name of obj, adding it if absent.
func child(obj map[string]any, name string) map[string]any {
	k := keyOf(obj, name)
	if c, ok := obj[k].(map[string]any); ok {
		return c
	}
	c := map[string]any{}
	obj[k] = c
	return c
}

// extension is child for a schema extension, which the document's
// "schemas" list must then name.
func extension(doc map[string]any, urn string) map[string]any {
	k := keyOf(doc, "schemas")
	if list, ok := doc[k].([]any); ok && !containsFold(list, urn) {
		doc[k] = append(list, urn)
	}
	return child(doc, urn)
}

func containsFold(list []any, s string) bool {
	for _, v := range list {
		if str, ok := v.(string); ok && strings.EqualFold(str, s) {
			return true
		}
	}
	return false
}

func stringOf(obj map[string]any, name string) string {
	s, _ := obj[keyOf(obj, name)].(string)
	return s
}

// workPhone is the work phone number, else the primary one, else the
// first, else "".
func workPhone(doc map[string]any) string {
	list, _ := doc[keyOf(doc, "phoneNumbers")].([]any)
	at := phoneIndex(list)
	if at < 0 {
		return ""
	}
	return stringOf(list[at].(map[string]any), "value")
}

// setWorkPhone replaces the value of the entry workPhone reads (or adds a
// work entry), or removes that entry when v is empty. Other numbers
// (mobile, home) stay as the identity provider sent them.
func setWorkPhone(doc map[string]any, v string) {
	k := keyOf(doc, "phoneNumbers")
	list, _ := doc[k].([]any)
	at := phoneIndex(list)
	switch {
	case at < 0 && v == "":
		return
	case at < 0:
		list = append(list, map[string]any{"type": "work", "value": v})
	case v == "":
		list = append(list[:at:at], list[at+1:]...)
	default:
		p := list[at].(map[string]any)
		p[keyOf(p, "value")] = v
	}
	if len(list) == 0 {
		delete(doc, k)
		return
	}
	doc[k] = list
}

// phoneIndex is the index in list of the work entry, else the primary,
// else the first object entry, or -1.
func phoneIndex(list []any) int {
	first, primary := -1, -1
	for i, v := range list {
		p, ok := v.(map[string]any)
		if !ok {
			continue
		}
		if strings.EqualFold(stringOf(p, "type"), "work") {
			return i
		}
		if is, _ := p[keyOf(p, "primary")].(bool); is && primary < 0 {
			primary = i
		}
		if first < 0 {
			first = i
		}
	}
	if primary >= 0 {
		return primary
	}
	return first
}
