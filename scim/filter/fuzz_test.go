package filter

import (
	"errors"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// treeRules is what an accepted tree may contain, stated independently of
// the package's own tables.
type treeRules struct {
	kind  func(directory.Attr) (directory.Kind, bool)
	elems map[directory.Attr][]directory.Attr // Has attribute → its element fields
}

var (
	userRules = treeRules{kind: directory.AccountAttrKind, elems: map[directory.Attr][]directory.Attr{
		directory.AttrEmails: {directory.AttrEmailValue, directory.AttrEmailType, directory.AttrEmailPrimary},
	}}
	groupRules = treeRules{kind: directory.GroupAttrKind, elems: map[directory.Attr][]directory.Attr{
		directory.AttrMembers: {directory.AttrMemberValue, directory.AttrMemberType},
	}}
)

func FuzzUsers(f *testing.F) {
	seed(f, userAccepted, userRejected, groupAccepted)
	f.Fuzz(func(t *testing.T, in string) { fuzzOne(t, Users, userRules, in) })
}

func FuzzGroups(f *testing.F) {
	seed(f, groupAccepted, groupRejected, userAccepted)
	f.Fuzz(func(t *testing.T, in string) { fuzzOne(t, Groups, groupRules, in) })
}

// seed adds the table inputs. Inputs far over MaxLength are left out: the
// length check refuses them first, and mutating hundreds of kilobytes
// would only slow the fuzzer down.
func seed(f *testing.F, ok []accepted, bad []rejected, other []accepted) {
	var inputs []string
	for _, c := range ok {
		inputs = append(inputs, c.in)
	}
	for _, c := range bad {
		inputs = append(inputs, c.in)
	}
	for _, c := range other {
		inputs = append(inputs, c.in)
	}
	for _, in := range inputs {
		if len(in) <= 2*MaxLength {
			f.Add(in)
		}
	}
}

// fuzzOne checks the properties every input must have: no panic (the
// fuzzer reports one), an *Error with a detail or a tree within the
// rules, no filter at all only for an empty input, and the Entra rewrite
// touching nothing but its own form.
func fuzzOne(t *testing.T, translate func(string) (directory.Filter, error), rules treeRules, in string) {
	if !containsSubAttrForm(in) && liftSubAttrs(in) != in {
		t.Fatalf("%q: rewritten without attr[...].sub", in)
	}
	got, err := translate(in)
	if err != nil {
		var fe *Error
		if !errors.As(err, &fe) || fe.Detail == "" {
			t.Fatalf("%q: error %T %v, want *Error with a detail", in, err, err)
		}
		if got != nil {
			t.Fatalf("%q: filter returned with an error", in)
		}
		return
	}
	if got == nil {
		if in != "" {
			t.Fatalf("%q: accepted without a filter", in)
		}
		return
	}
	if err := rules.check(got, nil); err != nil {
		t.Fatalf("%q: %v in %s", in, err, render(got))
	}
}

// check walks f. elems is the element fields allowed inside the Has being
// walked, or nil at the top level.
func (r treeRules) check(f directory.Filter, elems []directory.Attr) error {
	switch f := f.(type) {
	case directory.And:
		return r.checkAll(f, elems)
	case directory.Or:
		return r.checkAll(f, elems)
	case directory.Not:
		return r.check(f.Filter, elems)
	case directory.Has:
		if elems != nil {
			return errors.New("nested Has")
		}
		fields, ok := r.elems[f.Attr]
		if !ok {
			return errors.New("Has over " + string(f.Attr))
		}
		return r.check(f.Filter, fields)
	case directory.Compare:
		return r.checkCompare(f, elems)
	}
	return errors.New("unknown node")
}

func (r treeRules) checkAll(fs []directory.Filter, elems []directory.Attr) error {
	if len(fs) < 2 {
		return errors.New("And/Or with fewer than two clauses")
	}
	for _, f := range fs {
		if err := r.check(f, elems); err != nil {
			return err
		}
	}
	return nil
}

func (r treeRules) checkCompare(c directory.Compare, elems []directory.Attr) error {
	kind, ok := r.kind(c.Attr)
	if !ok {
		return errors.New("Compare on " + string(c.Attr))
	}
	if elems != nil && !contains(elems, c.Attr) {
		return errors.New(string(c.Attr) + " inside Has")
	}
	if c.Op == directory.OpPr {
		if c.Value != nil {
			return errors.New("pr with a value")
		}
		return nil
	}
	if !opApplies(kind, c.Op) {
		return errors.New(string(c.Op) + " on " + string(c.Attr))
	}
	var typeOK bool
	switch kind {
	case directory.KindString, directory.KindExactString:
		_, typeOK = c.Value.(string)
	case directory.KindBool:
		_, typeOK = c.Value.(bool)
	case directory.KindTime:
		var v time.Time
		v, typeOK = c.Value.(time.Time)
		typeOK = typeOK && v.Location() == time.UTC
	}
	if !typeOK {
		return errors.New("wrong value type for " + string(c.Attr))
	}
	if c.Attr == directory.AttrState && !directory.State(c.Value.(string)).Valid() {
		return errors.New("unknown state")
	}
	return nil
}

func contains(as []directory.Attr, a directory.Attr) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}
