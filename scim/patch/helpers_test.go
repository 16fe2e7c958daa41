package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// applyCase is one table-driven PATCH scenario.
type applyCase struct {
	name    string
	group   bool    // use schemas.Group() and ApplyGroup
	opts    Options // current id/meta
	doc     string  // stored document (JSON)
	body    string  // PatchOp body, or just the Operations array
	want    string  // expected document (JSON); ignored when errType is set
	changed bool
	members []MemberChange // ApplyGroup only
	errType string         // expected ScimType, "" for success
}

const patchOpURN = `urn:ietf:params:scim:api:messages:2.0:PatchOp`

// expand lets test JSON name schema URNs briefly: $ENT, $LK, $FBS, $CORE.
var expand = strings.NewReplacer(
	"$ENT", schemas.EnterpriseURN,
	"$LK", schemas.LatchkeyURN,
	"$FBS", schemas.FacebookStartTermDatesURN,
	"$CORE", schemas.UserURN,
).Replace

// expanded returns tc with its URN shorthands expanded.
func (tc applyCase) expanded() applyCase {
	tc.doc, tc.body, tc.want = expand(tc.doc), expand(tc.body), expand(tc.want)
	return tc
}

// requestBody wraps a bare Operations array into a PatchOp message.
func requestBody(body string) []byte {
	if strings.HasPrefix(strings.TrimSpace(body), "[") {
		return []byte(`{"schemas":["` + patchOpURN + `"],"Operations":` + body + `}`)
	}
	return []byte(body)
}

func decodeDoc(t testing.TB, s string) map[string]any {
	t.Helper()
	if s == "" {
		return map[string]any{}
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return m
}

func toJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "marshal error: " + err.Error()
	}
	var out bytes.Buffer
	_ = json.Indent(&out, b, "", "  ")
	return out.String()
}

func scimType(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.ScimType
	}
	return ""
}

func runCase(t *testing.T, tc applyCase) {
	t.Helper()
	tc = tc.expanded()
	ops, err := ParseRequest(requestBody(tc.body))
	if err != nil {
		if tc.errType == "" || scimType(err) != tc.errType {
			t.Fatalf("ParseRequest: %v (want error type %q)", err, tc.errType)
		}
		return
	}
	doc := decodeDoc(t, tc.doc)
	res := schemas.User()
	var (
		got     map[string]any
		changes []MemberChange
		changed bool
	)
	if tc.group {
		got, changes, changed, err = ApplyGroup(doc, ops, schemas.Group(), tc.opts)
	} else {
		got, changed, err = Apply(doc, ops, res, tc.opts)
	}
	if !equal(doc, decodeDoc(t, tc.doc)) {
		t.Errorf("input document was modified:\n%s", toJSON(doc))
	}
	if tc.errType != "" {
		if scimType(err) != tc.errType {
			t.Fatalf("err = %v, want scimType %q", err, tc.errType)
		}
		if got != nil || changes != nil {
			t.Errorf("on error got document %s and changes %v, want none", toJSON(got), changes)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if want := decodeDoc(t, tc.want); !equal(got, want) {
		t.Errorf("document:\n got %s\nwant %s", toJSON(got), toJSON(want))
	}
	if changed != tc.changed {
		t.Errorf("changed = %v, want %v", changed, tc.changed)
	}
	if tc.group && toJSON(changes) != toJSON(tc.members) {
		t.Errorf("member changes:\n got %s\nwant %s", toJSON(changes), toJSON(tc.members))
	}
	if _, err := json.Marshal(got); err != nil {
		t.Errorf("result does not marshal: %v", err)
	}
}

var userResource = schemas.User()
