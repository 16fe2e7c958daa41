// Package schemas declares the SCIM schemas Latchkey serves: the core User
// and Group schemas, the enterprise extension, Latchkey's lifecycle
// extension, and Workplace's extensions, which are accepted and returned as
// aliases of Latchkey's own attributes so connectors mapped for Workplace
// work unchanged. The declarations (elimity-com/scim's schema types) drive
// /Schemas, request validation and PATCH path resolution.
package schemas

import (
	"slices"
	"sync"

	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
)

// Schema URNs.
const (
	UserURN       = schema.UserSchema
	GroupURN      = schema.GroupSchema
	EnterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	// LatchkeyURN is Latchkey's own extension: the claim lifecycle.
	LatchkeyURN = "urn:ietf:params:scim:schemas:extension:latchkey:2.0:User"

	// Workplace's extensions, accepted as aliases of LatchkeyURN's attributes.
	FacebookAccountStatusURN  = "urn:ietf:params:scim:schemas:extension:facebook:accountstatusdetails:2.0:User"
	FacebookAuthMethodURN     = "urn:ietf:params:scim:schemas:extension:facebook:authmethod:2.0:User"
	FacebookStartTermDatesURN = "urn:ietf:params:scim:schemas:extension:facebook:starttermdates:2.0:User"
	FacebookFrontlineURN      = "urn:ietf:params:scim:schemas:extension:facebook:frontline:2.0:User"

	PatchOpURN      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	ListResponseURN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	ErrorURN        = "urn:ietf:params:scim:api:messages:2.0:Error"
	SearchURN       = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	BulkRequestURN  = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	BulkResponseURN = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
)

// Resource is a resource type's core schema and its extensions.
type Resource struct {
	Core       schema.Schema
	Extensions []schema.Schema
}

// User returns the User resource's schemas. They are built once (building
// them validates every attribute name with a regular expression, which cost
// a fifth of a create's CPU when done per request) and shared: callers must
// treat the schemas as read-only. The Extensions slice is a fresh copy, so
// appending to it or replacing an element cannot reach other callers.
func User() Resource {
	r := userResource()
	r.Extensions = slices.Clone(r.Extensions)
	return r
}

// Group returns the Group resource's schemas, built once like User's.
func Group() Resource { return groupResource() }

var (
	userResource = sync.OnceValue(func() Resource {
		return Resource{
			Core: schema.CoreUserSchema(),
			Extensions: []schema.Schema{
				schema.ExtensionEnterpriseUser(), Latchkey(),
				FacebookAccountStatus(), FacebookAuthMethod(), FacebookStartTermDates(), FacebookFrontline(),
			},
		}
	})
	groupResource = sync.OnceValue(func() Resource { return Resource{Core: schema.CoreGroupSchema()} })
)

func str(name, desc string, mutability schema.AttributeMutability, canonical ...string) schema.CoreAttribute {
	return schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{
		Name: name, Description: optional.NewString(desc), Mutability: mutability, CanonicalValues: canonical,
	}))
}

func boolean(name, desc string, mutability schema.AttributeMutability) schema.CoreAttribute {
	return schema.SimpleCoreAttribute(schema.SimpleBooleanParams(schema.BooleanParams{
		Name: name, Description: optional.NewString(desc), Mutability: mutability,
	}))
}

func dateTime(name, desc string, mutability schema.AttributeMutability) schema.CoreAttribute {
	return schema.SimpleCoreAttribute(schema.SimpleDateTimeParams(schema.DateTimeParams{
		Name: name, Description: optional.NewString(desc), Mutability: mutability,
	}))
}

func integer(name, desc string, mutability schema.AttributeMutability) schema.CoreAttribute {
	return schema.SimpleCoreAttribute(schema.SimpleNumberParams(schema.NumberParams{
		Name: name, Description: optional.NewString(desc), Mutability: mutability, Type: schema.AttributeTypeInteger(),
	}))
}

var (
	readOnly  = schema.AttributeMutabilityReadOnly()
	readWrite = schema.AttributeMutabilityReadWrite()
)

