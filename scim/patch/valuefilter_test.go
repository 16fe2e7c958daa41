package patch

import (
	"strings"
	"testing"

	"github.com/elimity-com/scim/schema"

	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// thingResource exercises types and mutabilities the User schema lacks.
func thingResource() schemas.Resource {
	return schemas.Resource{Core: schema.Schema{ID: "urn:example:Thing", Attributes: []schema.CoreAttribute{
		schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{Name: "badge", Mutability: schema.AttributeMutabilityImmutable()})),
		schema.SimpleCoreAttribute(schema.SimpleNumberParams(schema.NumberParams{Name: "score", Type: schema.AttributeTypeDecimal()})),
		schema.SimpleCoreAttribute(schema.SimpleBinaryParams(schema.BinaryParams{Name: "blob"})),
		schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{Name: "tags", MultiValued: true})),
		schema.ComplexCoreAttribute(schema.ComplexParams{Name: "items", MultiValued: true, SubAttributes: []schema.SimpleParams{
			schema.SimpleStringParams(schema.StringParams{Name: "code", CaseExact: true}),
			schema.SimpleStringParams(schema.StringParams{Name: "label"}),
			schema.SimpleNumberParams(schema.NumberParams{Name: "qty", Type: schema.AttributeTypeInteger()}),
			schema.SimpleDateTimeParams(schema.DateTimeParams{Name: "at"}),
			schema.SimpleBooleanParams(schema.BooleanParams{Name: "primary"}),
			schema.SimpleStringParams(schema.StringParams{Name: "serial", Mutability: schema.AttributeMutabilityImmutable()}),
		}}),
	}}}
}

func TestValueFilter(t *testing.T) {
	items := decodeDoc(t, `{"items":[
		{"code":"ABC","label":"Alpha","qty":5,"at":"2025-01-01T00:00:00Z","primary":true},
		{"code":"abc","label":"beta","qty":10,"at":"2025-06-01T00:00:00+02:00"},
		{"code":"xyz","label":"Gamma","qty":7},
		{"label":""}
	]}`)["items"].([]any)
	items[2].(map[string]any)["qty"] = float64(7) // as decoded without UseNumber

	r := newResolver(thingResource())
	for _, tc := range []struct {
		filter string
		want   []int
	}{
		{`code eq "abc"`, []int{1}}, // caseExact
		{`label eq "ALPHA"`, []int{0}},
		{`label co "AMM"`, []int{2}},
		{`label sw "b"`, []int{1}},
		{`label ew "A"`, []int{0, 1, 2}},
		{`label pr`, []int{0, 1, 2}},
		{`qty gt 5`, []int{1, 2}},
		{`qty ge 5 and qty lt 10`, []int{0, 2}},
		{`qty le 5`, []int{0}},
		{`qty eq "10"`, []int{1}},
		{`qty eq null`, []int{3}},
		{`code ne "abc"`, []int{0, 2, 3}},
		{`at lt "2025-03-01T00:00:00Z"`, []int{0}},
		{`at gt "2025-05-31T21:00:00Z"`, []int{1}},
		{`at lt "2025-05-31T23:00:00Z"`, []int{0, 1}}, // +02:00 is compared as an instant, not as text
		{`primary eq true`, []int{0}},
		{`primary eq "True"`, []int{0}},
		{`primary ne true`, []int{1, 2, 3}},
		{`not (primary eq true)`, []int{1, 2, 3}},
		{`code eq "ABC" or code eq "xyz"`, []int{0, 2}},
		{`(qty gt 6 or code eq "ABC") and not (label sw "g")`, []int{0, 1}},
		{`code eq "a" or code eq "ABC" and qty eq 5`, []int{0}}, // and binds tighter
		{`QTY GT 5 AND LABEL SW "G"`, []int{2}},
		{`label eq "Al\u0070ha"`, []int{0}},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			tg, err := r.resolve("items[" + tc.filter + "]")
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for i, e := range items {
				if tg.filter.match(e) {
					got = append(got, i)
				}
			}
			if toJSON(got) != toJSON(tc.want) {
				t.Errorf("matches %v, want %v", got, tc.want)
			}
		})
	}
}

