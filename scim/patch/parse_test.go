package patch

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseRequest(t *testing.T) {
	ops, err := ParseRequest([]byte(`{
		"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [
			{"op": "Add", "path": " nickName ", "value": "Babs"},
			{"op": "REPLACE", "value": {"active": false, "x": 12345678901234567890}},
			{"op": "remove", "path": "members", "value": [{"value": "u1"}]}
		]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Operation{
		{Op: "add", Path: "nickName", Value: "Babs"},
		{Op: "replace", Value: map[string]any{"active": false, "x": json.Number("12345678901234567890")}},
		{Op: "remove", Path: "members", Value: []any{map[string]any{"value": "u1"}}},
	}
	if toJSON(ops) != toJSON(want) {
		t.Errorf("got %s\nwant %s", toJSON(ops), toJSON(want))
	}
	if n, ok := ops[1].Value.(map[string]any)["x"].(json.Number); !ok || n != "12345678901234567890" {
		t.Errorf("numbers must decode as json.Number, got %T", ops[1].Value.(map[string]any)["x"])
	}
}

func TestParseRequestLowercaseOperationsKey(t *testing.T) {
	ops, err := ParseRequest([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"operations":[{"op":"add","path":"title","value":"x"}]}`))
	if err != nil || len(ops) != 1 {
		t.Fatalf("got %v, %v", ops, err)
	}
}

func TestParseRequestErrors(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"not JSON", `{"schemas":`, InvalidSyntax},
		{"trailing data", `{"schemas":["` + patchOpURN + `"],"Operations":[{"op":"add","value":{}}]} {}`, InvalidSyntax},
		{"not an object", `[1,2]`, InvalidSyntax},
		{"missing schemas", `{"Operations":[{"op":"add","path":"title","value":"x"}]}`, InvalidSyntax},
		{"wrong schema", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[{"op":"add","path":"title","value":"x"}]}`, InvalidSyntax},
		{"no operations", `{"schemas":["` + patchOpURN + `"],"Operations":[]}`, InvalidSyntax},
		{"missing operations", `{"schemas":["` + patchOpURN + `"]}`, InvalidSyntax},
		{"bad op", `{"schemas":["` + patchOpURN + `"],"Operations":[{"op":"move","path":"title"}]}`, InvalidSyntax},
		{"missing op", `{"schemas":["` + patchOpURN + `"],"Operations":[{"path":"title","value":"x"}]}`, InvalidSyntax},
		{"op not a string", `{"schemas":["` + patchOpURN + `"],"Operations":[{"op":1,"path":"title"}]}`, InvalidSyntax},
		{"remove without path", `{"schemas":["` + patchOpURN + `"],"Operations":[{"op":"Remove","value":[{"value":"u"}]}]}`, NoTarget},
		{"remove with blank path", `{"schemas":["` + patchOpURN + `"],"Operations":[{"op":"remove","path":"  "}]}`, NoTarget},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRequest([]byte(tc.body))
			if got := scimType(err); got != tc.want {
				t.Errorf("err = %v, want scimType %q", err, tc.want)
			}
		})
	}
}

func TestErrorDetailNamesTheOperation(t *testing.T) {
	ops := []Operation{{Op: "add", Path: "title", Value: "x"}, {Op: "add", Path: "nope", Value: "y"}}
	_, _, err := Apply(nil, ops, userResource, Options{})
	var want = `scim patch: invalidPath: Operations[1]: unknown attribute in path "nope"`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

// TestParseRequestErrorsSpeakJSON: a body of the wrong shape is described
// in JSON terms, never with encoding/json's Go type names.
func TestParseRequestErrorsSpeakJSON(t *testing.T) {
	for body, want := range map[string]string{
		`{"schemas":"x","Operations":[]}`:          "schemas must be a list, not a JSON string",
		`{"schemas":[],"Operations":[{"op":5}]}`:   "Operations.op must be a string, not a JSON number",
		`{"schemas":[],"Operations":{"op":"add"}}`: "Operations must be a list, not a JSON object",
		`{"schemas":[],"Operations":[}`:            "malformed JSON at byte",
		`{"schemas":[],"Operations":[`:             "the JSON ends early",
		``:                                         "the body is empty",
	} {
		_, err := ParseRequest([]byte(body))
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "Go ") || strings.Contains(err.Error(), "json:") {
			t.Errorf("ParseRequest(%s) = %v; want an error saying %q", body, err, want)
		}
	}
}
