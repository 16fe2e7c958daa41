package patch

import (
	"strings"

	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// Member is a group member as sent by the client.
type Member struct {
	Value string // the member's id
	Type  string // "User", "Group" or "" (as sent; not validated)
}

// MemberChange is one membership operation of a group PATCH, for the caller
// to apply to its membership table.
type MemberChange struct {
	Op        string   // "add", "remove" or "replace"
	Members   []Member // add, replace: the members (replace: the complete new list, possibly empty)
	Remove    []string // remove: the ids to remove
	RemoveAll bool     // remove: every member
}

// ApplyGroup is Apply for groups. Members live in their own table, so
// operations on members are not applied to doc; they are returned in order
// as MemberChanges. Everything else (displayName, externalId) is applied to
// the document as by Apply, and changed reports document changes only: only
// the caller knows whether a MemberChange changes its table.
//
// Member operations understood:
//
//	add members [{value, type?}…] (or one object)  → add
//	replace members [...]                           → replace (the full list)
//	remove members                                  → remove, RemoveAll
//	remove members[value eq "id"] (or-ed values)    → remove, Remove
//	remove members with value [{value}…] (Entra)    → remove, Remove
//	path-less add/replace {"members": [...]}        → add / replace
//
// Keys of member objects other than value and type (Okta's "id" and
// "display", Entra's "$ref": null) are ignored.
func ApplyGroup(doc map[string]any, ops []Operation, res schemas.Resource, opts Options) (map[string]any, []MemberChange, bool, error) {
	return run(doc, ops, res, opts, true)
}

// memberOp turns an operation on members into a MemberChange.
func (a *applier) memberOp(kind string, t target, value any) error {
	if t.sub != nil {
		return errorf(Mutability, "member sub-attributes are immutable (path %s); remove and add the member instead", quote(t.path))
	}
	if kind != opRemove && t.filter != nil {
		return errorf(InvalidPath, "%s with a members filter is not supported (path %s); use add and remove", kind, quote(t.path))
	}
	switch {
	case kind == opAdd:
		ms, err := parseMembers(value)
		if err != nil || len(ms) == 0 {
			return err
		}
		a.changes = append(a.changes, MemberChange{Op: opAdd, Members: ms})
	case kind == opReplace:
		ms, err := parseMembers(value)
		if err != nil {
			return err
		}
		a.changes = append(a.changes, MemberChange{Op: opReplace, Members: ms})
	case t.filter != nil:
		ids, err := filterMemberIDs(t.filter, t.path)
		if err != nil {
			return err
		}
		a.changes = append(a.changes, MemberChange{Op: opRemove, Remove: ids})
	case value != nil:
		ms, err := parseMembers(value)
		if err != nil || len(ms) == 0 {
			return err
		}
		ids := make([]string, len(ms))
		for i, m := range ms {
			ids[i] = m.Value
		}
		a.changes = append(a.changes, MemberChange{Op: opRemove, Remove: ids})
	default:
		a.changes = append(a.changes, MemberChange{Op: opRemove, RemoveAll: true})
	}
	return nil
}

// parseMembers reads a list of member objects (or one object), dropping
// repeated ids. The result is never nil, so that replace with an empty
// list reads as "no members".
func parseMembers(value any) ([]Member, error) {
	list, ok := value.([]any)
	if !ok && value != nil {
		list = []any{value}
	}
	out := []Member{}
	seen := map[string]bool{}
	for _, e := range list {
		obj, ok := e.(map[string]any)
		if !ok {
			return nil, errorf(InvalidValue, "members: expected object, got %s", jsonType(e))
		}
		id, ok := lookupVal(obj, "value").(string)
		if !ok || strings.TrimSpace(id) == "" {
			return nil, errorf(InvalidValue, "members: value must be a non-empty string")
		}
		typ, ok := lookupVal(obj, "type").(string)
		if !ok && lookupVal(obj, "type") != nil {
			return nil, errorf(InvalidValue, "members: type must be a string")
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, Member{Value: id, Type: typ})
		}
	}
	return out, nil
}

// filterMemberIDs reads the ids out of a members value filter. Only
// value eq "id", possibly or-ed, is supported: the members are not in the
// document, so other filters cannot be evaluated here.
func filterMemberIDs(f filterExpr, path string) ([]string, error) {
	switch x := f.(type) {
	case *orExpr:
		left, err := filterMemberIDs(x.left, path)
		if err != nil {
			return nil, err
		}
		right, err := filterMemberIDs(x.right, path)
		return append(left, right...), err
	case *cmpExpr:
		if id, ok := x.value.(string); ok && x.name == "value" && x.op == "eq" && strings.TrimSpace(id) != "" {
			return []string{id}, nil
		}
	}
	return nil, errorf(InvalidPath, `members filters must select by value eq "<id>" (path %s)`, quote(path))
}