func TestValueFilterErrors(t *testing.T) {
	r := newResolver(thingResource())
	for _, f := range []string{
		`code eq`, `code zz "a"`, `(code eq "a"`, `code eq "a")`, `code eq "a" and`, `code eq 'a'`,
		`code eq "a" extra`, `not code eq "a"`, `code eq "unterminated`, `code eq "bad \x escape"`,
		`code eq abc`, `nosuch eq "a"`, `primary co "t"`, ``, `items.code eq "a"`,
		strings.Repeat("(", 40) + `code eq "a"` + strings.Repeat(")", 40),
	} {
		if _, err := r.resolve("items[" + f + "]"); scimType(err) != InvalidPath {
			t.Errorf("filter %q: err = %v, want invalidPath", f, err)
		}
	}
}

func TestResolve(t *testing.T) {
	r := newResolver(schemas.User())
	for _, tc := range []struct {
		path, urn, attr, sub string
		whole, filter        bool
	}{
		{path: "userName", attr: "userName"},
		{path: " name.GIVENNAME ", attr: "name", sub: "givenName"},
		{path: "urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"a]b\"].value", attr: "emails", sub: "value", filter: true},
		{path: "manager", urn: schemas.EnterpriseURN, attr: "manager"},
		{path: schemas.EnterpriseURN + ":manager.value", urn: schemas.EnterpriseURN, attr: "manager", sub: "value"},
		{path: schemas.EnterpriseURN, urn: schemas.EnterpriseURN, whole: true},
		{path: schemas.UserURN, whole: true},
		{path: "invited", urn: schemas.LatchkeyURN, attr: "invited"}, // first extension declaring it
		{path: schemas.FacebookAccountStatusURN + ":invited", urn: schemas.FacebookAccountStatusURN, attr: "invited"},
		{path: "id", attr: "id"},
		{path: "meta.created", attr: "meta", sub: "created"},
		{path: "members[value eq \"x\"]", attr: "", filter: true}, // not a User attribute: error below
	} {
		tg, err := r.resolve(tc.path)
		if tc.path == "members[value eq \"x\"]" {
			if scimType(err) != InvalidPath {
				t.Errorf("%s: err = %v, want invalidPath", tc.path, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		sub := ""
		if tg.sub != nil {
			sub = tg.sub.Name()
		}
		attr := ""
		if !tg.whole {
			attr = tg.attr.Name()
		}
		if tg.urn != tc.urn || attr != tc.attr || sub != tc.sub || tg.whole != tc.whole || (tg.filter != nil) != tc.filter {
			t.Errorf("%s: got urn=%q attr=%q sub=%q whole=%v filter=%v", tc.path, tg.urn, attr, sub, tg.whole, tg.filter != nil)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	r := newResolver(schemas.User())
	for _, p := range []string{
		"", "nickname.x", "name.givenName.x", "emails..value", "emails[]", `emails[type eq "w"]x`,
		`emails[type eq "w"].`, `emails[type eq "w"].nope`, "1abc", "emails.value[type eq \"w\"]",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:UserX:department",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:", "active.value",
		strings.Repeat("a", maxPathLen+1),
	} {
		if _, err := r.resolve(p); scimType(err) != InvalidPath {
			t.Errorf("path %q: err = %v, want invalidPath", p, err)
		}
	}
}

func TestThingResource(t *testing.T) {
	for _, tc := range []struct {
		name, doc, body, want, errType string
		changed                        bool
	}{
		{name: "immutable set when unset", doc: `{}`, body: `[{"op":"add","path":"badge","value":"B1"}]`, want: `{"badge":"B1"}`, changed: true},
		{name: "immutable same value", doc: `{"badge":"B1"}`, body: `[{"op":"replace","path":"badge","value":"B1"}]`, want: `{"badge":"B1"}`},
		{name: "immutable change", doc: `{"badge":"B1"}`, body: `[{"op":"replace","path":"badge","value":"B2"}]`, errType: Mutability},
		{name: "immutable remove", doc: `{"badge":"B1"}`, body: `[{"op":"remove","path":"badge"}]`, errType: Mutability},
		{name: "decimal from string", doc: `{}`, body: `[{"op":"add","path":"score","value":" 3.25 "}]`, want: `{"score":3.25}`, changed: true},
		{name: "decimal overflow", body: `[{"op":"add","path":"score","value":"1e999"}]`, errType: InvalidValue},
		{name: "decimal NaN", body: `[{"op":"add","path":"score","value":"NaN"}]`, errType: InvalidValue},
		{name: "binary", doc: `{}`, body: `[{"op":"add","path":"blob","value":"aGk="}]`, want: `{"blob":"aGk="}`, changed: true},
		{name: "binary invalid", body: `[{"op":"add","path":"blob","value":"not base64!"}]`, errType: InvalidValue},
		{
			name: "simple multi-valued add, filter on value, replace match",
			doc:  `{"tags":["a","b"]}`,
			body: `[{"op":"add","path":"tags","value":["b","c"]},{"op":"remove","path":"tags[value eq \"A\"]"},
			        {"op":"replace","path":"tags[value eq \"b\"]","value":"d"}]`,
			want: `{"tags":["d","c"]}`, changed: true,
		},
		{name: "simple multi-valued single value", doc: `{}`, body: `[{"op":"add","path":"tags","value":"x"}]`, want: `{"tags":["x"]}`, changed: true},
		{name: "simple multi-valued remove by value", doc: `{"tags":["x","y"]}`, body: `[{"op":"remove","path":"tags","value":["y"]}]`, want: `{"tags":["x"]}`, changed: true},
		{name: "simple multi-valued filter without match", doc: `{"tags":["x"]}`, body: `[{"op":"replace","path":"tags[value eq \"q\"]","value":"z"}]`, errType: NoTarget},
		{
			name: "immutable sub-attribute set when unset",
			doc:  `{"items":[{"code":"A"}]}`,
			body: `[{"op":"add","path":"items[code eq \"A\"].serial","value":"S1"}]`,
			want: `{"items":[{"code":"A","serial":"S1"}]}`, changed: true,
		},
		{
			name:    "immutable sub-attribute change",
			doc:     `{"items":[{"code":"A","serial":"S1"}]}`,
			body:    `[{"op":"replace","path":"items[code eq \"A\"].serial","value":"S2"}]`,
			errType: Mutability,
		},
		{
			name:    "immutable sub-attribute dropped by a wholesale replace",
			doc:     `{"items":[{"code":"A","serial":"S1"}]}`,
			body:    `[{"op":"replace","path":"items[code eq \"A\"]","value":{"code":"A"}}]`,
			errType: Mutability,
		},
		{
			name: "whole element with immutable sub-attribute can be removed",
			doc:  `{"items":[{"code":"A","serial":"S1"}]}`,
			body: `[{"op":"remove","path":"items[code eq \"A\"]"}]`,
			want: `{}`, changed: true,
		},
		{
			name: "created element gets typed equalities",
			doc:  `{}`,
			body: `[{"op":"add","path":"items[code eq \"A\" and qty eq 3 and primary eq true].label","value":"L"}]`,
			want: `{"items":[{"code":"A","qty":3,"primary":true,"label":"L"}]}`, changed: true,
		},
		{
			name:    "contradictory equalities cannot create",
			body:    `[{"op":"add","path":"items[code eq \"A\" and code eq \"B\"].label","value":"L"}]`,
			errType: NoTarget,
		},
		{
			name:    "equality of the wrong type cannot create",
			body:    `[{"op":"add","path":"items[qty eq \"many\"].label","value":"L"}]`,
			errType: InvalidValue,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops, err := ParseRequest(requestBody(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			got, changed, err := Apply(decodeDoc(t, tc.doc), ops, thingResource(), Options{})
			if scimType(err) != tc.errType || (tc.errType == "" && err != nil) {
				t.Fatalf("err = %v, want %q", err, tc.errType)
			}
			if tc.errType != "" {
				return
			}
			if want := decodeDoc(t, tc.want); !equal(got, want) || changed != tc.changed {
				t.Errorf("got %s changed=%v, want %s changed=%v", toJSON(got), changed, toJSON(want), tc.changed)
			}
		})
	}
}