// Latchkey is the lifecycle extension: read-only invitation and claim
// state (like Workplace's account status details), plus the writable
// sign-in method, start date and frontline marker.
func Latchkey() schema.Schema {
	return schema.Schema{
		ID:          LatchkeyURN,
		Name:        optional.NewString("Latchkey account lifecycle"),
		Description: optional.NewString("Invitation and claim state of the account, and how its person signs in."),
		Attributes: []schema.CoreAttribute{
			boolean("invited", "Whether the account has been invited. Writing true invites a not-yet-invited account.", readWrite),
			dateTime("inviteDate", "When the account was (last) invited.", readOnly),
			boolean("claimed", "Whether the person has claimed the account.", readOnly),
			dateTime("claimDate", "When the account was claimed.", readOnly),
			str("claimLink", "The claim link of an invited, unclaimed account.", readOnly),
			str("accessCode", "The access code of an invited, unclaimed account without email.", readOnly),
			str("signInName", "The username the person chose while claiming with an access code; userName stays the identity provider's.", readOnly),
			str("authMethod", "How the person signs in: password or sso.", readWrite, "password", "sso"),
			dateTime("startDate", "The person's first working day; invitation rules may wait for it.", readWrite),
			boolean("frontline", "A frontline account without email, claimed with an access code.", readWrite),
		},
	}
}

// FacebookAccountStatus is Workplace's account status extension.
func FacebookAccountStatus() schema.Schema {
	return schema.Schema{
		ID:          FacebookAccountStatusURN,
		Name:        optional.NewString("Account status details (Workplace compatible)"),
		Description: optional.NewString("Alias of the Latchkey lifecycle extension, in Workplace's names."),
		Attributes: []schema.CoreAttribute{
			boolean("invited", "Whether the account has been invited; writing true invites it.", readWrite),
			integer("inviteDate", "When the account was invited, in seconds since the epoch.", readOnly),
			boolean("claimed", "Whether the account has been claimed.", readOnly),
			integer("claimDate", "When the account was claimed, in seconds since the epoch.", readOnly),
			str("claimLink", "The claim link of an invited, unclaimed account.", readOnly),
			str("accessCode", "The access code of an invited, unclaimed account without email.", readOnly),
			integer("accessCodeExpirationDate", "When the access code expires, in seconds since the epoch.", readOnly),
			boolean("canDelete", "Whether DELETE removes the account (it was never claimed).", readOnly),
		},
	}
}

// FacebookAuthMethod is Workplace's sign-in method extension.
func FacebookAuthMethod() schema.Schema {
	return schema.Schema{
		ID:          FacebookAuthMethodURN,
		Name:        optional.NewString("Auth method (Workplace compatible)"),
		Description: optional.NewString("Alias of the Latchkey lifecycle extension's authMethod."),
		Attributes:  []schema.CoreAttribute{str("authMethod", "password or sso.", readWrite, "password", "sso")},
	}
}

// FacebookStartTermDates is Workplace's start and termination dates.
func FacebookStartTermDates() schema.Schema {
	return schema.Schema{
		ID:          FacebookStartTermDatesURN,
		Name:        optional.NewString("Start and term dates (Workplace compatible)"),
		Description: optional.NewString("Alias of the Latchkey lifecycle extension's startDate, in seconds since the epoch."),
		Attributes: []schema.CoreAttribute{
			integer("startDate", "First working day, in seconds since the epoch.", readWrite),
			integer("termDate", "Last working day, in seconds since the epoch; 0 for none.", readWrite),
		},
	}
}

// FacebookFrontline is Workplace's frontline marker.
func FacebookFrontline() schema.Schema {
	return schema.Schema{
		ID:          FacebookFrontlineURN,
		Name:        optional.NewString("Frontline (Workplace compatible)"),
		Description: optional.NewString("Alias of the Latchkey lifecycle extension's frontline."),
		Attributes: []schema.CoreAttribute{
			boolean("is_frontline", "A frontline account without email.", readWrite),
		},
	}
}
