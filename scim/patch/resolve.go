package patch

import (
	"strings"

	"github.com/elimity-com/scim/schema"

	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// resolver maps PATCH paths to schema attributes of one resource type.
type resolver struct {
	coreURN string
	core    schema.Attributes // core schema plus the common attributes (id, externalId, meta, schemas)
	exts    []schema.Schema
}

func newResolver(res schemas.Resource) *resolver {
	core := append(schema.Attributes{}, res.Core.Attributes...)
	core = append(core, schema.CommonAttributes()...)
	return &resolver{coreURN: res.Core.ID, core: core, exts: res.Extensions}
}

// target is a resolved PATCH path.
type target struct {
	path   string               // as sent, for error details
	urn    string               // extension holding attr; "" for core and common attributes
	whole  bool                 // the path is a schema URN itself: the target is that schema's attributes
	scope  string               // with whole: the schema URN (core or extension)
	attr   schema.CoreAttribute // the top-level attribute
	sub    *schema.CoreAttribute
	filter filterExpr
}

// resolve parses and resolves a path. Attribute names are matched without
// regard to case; the target carries the schema's canonical spelling.
func (r *resolver) resolve(path string) (target, error) {
	t := target{path: path}
	s := strings.TrimSpace(path)
	if s == "" {
		return t, errorf(InvalidPath, "empty path")
	}

	// Schema URNs contain ':' and '.', so they cannot be split off by
	// syntax; match them against the schemas the resource has instead.
	var (
		attrs     schema.Attributes
		qualified bool
	)
	if len(s) >= 4 && strings.EqualFold(s[:4], "urn:") {
		urn, ext, ok := r.matchURN(s)
		if !ok {
			return t, errorf(InvalidPath, "unknown schema in path %s", quote(path))
		}
		if ext {
			t.urn = urn
		}
		if len(s) == len(urn) {
			t.whole, t.scope = true, urn
			return t, nil
		}
		s = s[len(urn)+1:]
		attrs, qualified = r.attributesOf(urn), true
	}

	spec, err := parseAttrPath(s)
	if err != nil {
		return t, err
	}
	if qualified {
		a, ok := attrs.ContainsAttribute(spec.attr)
		if !ok {
			return t, errorf(InvalidPath, "unknown attribute in path %s", quote(path))
		}
		t.attr = a
	} else if t.attr, t.urn, err = r.findUnqualified(spec.attr, path); err != nil {
		return t, err
	}
	return t, r.bindParts(&t, spec)
}

// matchURN finds the longest schema URN of the resource that prefixes s,
// followed by ':' or the end of s.
func (r *resolver) matchURN(s string) (urn string, ext, ok bool) {
	try := func(candidate string, isExt bool) {
		n := len(candidate)
		if len(s) >= n && strings.EqualFold(s[:n], candidate) && (len(s) == n || s[n] == ':') && n > len(urn) {
			urn, ext, ok = candidate, isExt, true
		}
	}
	try(r.coreURN, false)
	for _, e := range r.exts {
		try(e.ID, true)
	}
	return urn, ext, ok
}

func (r *resolver) attributesOf(urn string) schema.Attributes {
	for _, e := range r.exts {
		if e.ID == urn {
			return e.Attributes
		}
	}
	return r.core
}

// findUnqualified looks a bare attribute name up in the core schema, then in
// the extensions in order. RFC 7644 reads bare names as core attributes, but
// Entra's legacy manager update sends the bare path "manager".
func (r *resolver) findUnqualified(name, path string) (schema.CoreAttribute, string, error) {
	if a, ok := r.core.ContainsAttribute(name); ok {
		return a, "", nil
	}
	for _, e := range r.exts {
		if a, ok := e.Attributes.ContainsAttribute(name); ok {
			return a, e.ID, nil
		}
	}
	return schema.CoreAttribute{}, "", errorf(InvalidPath, "unknown attribute in path %s", quote(path))
}

// bindParts checks the sub-attribute and value filter of a path against the
// attribute's definition.
func (r *resolver) bindParts(t *target, spec pathSpec) error {
	if spec.sub != "" {
		sub, ok := t.attr.SubAttributes().ContainsAttribute(spec.sub)
		if t.attr.AttributeType() != "complex" || !ok {
			return errorf(InvalidPath, "%s has no sub-attribute %s", t.attr.Name(), quote(spec.sub))
		}
		t.sub = &sub
	}
	if spec.filter != nil {
		if !t.attr.MultiValued() {
			return errorf(InvalidPath, "value filter on single-valued attribute %s", t.attr.Name())
		}
		if err := resolveFilter(spec.filter, t.attr, t.path); err != nil {
			return err
		}
		t.filter = spec.filter
	}
	return nil
}

// subAttr finds a sub-attribute of a complex attribute, ignoring case.
func subAttr(attr schema.CoreAttribute, name string) (schema.CoreAttribute, bool) {
	return attr.SubAttributes().ContainsAttribute(name)
}

func isComplex(attr schema.CoreAttribute) bool { return attr.AttributeType() == "complex" }
