package scim

import (
	"encoding/json"
	"strings"
)

// projection applies attributes / excludedAttributes (RFC 7644 §3.4.2.5)
// to rendered resources. Names are case-insensitive, may carry a schema
// URN prefix and may name a sub-attribute ("name.givenName").
type projection struct {
	include map[string]bool // nil: everything returned by default
	exclude map[string]bool
}

// alwaysReturned are never removed, whatever the client asks.
var alwaysReturned = map[string]bool{"id": true, "schemas": true}

func newProjection(attributes, excluded string) projection {
	return projection{include: pathSet(attributes), exclude: pathSet(excluded)}
}

func pathSet(list string) map[string]bool {
	if strings.TrimSpace(list) == "" {
		return nil
	}
	set := map[string]bool{}
	for _, p := range strings.Split(list, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		// Core attributes may be named with their schema URN.
		for _, core := range []string{"urn:ietf:params:scim:schemas:core:2.0:user:", "urn:ietf:params:scim:schemas:core:2.0:group:"} {
			p = strings.TrimPrefix(p, core)
		}
		if p != "" {
			set[p] = true
		}
	}
	return set
}

// wants reports whether the client asked for attribute name (possibly an
// extension URN key) to be included; used to skip loading group members.
func (p projection) wants(name string) bool {
	name = strings.ToLower(name)
	if p.include != nil && !p.include[name] && !hasChild(p.include, name) {
		return false
	}
	return !p.exclude[name]
}

func hasChild(set map[string]bool, name string) bool {
	for k := range set {
		if strings.HasPrefix(k, name+".") || strings.HasSuffix(k, ":"+name) || strings.Contains(k, ":"+name+".") {
			return true
		}
	}
	return false
}

// apply returns doc projected; doc is not modified.
func (p projection) apply(doc document) document {
	if p.include == nil && p.exclude == nil {
		return doc
	}
	out := document{}
	for k, v := range doc {
		key := strings.ToLower(k)
		if alwaysReturned[key] {
			out[k] = v
			continue
		}
		if kept, ok := p.project(key, v); ok {
			out[k] = kept
		}
	}
	pruneSchemas(out)
	return out
}

// pruneSchemas keeps in "schemas" the core URN and the extensions whose
// objects survived the projection.
func pruneSchemas(doc document) {
	list, ok := doc["schemas"].([]string)
	if !ok || len(list) == 0 {
		return
	}
	kept := []string{list[0]}
	for _, urn := range list[1:] {
		if _, present := doc[urn]; present {
			kept = append(kept, urn)
		}
	}
	doc["schemas"] = kept
}

// project decides one top-level attribute (or extension object).
func (p projection) project(key string, v any) (any, bool) {
	if strings.HasPrefix(key, "urn:") {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		return p.projectObject(key+":", obj)
	}
	if p.exclude[key] {
		return nil, false
	}
	if p.include != nil && p.include[key] {
		return v, true
	}
	switch val := v.(type) {
	case map[string]any:
		return p.projectObject(key+".", val)
	case []any:
		return p.projectList(key, val)
	}
	return v, p.include == nil
}

// projectList projects each value of a multi-valued complex attribute
// ("emails.value" keeps only the addresses; excluding "emails.type" drops
// the types). A value left empty is dropped.
func (p projection) projectList(key string, list []any) (any, bool) {
	if p.include == nil && !hasChild(p.exclude, key) {
		return list, true
	}
	if p.include != nil && !hasChild(p.include, key) {
		return nil, false
	}
	out := []any{}
	for _, item := range list {
		obj, ok := item.(map[string]any)
		if !ok {
			if p.include == nil {
				out = append(out, item)
			}
			continue
		}
		if kept, ok := p.projectObject(key+".", obj); ok && len(kept.(map[string]any)) > 0 {
			out = append(out, kept)
		}
	}
	if len(out) == 0 && p.include != nil {
		return nil, false
	}
	return out, true
}

// projectObject keeps the members of obj selected by "prefix+name" paths
// (or, for core attributes, their URN-qualified form).
func (p projection) projectObject(prefix string, obj map[string]any) (any, bool) {
	whole := strings.TrimSuffix(strings.TrimSuffix(prefix, ":"), ".")
	if p.exclude[whole] {
		return nil, false
	}
	if p.include != nil && p.include[whole] {
		return obj, true
	}
	out := map[string]any{}
	for k, v := range obj {
		path := prefix + strings.ToLower(k)
		if p.exclude[path] {
			continue
		}
		if p.include == nil || p.include[path] {
			out[k] = v
		}
	}
	if len(out) == 0 && p.include != nil {
		return nil, false
	}
	return out, true
}

// remarshal converts a decoded document into a typed struct.
func remarshal(doc document, dst any) error {
	raw, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, dst)
}
