package filter

import (
	fp "github.com/scim2/filter-parser/v2"

	"github.com/latchkeyhq/latchkey/directory"
)

// translator turns a parsed filter into a directory.Filter over one
// resource's attributes.
type translator struct{ res *resource }

// expr translates e. within is the multi-valued attribute whose value
// filter e sits in, or nil at the top level.
func (t translator) expr(e fp.Expression, within *multiValued) (directory.Filter, error) {
	switch e := e.(type) {
	case *fp.LogicalExpression:
		return t.logical(e, within)
	case *fp.NotExpression:
		inner, err := t.expr(e.Expression, within)
		if err != nil {
			return nil, err
		}
		return directory.Not{Filter: inner}, nil
	case *fp.AttributeExpression:
		return t.compare(e, within)
	case *fp.ValuePath:
		return t.valuePath(e, within)
	}
	return nil, errorf("unsupported filter expression")
}

// logical translates and/or, flattening chains ("a and b and c" parses as
// ((a and b) and c)) into one And or Or; both are associative.
func (t translator) logical(e *fp.LogicalExpression, within *multiValued) (directory.Filter, error) {
	left, err := t.expr(e.Left, within)
	if err != nil {
		return nil, err
	}
	right, err := t.expr(e.Right, within)
	if err != nil {
		return nil, err
	}
	switch e.Operator {
	case fp.AND:
		return flatten(directory.And{}, left, right), nil
	case fp.OR:
		return flatten(directory.Or{}, left, right), nil
	}
	return nil, errorf("unsupported logical operator %q", e.Operator)
}

// flatten joins the clauses into a fresh slice of type S, splicing in
// clauses that are already S. Copying keeps the children's backing arrays
// unshared.
func flatten[S directory.And | directory.Or](dst S, clauses ...directory.Filter) S {
	for _, c := range clauses {
		if same, ok := c.(S); ok {
			dst = append(dst, same...)
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

// valuePath translates attr[filter] into a Has over attr's elements.
func (t translator) valuePath(e *fp.ValuePath, within *multiValued) (directory.Filter, error) {
	if within != nil {
		return nil, errorf("value filters cannot be nested")
	}
	def, err := t.res.lookup(e.AttributePath)
	if err != nil {
		return nil, err
	}
	if def.multi == nil || e.AttributePath.SubAttribute != nil {
		return nil, errorf("%s is not a multi-valued attribute; value filters [ ] apply only to attributes such as emails and members",
			quote(e.AttributePath.String()))
	}
	inner, err := t.expr(e.ValueFilter, def.multi)
	if err != nil {
		return nil, err
	}
	return directory.Has{Attr: def.multi.attr, Filter: inner}, nil
}

// compare translates one "attr op value".
func (t translator) compare(e *fp.AttributeExpression, within *multiValued) (directory.Filter, error) {
	var (
		def attrDef
		err error
	)
	if within != nil {
		def, err = within.element(e.AttributePath)
	} else {
		def, err = t.res.lookup(e.AttributePath)
	}
	if err != nil {
		return nil, err
	}
	name := e.AttributePath.String()
	if within != nil {
		name = within.name + "." + name
	}
	op, err := compareOp(e.Operator)
	if err != nil {
		return nil, err
	}
	raw, err := literal(e.CompareValue)
	if err != nil {
		return nil, err
	}
	if def.rule == invitedFlag || def.rule == claimedFlag {
		return lifecycle(def.rule, name, op, raw)
	}
	kind, ok := t.res.kind(def.attr)
	if !ok {
		return nil, errorf("unknown or unsupported attribute %q", name)
	}
	v, err := value(name, kind, def.rule, op, raw)
	if err != nil {
		return nil, err
	}
	return directory.Compare{Attr: def.attr, Op: op, Value: v}, nil
}

// compareOp maps the parser's operator, which it has lower-cased already.
func compareOp(op fp.CompareOperator) (directory.Op, error) {
	switch op {
	case fp.EQ, fp.NE, fp.CO, fp.SW, fp.EW, fp.PR, fp.GT, fp.GE, fp.LT, fp.LE:
		return directory.Op(op), nil
	}
	return "", errorf("unsupported operator %q", op)
}

// lifecycle compiles the invited and claimed booleans into lifecycle state
// comparisons. An account stays invited once claimed, as on Workplace.
func lifecycle(rule valueRule, name string, op directory.Op, raw any) (directory.Filter, error) {
	if op != directory.OpEq && op != directory.OpNe {
		return nil, errorf("%s supports only the eq and ne operators", name)
	}
	want, err := boolValue(name, raw)
	if err != nil {
		return nil, err
	}
	if op == directory.OpNe {
		want = !want
	}
	state := func(op directory.Op, s directory.State) directory.Compare {
		return directory.Compare{Attr: directory.AttrState, Op: op, Value: string(s)}
	}
	switch {
	case rule == invitedFlag && want:
		return directory.Or{state(directory.OpEq, directory.StateInvited), state(directory.OpEq, directory.StateClaimed)}, nil
	case rule == invitedFlag:
		return state(directory.OpEq, directory.StateNotInvited), nil
	case want:
		return state(directory.OpEq, directory.StateClaimed), nil
	}
	return state(directory.OpNe, directory.StateClaimed), nil
}
