package directory

// Attr names an attribute that queries may filter or sort on. Protocols
// translate their own syntax (a SCIM filter, admin API parameters) into
// Filter trees over these names; storage backends map each one to a
// column or child table. Anything not listed here cannot be queried.
type Attr string

// Account attributes.
const (
	AttrID             Attr = "id"
	AttrUserName       Attr = "userName"
	AttrExternalID     Attr = "externalId"
	AttrDisplayName    Attr = "displayName"
	AttrGivenName      Attr = "name.givenName"
	AttrFamilyName     Attr = "name.familyName"
	AttrActive         Attr = "active"
	AttrState          Attr = "state"
	AttrAuthMethod     Attr = "authMethod"
	AttrFrontline      Attr = "frontline"
	AttrTitle          Attr = "title"
	AttrDepartment     Attr = "department"
	AttrDivision       Attr = "division"
	AttrOrganization   Attr = "organization"
	AttrCostCenter     Attr = "costCenter"
	AttrEmployeeNumber Attr = "employeeNumber"
	AttrLocation       Attr = "location"
	AttrManagerID      Attr = "manager.value"
	AttrStartDate      Attr = "startDate"
	AttrUserType       Attr = "userType"
	AttrInvitedAt      Attr = "invitedAt"
	AttrClaimedAt      Attr = "claimedAt"
	AttrCreated        Attr = "meta.created"
	AttrLastModified   Attr = "meta.lastModified"

	// AttrEmails is the multi-valued emails attribute; filter its elements
	// with Has. AttrEmailValue etc. name the element's fields inside a Has,
	// or, used directly, match when any element matches.
	AttrEmails       Attr = "emails"
	AttrEmailValue   Attr = "emails.value"
	AttrEmailType    Attr = "emails.type"
	AttrEmailPrimary Attr = "emails.primary"

	// AttrPrimaryEmail is the account's primary email (PrimaryEmail):
	// one value per account, kept beside its other columns, so admin
	// search and "has an email" filter with the account's own indexes
	// where AttrEmailValue must look through every email of it.
	AttrPrimaryEmail Attr = "primaryEmail"
)

// Group attributes (AttrID, AttrExternalID, AttrDisplayName, AttrCreated
// and AttrLastModified apply to groups too).
const (
	AttrMembers     Attr = "members"
	AttrMemberValue Attr = "members.value"
	AttrMemberType  Attr = "members.type"
)

// Kind is the value type of an attribute, which decides how values
// compare.
type Kind int

// Attribute kinds.
const (
	// KindString compares case-insensitively (SCIM caseExact=false).
	KindString Kind = iota
	// KindExactString compares byte for byte (ids, externalId).
	KindExactString
	KindBool
	KindTime
)

// accountAttrKinds lists every filterable account attribute and its kind.
var accountAttrKinds = map[Attr]Kind{
	AttrID: KindExactString, AttrUserName: KindString, AttrExternalID: KindExactString,
	AttrDisplayName: KindString, AttrGivenName: KindString, AttrFamilyName: KindString,
	AttrActive: KindBool, AttrState: KindExactString, AttrAuthMethod: KindExactString, AttrFrontline: KindBool,
	AttrTitle: KindString, AttrDepartment: KindString, AttrDivision: KindString, AttrOrganization: KindString,
	AttrCostCenter: KindString, AttrEmployeeNumber: KindString, AttrLocation: KindString, AttrUserType: KindString,
	AttrManagerID: KindExactString, AttrStartDate: KindTime, AttrInvitedAt: KindTime, AttrClaimedAt: KindTime,
	AttrCreated: KindTime, AttrLastModified: KindTime,
	AttrEmailValue: KindString, AttrEmailType: KindString, AttrEmailPrimary: KindBool,
	AttrPrimaryEmail: KindString,
}

var groupAttrKinds = map[Attr]Kind{
	AttrID: KindExactString, AttrExternalID: KindExactString, AttrDisplayName: KindString,
	AttrCreated: KindTime, AttrLastModified: KindTime,
	AttrMemberValue: KindExactString, AttrMemberType: KindExactString,
}

// AccountAttrKind reports the kind of a filterable account attribute.
func AccountAttrKind(a Attr) (Kind, bool) { k, ok := accountAttrKinds[a]; return k, ok }

// GroupAttrKind reports the kind of a filterable group attribute.
func GroupAttrKind(a Attr) (Kind, bool) { k, ok := groupAttrKinds[a]; return k, ok }

// Op is a comparison operator, named as in SCIM.
type Op string

// Comparison operators. Pr (present) takes no value. Co, Sw and Ew apply to
// strings only; Gt, Ge, Lt and Le to strings and times.
const (
	OpEq Op = "eq"
	OpNe Op = "ne"
	OpCo Op = "co"
	OpSw Op = "sw"
	OpEw Op = "ew"
	OpPr Op = "pr"
	OpGt Op = "gt"
	OpGe Op = "ge"
	OpLt Op = "lt"
	OpLe Op = "le"
)

// Filter is a boolean expression over attributes: And, Or, Not, Compare or Has.
type Filter interface{ isFilter() }

// And matches when every clause matches.
type And []Filter

// Or matches when any clause matches.
type Or []Filter

// Not matches when its filter does not.
type Not struct{ Filter Filter }

// Compare tests one attribute. Value is a string (KindString,
// KindExactString), a bool (KindBool) or a time.Time (KindTime); nil for
// OpPr. A missing (null or empty) attribute matches only Ne and Not(Pr).
type Compare struct {
	Attr  Attr
	Op    Op
	Value any
}

// Has matches when at least one element of a multi-valued attribute
// (AttrEmails, AttrMembers) satisfies Filter, whose Compares name that
// attribute's element fields (AttrEmailValue, AttrEmailType, ...).
type Has struct {
	Attr   Attr
	Filter Filter
}

func (And) isFilter()     {}
func (Or) isFilter()      {}
func (Not) isFilter()     {}
func (Compare) isFilter() {}
func (Has) isFilter()     {}

// ListQuery selects, orders and pages accounts or groups.
//
// Paging is by Offset (SCIM startIndex-1) or by After, an opaque cursor a
// previous page returned as NextCursor (RFC 9865); not both. A cursor is
// only valid with the same Filter, SortBy and Descending it came from; a
// malformed one is ErrInvalid. Results are always in a total order: ties
// on SortBy are broken by id, so pages never overlap or skip.
type ListQuery struct {
	Filter     Filter
	SortBy     Attr // "" orders by id, which follows creation time
	Descending bool
	Offset     int
	After      string
	// Limit is the page size (clamped to MaxPageSize). Zero with
	// WithTotal returns only the total.
	Limit     int
	WithTotal bool
}

// AccountPage is one page of accounts.
type AccountPage struct {
	Accounts []Account
	// Total counts every match, when the query asked for it.
	Total int64
	// NextCursor continues after the last account of this page; "" when
	// the page is the last one.
	NextCursor string
}

// GroupPage is one page of groups.
type GroupPage struct {
	Groups     []Group
	Total      int64
	NextCursor string
}
