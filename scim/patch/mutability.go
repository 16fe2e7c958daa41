package patch

import "github.com/elimity-com/scim/schema"

// Mutability (RFC 7643 §2.2, RFC 7644 §3.5.2) is checked on the effect of an
// operation, not on its wording: an operation that leaves an attribute as it
// was is accepted whatever the attribute's mutability, because IdPs PATCH
// unchanged read-only fields (Okta sends the group's own "id" with every
// membership update). These checks run only when the state would change.

// checkAttrWrite checks a change of a top-level attribute from old to next.
func checkAttrWrite(attr schema.CoreAttribute, old, next any) error {
	switch attr.Mutability() {
	case "readOnly":
		return errorf(Mutability, "%s is read-only", attr.Name())
	case "immutable":
		if !unassigned(old) {
			return errorf(Mutability, "%s is immutable and already set", attr.Name())
		}
	}
	if attr.Required() && unassigned(next) {
		return errorf(Mutability, "%s is required and cannot be removed", attr.Name())
	}
	return nil
}

// checkElementWrite checks the sub-attributes of a complex value (a
// single-valued attribute's object or one element of a multi-valued one)
// that stays assigned while changing from old to next. Removing the whole
// value is always allowed: a read-only manager.displayName does not pin the
// manager.
func checkElementWrite(attr schema.CoreAttribute, old, next map[string]any) error {
	for _, sub := range attr.SubAttributes() {
		o, n := lookupVal(old, sub.Name()), lookupVal(next, sub.Name())
		if sameState(o, n) {
			continue
		}
		switch sub.Mutability() {
		case "readOnly":
			return errorf(Mutability, "%s.%s is read-only", attr.Name(), sub.Name())
		case "immutable":
			if !unassigned(o) {
				return errorf(Mutability, "%s.%s is immutable and already set", attr.Name(), sub.Name())
			}
		}
	}
	return nil
}
