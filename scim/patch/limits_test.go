package patch

import (
	"fmt"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/scim/schemas"
)

func TestMaxValues(t *testing.T) {
	many := make([]any, maxValues+1)
	for i := range many {
		many[i] = map[string]any{"value": fmt.Sprintf("e%d@x", i)}
	}
	_, _, err := Apply(nil, []Operation{{Op: "add", Path: "emails", Value: many}}, userResource, Options{})
	if scimType(err) != InvalidValue {
		t.Fatalf("adding %d values: err = %v, want invalidValue", len(many), err)
	}

	// Growing one value at a time hits the same cap.
	doc := map[string]any{"emails": many[:maxValues]}
	_, _, err = Apply(doc, []Operation{{Op: "add", Path: "emails", Value: many[maxValues]}}, userResource, Options{})
	if scimType(err) != InvalidValue {
		t.Fatalf("growing past the cap: err = %v, want invalidValue", err)
	}

	// A stored list above the cap can still shrink.
	doc = map[string]any{"emails": many}
	got, changed, err := Apply(doc, []Operation{{Op: "remove", Path: `emails[value eq "` + many[0].(map[string]any)["value"].(string) + `"]`}}, userResource, Options{})
	if err != nil || !changed || len(got["emails"].([]any)) != maxValues {
		t.Fatalf("shrinking: err = %v, changed = %v", err, changed)
	}
}

// emailList returns n distinct email objects.
func emailList(n int) []any {
	list := make([]any, n)
	for i := range list {
		list[i] = map[string]any{"value": fmt.Sprintf("e%d@x", i), "type": fmt.Sprintf("t%d", i)}
	}
	return list
}

func TestWorkBudget(t *testing.T) {
	full := map[string]any{"emails": emailList(maxValues)}

	// Legitimate large requests fit.
	ops := []Operation{
		{Op: "replace", Path: "roles", Value: emailList(maxValues)},
		{Op: "add", Path: "emails", Value: emailList(maxValues)},
		{Op: "replace", Path: `emails[type eq "t1"].display`, Value: "x"},
	}
	if _, _, err := Apply(full, ops, userResource, Options{}); err != nil {
		t.Fatalf("large but reasonable request: %v", err)
	}

	// Repeating an operation over a large attribute runs out of budget.
	op := Operation{Op: "replace", Path: `emails[type ne "zz"].display`, Value: "d"}
	ops = make([]Operation, maxWork/maxValues+1)
	for i := range ops {
		ops[i] = op
	}
	if _, _, err := Apply(full, ops, userResource, Options{}); scimType(err) != InvalidValue || !strings.Contains(err.Error(), "too complex") {
		t.Fatalf("err = %v, want invalidValue: request too complex", err)
	}

	// So does Entra's remove-by-value with many values on a large attribute.
	ops = []Operation{{Op: "remove", Path: "emails", Value: emailList(maxWork/maxValues + 1)}}
	if _, _, err := Apply(full, ops, userResource, Options{}); scimType(err) != InvalidValue {
		t.Fatalf("err = %v, want invalidValue", err)
	}

	// Group members are not in the document and cost linear time: a large
	// membership push is not limited here.
	members := make([]any, 3*maxWork)
	for i := range members {
		members[i] = map[string]any{"value": fmt.Sprintf("u%d", i)}
	}
	_, changes, _, err := ApplyGroup(nil, []Operation{{Op: "replace", Path: "members", Value: members}}, schemas.Group(), Options{})
	if err != nil || len(changes) != 1 || len(changes[0].Members) != len(members) {
		t.Fatalf("large member replace: err = %v", err)
	}
}
