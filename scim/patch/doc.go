// Package patch applies SCIM PATCH requests (RFC 7644 §3.5.2) to resource
// documents. It is pure: no storage, no I/O. ParseRequest decodes a PatchOp
// body, Apply patches a document, and ApplyGroup does the same for groups,
// whose members it returns as MemberChanges instead of patching them.
//
// # Documents
//
// A document is the resource's SCIM JSON object as stored, decoded by
// encoding/json: map[string]any, []any, string, bool, nil and numbers.
// Decoding with UseNumber is recommended but not required: numbers are
// compared by value, so float64 and json.Number documents behave the same.
// Numbers Apply writes are json.Number. Extension attributes sit under their
// schema URN, e.g. doc["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"].
// The document holds no id or meta (see Options), and may hold attributes
// that no schema declares; those survive untouched. Apply writes attribute
// names in the schema's spelling and leaves "schemas" to the caller, who
// derives it from the extension objects present.
//
// # Paths
//
// attr, attr.sub, attr[filter], attr[filter].sub, each optionally prefixed
// by a schema URN (core or extension), or a schema URN alone. Attribute
// names are case-insensitive. A bare name is looked up in the core and
// common attributes, then in the extensions in order (Entra sends the bare
// path "manager"). A name no schema declares is invalidPath. Value filters
// support eq ne co sw ew pr gt ge lt le, and, or, not and parentheses;
// strings of caseExact=false sub-attributes compare case-insensitively.
//
// # Semantics and the decisions behind them
//
//   - add to a multi-valued attribute appends the values (one object counts as
//     a one-element list), skipping values already present.
//   - add and replace on a single-valued complex attribute (name, manager)
//     merge sub-attributes; RFC 7644 §3.5.2.3 says so for replace. When the
//     merge changes "value" without a "$ref", the stale "$ref" is dropped.
//   - add and replace with a value filter write every matching element; replace
//     without sub-attribute replaces them whole. When nothing matches and the
//     filter is eq comparisons joined by and (emails[type eq "work"].value),
//     the element is created from those equalities: Entra sends exactly that
//     to set a user's first work email. Any other unmatched filter is noTarget.
//   - remove of an absent attribute, or with a filter that matches nothing, is a
//     no-op success: IdPs re-send removals. remove with a value on a
//     multi-valued attribute removes only the elements matching the value's
//     items (Entra's legacy {"op":"Remove","path":"members","value":[{"value":id}]}).
//     Removing an element's "value" sub-attribute removes the element.
//   - Without path, add and replace take an object whose keys are attribute
//     names or paths ("name.givenName", "urn:…:User:employeeNumber",
//     `emails[type eq "work"].value`, or an extension URN holding an object),
//     each applied as its own operation, in sorted key order.
//   - null, an empty array, and for a manager-like attribute "" or
//     {"value":""} unassign the attribute. Unknown keys inside complex values
//     are dropped.
//   - Types follow the schema: "True"/"false" strings become booleans, numeric
//     strings become numbers, a bare string for a complex attribute with a
//     value sub-attribute (Entra's manager) becomes {"value": s}; other type
//     mismatches are invalidValue. Canonical values (authMethod) are not
//     enforced here: business validation is the caller's.
//   - Mutability is judged by effect: any operation that leaves an attribute as
//     it was is accepted and ignored, since IdPs PATCH unchanged read-only
//     fields. Otherwise changing a readOnly attribute, changing an immutable one
//     that is set, or unassigning a required one is a mutability error.
//     Operations on "schemas" are ignored. writeOnly attributes (password) are
//     dropped silently: Latchkey never stores IdP-sent passwords, the person
//     sets one when claiming the account.
//   - When an element becomes primary, "primary" is set to false on the others.
//
// Operations are applied in order and atomically: on any error Apply returns
// the error and no document.
//
// # Limits
//
// Paths are at most 4096 bytes with value filters nested at most 32 deep. A
// multi-valued attribute in the document may not grow beyond 1000 values,
// and one request may visit at most 100,000 stored values in total (each
// operation on a multi-valued attribute visits its values once per filter
// comparison), which bounds a 1 MiB request to about 0.2 s of CPU. Both
// limits answer invalidValue. Group member lists are not limited here.
package patch
