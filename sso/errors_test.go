package sso

import (
	"errors"
	"fmt"
	"testing"
)

// TestReasonLabel: every reason has its own label, found through the
// *Error and any wrapping around it; anything else is "internal".
func TestReasonLabel(t *testing.T) {
	seen := map[string]error{}
	for _, r := range reasons {
		err := fmt.Errorf("claim pages: %w", fail(r.err, "detail", errors.New("cause")))
		got := ReasonLabel(err)
		if got != r.label {
			t.Errorf("ReasonLabel(%v) = %q, want %q", err, got, r.label)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("%q labels both %v and %v", got, other, r.err)
		}
		seen[got] = r.err
	}
	if got := ReasonLabel(errors.New("disk on fire")); got != "internal" {
		t.Errorf("an unknown error is labelled %q, want internal", got)
	}
}
