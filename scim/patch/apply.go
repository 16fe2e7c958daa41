package patch

import (
	"strconv"
	"strings"

	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// Operation names, as ParseRequest normalises them.
const (
	opAdd     = "add"
	opReplace = "replace"
	opRemove  = "remove"
)

// Options carries what Apply needs besides the document.
type Options struct {
	// ID and Meta are the resource's current id and meta, which the caller
	// keeps outside the document. They are used only to recognise a no-op
	// write: Okta's group PATCH carries the unchanged "id", which must be
	// accepted, while any change to id or meta is a mutability error. Leave
	// them empty and every write to id or meta is refused.
	ID   string
	Meta map[string]any
}

// Apply applies PATCH operations (RFC 7644 §3.5.2) to the resource document
// doc of resource type res and returns the patched copy; doc itself is never
// modified. The operations are atomic: on error Apply returns the error (an
// *Error) and no document. changed is false when the result deep-equals doc,
// so a no-op PATCH need not bump the resource's version.
//
// See the package documentation for the document format and semantics.
func Apply(doc map[string]any, ops []Operation, res schemas.Resource, opts Options) (map[string]any, bool, error) {
	out, _, changed, err := run(doc, ops, res, opts, false)
	return out, changed, err
}

// applier holds the state of one Apply call.
type applier struct {
	r       *resolver
	doc     map[string]any // the working copy
	members bool           // ApplyGroup: members go to changes, not to doc
	changes []MemberChange
	work    int // spent so far, see charge
}

// maxWork bounds the work of one Apply call, in value visits. An operation
// on a multi-valued attribute visits each stored value once per filter
// comparison (and, for Entra's remove-by-value, once per sent value), so a
// 1 MiB body of operations on a large attribute could otherwise keep a CPU
// busy for a minute; with the bound a request costs at most about 0.2 s.
// Real IdP requests use a few hundred units.
const maxWork = 100_000

// charge accounts for an operation of kind on target t with stored value
// old and sent value value, and fails once the request has cost too much.
func (a *applier) charge(kind string, t target, old, value any) error {
	stored, _ := old.([]any)
	sent, _ := value.([]any)
	perStored := max(1, filterSize(t.filter))
	if kind == opRemove && t.filter == nil {
		perStored = max(1, len(sent)) // removeMatching tries every selector
	}
	units := 1 + len(sent) + len(stored)*perStored
	if a.work += units; a.work > maxWork {
		return errorf(InvalidValue, "request too complex: it would visit more than %d values", maxWork)
	}
	return nil
}

func run(doc map[string]any, ops []Operation, res schemas.Resource, opts Options, members bool) (map[string]any, []MemberChange, bool, error) {
	// base is doc in JSON types (see clone); changed compares against it so
	// that converting a caller's Go values is not mistaken for a change.
	base := cloneMap(doc)
	a := &applier{r: newResolver(res), doc: cloneMap(base), members: members}
	injected := a.inject(opts)
	for i, op := range ops {
		if err := a.applyOp(op); err != nil {
			if e, ok := err.(*Error); ok {
				e.Detail = "Operations[" + strconv.Itoa(i) + "]: " + e.Detail
			}
			return nil, nil, false, err
		}
	}
	for _, k := range injected {
		delete(a.doc, k)
	}
	return a.doc, a.changes, !equal(base, a.doc), nil
}

// inject puts the caller's id and meta into the working copy so that writes
// to them go through the ordinary read-only check, and returns the keys to
// take out again afterwards.
func (a *applier) inject(opts Options) []string {
	var keys []string
	if _, _, ok := lookupKey(a.doc, "id"); !ok && opts.ID != "" {
		a.doc["id"] = opts.ID
		keys = append(keys, "id")
	}
	if _, _, ok := lookupKey(a.doc, "meta"); !ok && opts.Meta != nil {
		a.doc["meta"] = cloneMap(opts.Meta)
		keys = append(keys, "meta")
	}
	return keys
}

func (a *applier) applyOp(op Operation) error {
	kind, ok := normalizeOp(op.Op)
	if !ok {
		return errorf(InvalidSyntax, "unknown op %s", quote(op.Op))
	}
	path := strings.TrimSpace(op.Path)
	if path == "" {
		if kind == opRemove {
			return errorf(NoTarget, "remove requires a path")
		}
		return a.applyPathless(kind, "", op.Value)
	}
	t, err := a.r.resolve(path)
	if err != nil {
		return err
	}
	if t.whole {
		return a.applyWhole(kind, t, op.Value)
	}
	return a.applyTarget(kind, t, op.Value)
}

// normalizeOp matches op names case-insensitively: Entra's legacy dialect
// sends "Add", "Replace" and "Remove".
func normalizeOp(op string) (string, bool) {
	switch k := strings.ToLower(strings.TrimSpace(op)); k {
	case opAdd, opReplace, opRemove:
		return k, true
	}
	return "", false
}

// applyPathless applies an add or replace without path (or with a schema
// URN as path, then scope is that URN). value is an object whose keys are
// attribute names or paths ("name.givenName", "urn:…:User:employeeNumber",
// `emails[type eq "work"].value`, an extension URN holding an object); each
// key is applied as if it were the path of its own operation, in sorted key
// order so that "name" is applied before "name.givenName".
func (a *applier) applyPathless(kind, scope string, value any) error {
	obj, ok := value.(map[string]any)
	if !ok {
		return errorf(InvalidValue, "without a path, value must be an object, got %s", jsonType(value))
	}
	for _, key := range sortedKeys(obj) {
		path := key
		if scope != "" {
			path = scope + ":" + key
		}
		t, err := a.r.resolve(path)
		if err != nil {
			return err
		}
		if t.whole {
			if scope != "" {
				return errorf(InvalidPath, "schema %s nested in schema %s", quote(key), quote(scope))
			}
			err = a.applyWhole(kind, t, obj[key])
		} else {
			err = a.applyTarget(kind, t, obj[key])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// applyWhole applies an operation whose target is a whole schema, such as
// path "urn:…:enterprise:2.0:User" or that URN as a key of a path-less
// value: add and replace apply the object's attributes one by one, null and
// remove unassign every attribute of an extension.
func (a *applier) applyWhole(kind string, t target, value any) error {
	if kind != opRemove && value != nil {
		return a.applyPathless(kind, t.scope, value)
	}
	if t.urn == "" {
		return errorf(InvalidPath, "cannot remove the core schema %s", quote(t.scope))
	}
	for _, attr := range a.r.attributesOf(t.urn) {
		if err := a.applyTarget(opRemove, target{path: t.path, urn: t.urn, attr: attr}, nil); err != nil {
			return err
		}
	}
	return nil
}

// applyTarget applies one operation to one attribute: it computes the
// attribute's new value from the old one, checks mutability on the effect,
// and stores the result.
func (a *applier) applyTarget(kind string, t target, value any) error {
	name := t.attr.Name()
	switch {
	case t.urn == "" && name == "schemas":
		// The server derives "schemas" from the attributes present.
		return nil
	case t.attr.Mutability() == "writeOnly":
		// Latchkey never stores IdP-sent passwords: the person sets one
		// when claiming the account.
		return nil
	case a.members && t.urn == "" && name == "members":
		// Member lists cost linear time and can be long (Okta pushes whole
		// memberships), so they are charged as one unit.
		if err := a.charge(kind, t, nil, nil); err != nil {
			return err
		}
		return a.memberOp(kind, t, value)
	}

	parent, err := a.container(t.urn)
	if err != nil {
		return err
	}
	old := lookupVal(parent, name)
	if err := a.charge(kind, t, old, value); err != nil {
		return err
	}
	next, err := compute(kind, t, old, value)
	if err != nil {
		return err
	}
	if sameState(old, next) {
		return nil
	}
	if err := checkAttrWrite(t.attr, old, next); err != nil {
		return err
	}
	a.store(t.urn, name, next)
	return nil
}

// container returns the object holding an attribute of extension urn (the
// document itself for core attributes), or nil if there is none yet.
func (a *applier) container(urn string) (map[string]any, error) {
	if urn == "" {
		return a.doc, nil
	}
	v := lookupVal(a.doc, urn)
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errorf(InvalidValue, "stored extension %s is not an object", urn)
	}
	return m, nil
}

// store writes an attribute value (nil removes it), creating the extension
// object on first use and dropping it when it becomes empty.
func (a *applier) store(urn, name string, v any) {
	if urn == "" {
		setKey(a.doc, name, v)
		return
	}
	m, _ := a.container(urn) // checked by applyTarget
	if m == nil {
		m = map[string]any{}
	}
	setKey(m, name, v)
	if len(m) == 0 {
		setKey(a.doc, urn, nil)
		return
	}
	setKey(a.doc, urn, m)
}
