package filter

import (
	"strings"

	fp "github.com/scim2/filter-parser/v2"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// valueRule says how comparison values of an attribute are read, where
// the directory attribute's Kind alone does not say it.
type valueRule int

const (
	// byKind reads values as the directory attribute's Kind requires.
	byKind valueRule = iota
	// epochSeconds reads a time as whole seconds since the Unix epoch,
	// as Workplace's extensions write dates.
	epochSeconds
	// invitedFlag and claimedFlag are booleans derived from the lifecycle
	// state; they compile to comparisons of directory.AttrState.
	invitedFlag
	claimedFlag
	// never marks an attribute that exists but is never filtered or
	// sorted on.
	never
)

// multiValued is a multi-valued complex attribute whose elements a value
// filter ("emails[type eq "work"]") selects.
type multiValued struct {
	name  string                    // as SCIM spells it, for messages
	attr  directory.Attr            // the attribute directory.Has ranges over
	elems map[string]directory.Attr // lower-case sub-attribute → element field
	// sortBy is the element field sorting by the attribute uses (the
	// primary value); "" when it is not sortable.
	sortBy directory.Attr
}

// attrDef is what one SCIM attribute name means in the directory.
type attrDef struct {
	attr  directory.Attr
	rule  valueRule
	multi *multiValued // set for a multi-valued attribute and its element fields
}

// schemaAttrs is what one schema URN contributes.
type schemaAttrs struct {
	urn   string             // lower-case
	attrs map[string]attrDef // lower-case "name" or "name.sub"
}

// resource is everything a filter on one endpoint may name.
type resource struct {
	// schemas in the order an unqualified name is looked up.
	schemas []schemaAttrs
	kind    func(directory.Attr) (directory.Kind, bool)
}

func newSchema(urn string, attrs map[string]attrDef) schemaAttrs {
	lower := make(map[string]attrDef, len(attrs))
	for name, def := range attrs {
		lower[strings.ToLower(name)] = def
	}
	return schemaAttrs{urn: strings.ToLower(urn), attrs: lower}
}

func plain(a directory.Attr) attrDef { return attrDef{attr: a} }

var emails = &multiValued{
	name: "emails",
	attr: directory.AttrEmails,
	elems: map[string]directory.Attr{
		"value": directory.AttrEmailValue, "type": directory.AttrEmailType, "primary": directory.AttrEmailPrimary,
	},
	sortBy: directory.AttrEmailValue,
}

var members = &multiValued{
	name:  "members",
	attr:  directory.AttrMembers,
	elems: map[string]directory.Attr{"value": directory.AttrMemberValue, "type": directory.AttrMemberType},
}

// users lists the filterable User attributes. id, externalId and meta are
// common attributes rather than core ones, but clients qualify them with
// the core URN too, so they live there. Unqualified names resolve to the
// core schema, then the enterprise, Latchkey and Workplace extensions,
// which is why inviteDate means Latchkey's date-time, not Workplace's epoch
// seconds.
var users = resource{
	kind: directory.AccountAttrKind,
	schemas: []schemaAttrs{
		newSchema(schemas.UserURN, map[string]attrDef{
			"id":                 plain(directory.AttrID),
			"externalId":         plain(directory.AttrExternalID),
			"userName":           plain(directory.AttrUserName),
			"displayName":        plain(directory.AttrDisplayName),
			"name.givenName":     plain(directory.AttrGivenName),
			"name.familyName":    plain(directory.AttrFamilyName),
			"title":              plain(directory.AttrTitle),
			"userType":           plain(directory.AttrUserType),
			"active":             plain(directory.AttrActive),
			"emails":             {attr: directory.AttrEmailValue, multi: emails},
			"addresses.locality": plain(directory.AttrLocation),
			"meta.created":       plain(directory.AttrCreated),
			"meta.lastModified":  plain(directory.AttrLastModified),
			"password":           {rule: never},
		}),
		newSchema(schemas.EnterpriseURN, map[string]attrDef{
			"employeeNumber": plain(directory.AttrEmployeeNumber),
			"department":     plain(directory.AttrDepartment),
			"division":       plain(directory.AttrDivision),
			"organization":   plain(directory.AttrOrganization),
			"costCenter":     plain(directory.AttrCostCenter),
			"manager":        plain(directory.AttrManagerID),
			"manager.value":  plain(directory.AttrManagerID),
		}),
		newSchema(schemas.LatchkeyURN, map[string]attrDef{
			"invited":    {rule: invitedFlag},
			"claimed":    {rule: claimedFlag},
			"inviteDate": plain(directory.AttrInvitedAt),
			"claimDate":  plain(directory.AttrClaimedAt),
			"authMethod": plain(directory.AttrAuthMethod),
			"startDate":  plain(directory.AttrStartDate),
			"frontline":  plain(directory.AttrFrontline),
		}),
		newSchema(schemas.FacebookAccountStatusURN, map[string]attrDef{
			"invited":    {rule: invitedFlag},
			"claimed":    {rule: claimedFlag},
			"inviteDate": {attr: directory.AttrInvitedAt, rule: epochSeconds},
			"claimDate":  {attr: directory.AttrClaimedAt, rule: epochSeconds},
		}),
		newSchema(schemas.FacebookAuthMethodURN, map[string]attrDef{
			"authMethod": plain(directory.AttrAuthMethod),
		}),
		newSchema(schemas.FacebookStartTermDatesURN, map[string]attrDef{
			"startDate": {attr: directory.AttrStartDate, rule: epochSeconds},
		}),
		newSchema(schemas.FacebookFrontlineURN, map[string]attrDef{
			"is_frontline": plain(directory.AttrFrontline),
		}),
	},
}

// groups lists the filterable Group attributes.
var groups = resource{
	kind: directory.GroupAttrKind,
	schemas: []schemaAttrs{
		newSchema(schemas.GroupURN, map[string]attrDef{
			"id":                plain(directory.AttrID),
			"externalId":        plain(directory.AttrExternalID),
			"displayName":       plain(directory.AttrDisplayName),
			"members":           {attr: directory.AttrMemberValue, multi: members},
			"meta.created":      plain(directory.AttrCreated),
			"meta.lastModified": plain(directory.AttrLastModified),
		}),
	},
}

// lookup finds what p names: in the schema its URN prefix names or,
// unqualified, in the first schema that has it. Names and URNs are
// case-insensitive.
func (r *resource) lookup(p fp.AttributePath) (attrDef, error) {
	name, sub := strings.ToLower(p.AttributeName), strings.ToLower(p.SubAttributeName())
	var (
		def attrDef
		ok  bool
	)
	if p.URIPrefix != nil {
		s, known := r.schema(p.URI())
		if !known {
			return attrDef{}, errorf("unknown schema %s in attribute %s", quote(p.URI()), quote(p.String()))
		}
		def, ok = s.find(name, sub)
	} else {
		for _, s := range r.schemas {
			if def, ok = s.find(name, sub); ok {
				break
			}
		}
	}
	switch {
	case !ok:
		return attrDef{}, errorf("unknown or unsupported attribute %s", quote(p.String()))
	case def.rule == never:
		return attrDef{}, errorf("attribute %s can never be filtered or sorted on", quote(p.String()))
	}
	return def, nil
}

func (r *resource) schema(urn string) (schemaAttrs, bool) {
	for _, s := range r.schemas {
		if strings.EqualFold(s.urn, urn) {
			return s, true
		}
	}
	return schemaAttrs{}, false
}

// find resolves a lower-case name and optional sub-attribute. A
// sub-attribute of a multi-valued attribute is one of its element fields,
// which, compared outside a value filter, matches when any element does.
func (s schemaAttrs) find(name, sub string) (attrDef, bool) {
	if sub == "" {
		def, ok := s.attrs[name]
		return def, ok
	}
	if parent, ok := s.attrs[name]; ok && parent.multi != nil {
		elem, ok := parent.multi.elems[sub]
		return attrDef{attr: elem, multi: parent.multi}, ok
	}
	def, ok := s.attrs[name+"."+sub]
	return def, ok
}

// element resolves a name inside m's value filter: a bare element field,
// as in emails[type eq "work"].
func (m *multiValued) element(p fp.AttributePath) (attrDef, error) {
	if p.URIPrefix != nil || p.SubAttribute != nil {
		return attrDef{}, errorf("%s inside %s[ ] must be a plain sub-attribute name such as value", quote(p.String()), m.name)
	}
	elem, ok := m.elems[strings.ToLower(p.AttributeName)]
	if !ok {
		return attrDef{}, errorf("unknown or unsupported attribute %s in %s[ ]", quote(p.String()), m.name)
	}
	return attrDef{attr: elem, multi: m}, nil
}
