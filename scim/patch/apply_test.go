package patch

import (
	"encoding/json"
	"testing"

	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// Two work/home emails, a name, an enterprise manager, Latchkey lifecycle
// state and an attribute no schema declares.
const baseUser = `{
	"userName": "bjensen", "active": true, "nickName": "Babs",
	"name": {"givenName": "Barbara", "familyName": "Jensen"},
	"emails": [
		{"value": "bjensen@old.com", "type": "work", "primary": true},
		{"value": "babs@home.example", "type": "home"}
	],
	"$ENT": {"department": "Sales", "manager": {"value": "mgr-1", "$ref": "../Users/mgr-1"}},
	"$LK": {"invited": true, "claimed": false, "inviteDate": "2025-01-02T03:04:05Z"},
	"x-custom": {"kept": [1, 2]}
}`

var userCases = []applyCase{
	// --- Entra ID, legacy dialect (capitalised ops, string booleans) ---
	{
		name: "entra legacy disable with string False",
		doc:  `{"userName":"bjensen","active":true}`,
		body: `[{"op":"Replace","path":"active","value":"False"}]`,
		want: `{"userName":"bjensen","active":false}`, changed: true,
	},
	{
		name: "entra legacy add nickName",
		doc:  `{"userName":"bjensen"}`,
		body: `[{"op":"Add","path":"nickName","value":"Babs"}]`,
		want: `{"userName":"bjensen","nickName":"Babs"}`, changed: true,
	},
	{
		name: "entra E-U7 replace work email value and familyName",
		doc:  baseUser,
		body: `[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"new@x.com"},
		        {"op":"Replace","path":"name.familyName","value":"Doe"}]`,
		want: `{"userName":"bjensen","active":true,"nickName":"Babs",
			"name":{"givenName":"Barbara","familyName":"Doe"},
			"emails":[{"value":"new@x.com","type":"work","primary":true},{"value":"babs@home.example","type":"home"}],
			"$ENT":{"department":"Sales","manager":{"value":"mgr-1","$ref":"../Users/mgr-1"}},
			"$LK":{"invited":true,"claimed":false,"inviteDate":"2025-01-02T03:04:05Z"},
			"x-custom":{"kept":[1,2]}}`,
		changed: true,
	},
	{
		name: "entra legacy replace creates the missing work email",
		doc:  `{"userName":"u"}`,
		body: `[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"u@x.com"}]`,
		want: `{"userName":"u","emails":[{"type":"work","value":"u@x.com"}]}`, changed: true,
	},
	{
		name: "entra legacy add creates the missing mobile phone",
		doc:  `{"userName":"u","phoneNumbers":[{"type":"work","value":"+1"}]}`,
		body: `[{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+2"}]`,
		want: `{"userName":"u","phoneNumbers":[{"type":"work","value":"+1"},{"type":"mobile","value":"+2"}]}`, changed: true,
	},
	{
		name: "entra legacy manager add: bare path, array value with $ref",
		doc:  `{"userName":"u"}`,
		body: `[{"op":"Add","path":"manager","value":[{"$ref":"http://h/Users/m2","value":"m2"}]}]`,
		want: `{"userName":"u","$ENT":{"manager":{"value":"m2","$ref":"http://h/Users/m2"}}}`, changed: true,
	},
	{
		name: "entra manager as a bare string",
		doc:  `{"userName":"u"}`,
		body: `[{"op":"Replace","path":"$ENT:manager","value":"mgr-id"}]`,
		want: `{"userName":"u","$ENT":{"manager":{"value":"mgr-id"}}}`, changed: true,
	},
	{
		name: "validator manager add as object",
		doc:  `{"userName":"u"}`,
		body: `[{"op":"add","path":"$ENT:manager","value":{"value":"m3"}}]`,
		want: `{"userName":"u","$ENT":{"manager":{"value":"m3"}}}`, changed: true,
	},
	{
		name: "replacing manager value drops the stale $ref",
		doc:  baseUser,
		body: `[{"op":"replace","path":"$ENT:manager","value":{"value":"mgr-2"}},
		        {"op":"replace","path":"name","value":{"givenName":"Babs"}}]`,
		want: `{"userName":"bjensen","active":true,"nickName":"Babs",
			"name":{"givenName":"Babs","familyName":"Jensen"},
			"emails":[{"value":"bjensen@old.com","type":"work","primary":true},{"value":"babs@home.example","type":"home"}],
			"$ENT":{"department":"Sales","manager":{"value":"mgr-2"}},
			"$LK":{"invited":true,"claimed":false,"inviteDate":"2025-01-02T03:04:05Z"},
			"x-custom":{"kept":[1,2]}}`,
		changed: true,
	},
	{
		name: "manager.value path",
		doc:  `{"$ENT":{"manager":{"value":"m1","$ref":"r1"}}}`,
		body: `[{"op":"replace","path":"$ENT:manager.value","value":"m2"}]`,
		want: `{"$ENT":{"manager":{"value":"m2"}}}`, changed: true,
	},
	{
		name: "validator clears manager with value empty string",
		doc:  `{"userName":"u","$ENT":{"department":"D","manager":{"value":"m1"}}}`,
		body: `[{"op":"replace","path":"$ENT:manager","value":{"value":""}}]`,
		want: `{"userName":"u","$ENT":{"department":"D"}}`, changed: true,
	},
	{
		name: "remove manager; empty extension object disappears",
		doc:  `{"userName":"u","$ENT":{"manager":{"value":"m1"}}}`,
		body: `[{"op":"remove","path":"$ENT:manager"}]`,
		want: `{"userName":"u"}`, changed: true,
	},
	{
		name: "remove with value on a multi-valued attribute removes only those (emails)",
		doc:  baseUser,
		body: `[{"op":"Remove","path":"emails","value":[{"value":"BABS@home.example"}]}]`,
		want: `{"userName":"bjensen","active":true,"nickName":"Babs",
			"name":{"givenName":"Barbara","familyName":"Jensen"},
			"emails":[{"value":"bjensen@old.com","type":"work","primary":true}],
			"$ENT":{"department":"Sales","manager":{"value":"mgr-1","$ref":"../Users/mgr-1"}},
			"$LK":{"invited":true,"claimed":false,"inviteDate":"2025-01-02T03:04:05Z"},
			"x-custom":{"kept":[1,2]}}`,
		changed: true,
	},
	{
		name: "entra E-U14 one Replace per attribute",
		doc:  `{"userName":"u","externalId":"e1"}`,
		body: `[{"op":"Replace","path":"displayName","value":"D"},
		        {"op":"Replace","path":"emails[type eq \"work\"].value","value":"u@x.com"},
		        {"op":"Replace","path":"name.givenName","value":"G"},
		        {"op":"Replace","path":"name.familyName","value":"F"},
		        {"op":"Replace","path":"externalId","value":"e2"},
		        {"op":"Replace","path":"$ENT:employeeNumber","value":"42"}]`,
		want: `{"userName":"u","externalId":"e2","displayName":"D","emails":[{"type":"work","value":"u@x.com"}],
			"name":{"givenName":"G","familyName":"F"},"$ENT":{"employeeNumber":"42"}}`,
		changed: true,
	},

	// --- Entra ID with aadOptscim062020 (RFC-style) ---
	{
		name: "entra flag disable with boolean",
		doc:  `{"userName":"u","active":true}`,
		body: `{"Operations":[{"op":"replace","path":"active","value":false}],"schemas":["` + patchOpURN + `"]}`,
		want: `{"userName":"u","active":false}`, changed: true,
	},
	{
		name: "entra flag E-U13 path-less dotted and URN keys",
		doc:  `{"userName":"u","name":{"givenName":"A","familyName":"B","formatted":"A B"},"emails":[{"type":"work","value":"a@x"}]}`,
		body: `[{"op":"replace","path":"emails[type eq \"work\"].value","value":"n@x"},
		        {"op":"replace","value":{"displayName":"N","name.givenName":"N1","name.familyName":"N2",
		          "$ENT:employeeNumber":"E7"}}]`,
		want: `{"userName":"u","displayName":"N","name":{"givenName":"N1","familyName":"N2","formatted":"A B"},
			"emails":[{"type":"work","value":"n@x"}],"$ENT":{"employeeNumber":"E7"}}`,
		changed: true,
	},
	{
		name: "path-less key with a value filter",
		doc:  `{"userName":"u"}`,
		body: `[{"op":"add","value":{"emails[type eq \"work\"].value":"w@x","name.givenName":"G"}}]`,
		want: `{"userName":"u","emails":[{"type":"work","value":"w@x"}],"name":{"givenName":"G"}}`, changed: true,
	},
	{
		name: "path-less extension URN holding an object, manager as string",
		doc:  `{"userName":"u","$ENT":{"costCenter":"C"}}`,
		body: `[{"op":"add","value":{"$ENT":{"department":"Eng","manager":"boss"},"title":"Dev"}}]`,
		want: `{"userName":"u","title":"Dev","$ENT":{"costCenter":"C","department":"Eng","manager":{"value":"boss"}}}`, changed: true,
	},
	{
		name: "path is an extension URN",
		doc:  `{"userName":"u"}`,
		body: `[{"op":"add","path":"$ENT","value":{"division":"North","organization":"Org"}}]`,
		want: `{"userName":"u","$ENT":{"division":"North","organization":"Org"}}`, changed: true,
	},
	{
		name: "remove a whole extension keeps unknown keys in it",
		doc:  `{"userName":"u","$ENT":{"division":"North","x-extra":1}}`,
		body: `[{"op":"remove","path":"$ENT"}]`,
		want: `{"userName":"u","$ENT":{"x-extra":1}}`, changed: true,
	},
	{
		name: "core URN qualified path",
		doc:  `{"userName":"u","name":{"givenName":"A"}}`,
		body: `[{"op":"replace","path":"$CORE:name.givenName","value":"B"}]`,
		want: `{"userName":"u","name":{"givenName":"B"}}`, changed: true,
	},
	{
		name: "path-less core URN key holding an object",
		doc:  `{"userName":"u"}`,
		body: `[{"op":"replace","value":{"$CORE":{"userName":"v","name.givenName":"G"},"$ENT":{"department":"D"}}}]`,
		want: `{"userName":"v","name":{"givenName":"G"},"$ENT":{"department":"D"}}`, changed: true,
	},
	{
		name:    "schema URN nested in a schema URN",
		body:    `[{"op":"replace","value":{"$CORE":{"$ENT":{"department":"D"}}}}]`,
		errType: InvalidPath,
	},
	{
		name: "URN-qualified extension attribute, case-insensitive URN",
		doc:  `{"userName":"u"}`,
		body: `[{"op":"add","path":"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department","value":"Ops"}]`,
		want: `{"userName":"u","$ENT":{"department":"Ops"}}`, changed: true,
	},
	{
		name: "entra flag remove email by filter",
		doc:  baseUser,
		body: `[{"op":"remove","path":"emails[type eq \"home\"]"}]`,
		want: `{"userName":"bjensen","active":true,"nickName":"Babs",
			"name":{"givenName":"Barbara","familyName":"Jensen"},
			"emails":[{"value":"bjensen@old.com","type":"work","primary":true}],
			"$ENT":{"department":"Sales","manager":{"value":"mgr-1","$ref":"../Users/mgr-1"}},
			"$LK":{"invited":true,"claimed":false,"inviteDate":"2025-01-02T03:04:05Z"},
			"x-custom":{"kept":[1,2]}}`,
		changed: true,
	},

	// --- Okta ---
	{
		name: "okta deactivate path-less",
		doc:  `{"userName":"u","active":true}`,
		body: `[{"op":"replace","value":{"active":false}}]`,
		want: `{"userName":"u","active":false}`, changed: true,
	},
	{
		name: "okta password sync is dropped",
		doc:  `{"userName":"u"}`,
		body: `[{"op":"replace","value":{"password":"1mz050nq"}},{"op":"add","path":"password","value":"x"},{"op":"remove","path":"password"}]`,
		want: `{"userName":"u"}`, changed: false,
	},

	// --- add ---
	{
		name: "add one email object appends; duplicate skipped",
		doc:  `{"emails":[{"value":"a@x","type":"work"}]}`,
		body: `[{"op":"add","path":"emails","value":{"value":"b@x","type":"home"}},
		        {"op":"add","path":"emails","value":[{"value":"a@x","type":"work"},{"value":"b@x","type":"home"}]}]`,
		want: `{"emails":[{"value":"a@x","type":"work"},{"value":"b@x","type":"home"}]}`, changed: true,
	},
	{
		name: "adding a present value is a no-op",
		doc:  `{"emails":[{"value":"a@x","type":"work"}]}`,
		body: `[{"op":"add","path":"emails","value":[{"type":"work","value":"a@x"}]}]`,
		want: `{"emails":[{"value":"a@x","type":"work"}]}`, changed: false,
	},
	{
		name: "add a primary email clears the previous primary",
		doc:  `{"emails":[{"value":"a@x","primary":true},{"value":"b@x"}]}`,
		body: `[{"op":"add","path":"emails","value":[{"value":"c@x","primary":"True"}]}]`,
		want: `{"emails":[{"value":"a@x","primary":false},{"value":"b@x"},{"value":"c@x","primary":true}]}`, changed: true,
	},
	{
		name: "setting primary through a filter clears the others",
		doc:  `{"emails":[{"value":"a@x","type":"work","primary":true},{"value":"b@x","type":"home"}]}`,
		body: `[{"op":"replace","path":"emails[type eq \"home\"].primary","value":true}]`,
		want: `{"emails":[{"value":"a@x","type":"work","primary":false},{"value":"b@x","type":"home","primary":true}]}`, changed: true,
	},
	{
		name: "add name merges sub-attributes",
		doc:  `{"name":{"givenName":"A","familyName":"B"}}`,
		body: `[{"op":"add","path":"name","value":{"middleName":"M","givenName":"A2"}}]`,
		want: `{"name":{"givenName":"A2","familyName":"B","middleName":"M"}}`, changed: true,
	},
	{
		name: "add with filter and no sub-attribute merges into matches",
		doc:  `{"emails":[{"value":"a@x","type":"work"},{"value":"b@x","type":"home"}]}`,
		body: `[{"op":"add","path":"emails[type eq \"work\"]","value":{"display":"Work"}}]`,
		want: `{"emails":[{"value":"a@x","type":"work","display":"Work"},{"value":"b@x","type":"home"}]}`, changed: true,
	},
	{
		name:    "add with a filter that cannot describe an element is noTarget",
		doc:     `{"emails":[{"value":"a@x","type":"home"}]}`,
		body:    `[{"op":"add","path":"emails[type ne \"home\"].value","value":"b@x"}]`,
		errType: NoTarget,
	},
	{
		name: "sub-attribute of every element (no filter)",
		doc:  `{"emails":[{"value":"a@x"},{"value":"b@x"}]}`,
		body: `[{"op":"add","path":"emails.type","value":"other"}]`,
		want: `{"emails":[{"value":"a@x","type":"other"},{"value":"b@x","type":"other"}]}`, changed: true,
	},

	// --- replace ---
	{
		name: "replace userName",
		doc:  `{"userName":"old"}`,
		body: `[{"op":"replace","path":"userName","value":"new@x"}]`,
		want: `{"userName":"new@x"}`, changed: true,
	},
	{
		name: "replace whole multi-valued attribute; last primary wins",
		doc:  baseUser,
		body: `[{"op":"replace","path":"emails","value":[{"value":"1@x","primary":true},{"value":"2@x","primary":true}]}]`,
		want: `{"userName":"bjensen","active":true,"nickName":"Babs",
			"name":{"givenName":"Barbara","familyName":"Jensen"},
			"emails":[{"value":"1@x","primary":false},{"value":"2@x","primary":true}],
			"$ENT":{"department":"Sales","manager":{"value":"mgr-1","$ref":"../Users/mgr-1"}},
			"$LK":{"invited":true,"claimed":false,"inviteDate":"2025-01-02T03:04:05Z"},
			"x-custom":{"kept":[1,2]}}`,
		changed: true,
	},
	{
		name: "replace matching element wholesale",
		doc:  `{"addresses":[{"type":"work","streetAddress":"Old St","locality":"X"},{"type":"home","locality":"Y"}]}`,
		body: `[{"op":"replace","path":"addresses[type eq \"work\"]","value":{"type":"work","streetAddress":"911 Universal City Plaza"}}]`,
		want: `{"addresses":[{"type":"work","streetAddress":"911 Universal City Plaza"},{"type":"home","locality":"Y"}]}`, changed: true,
	},
	{
		name: "replace with filter creates from equalities plus value object",
		doc:  `{}`,
		body: `[{"op":"replace","path":"addresses[type eq \"work\" and primary eq true]","value":{"locality":"Z"}}]`,
		want: `{"addresses":[{"type":"work","primary":true,"locality":"Z"}]}`, changed: true,
	},
	{
		name:    "replace with a non-equality filter that matches nothing is noTarget",
		doc:     `{"emails":[{"value":"a@x","type":"home"}]}`,
		body:    `[{"op":"replace","path":"emails[type eq \"work\" or type eq \"other\"].value","value":"b@x"}]`,
		errType: NoTarget,
	},
	{
		name: "value filter with ew, and, case-insensitive values",
		doc: `{"emails":[{"value":"a@OLD.com","type":"work","primary":true},{"value":"b@old.com","type":"home"},
			{"value":"c@new.com","type":"other","primary":true}]}`,
		body: `[{"op":"replace","path":"emails[value ew \"@old.com\" and primary eq true].value","value":"a@new.com"}]`,
		want: `{"emails":[{"value":"a@new.com","type":"work","primary":true},{"value":"b@old.com","type":"home"},
			{"value":"c@new.com","type":"other","primary":true}]}`,
		changed: true,
	},
	{
		name: "replace with an empty array unassigns",
		doc:  `{"userName":"u","roles":[{"value":"r"}]}`,
		body: `[{"op":"replace","path":"roles","value":[]}]`,
		want: `{"userName":"u"}`, changed: true,
	},
	{
		name: "path-less null unassigns",
		doc:  `{"userName":"u","title":"T"}`,
		body: `[{"op":"replace","value":{"title":null}}]`,
		want: `{"userName":"u"}`, changed: true,
	},

	// --- remove ---
	{
		name: "remove a single-valued attribute",
		doc:  `{"userName":"u","nickName":"n"}`,
		body: `[{"op":"remove","path":"nickName"}]`,
		want: `{"userName":"u"}`, changed: true,
	},
	{
		name: "remove of an absent attribute is a no-op success",
		doc:  `{"userName":"u"}`,
		body: `[{"op":"remove","path":"title"},{"op":"remove","path":"emails[type eq \"work\"]"},{"op":"remove","path":"$ENT:manager"}]`,
		want: `{"userName":"u"}`, changed: false,
	},
	{
		name: "remove a sub-attribute",
		doc:  `{"name":{"givenName":"A","familyName":"B"}}`,
		body: `[{"op":"remove","path":"name.givenName"}]`,
		want: `{"name":{"familyName":"B"}}`, changed: true,
	},
	{
		name: "remove the last sub-attribute unassigns the attribute",
		doc:  `{"userName":"u","name":{"givenName":"A"}}`,
		body: `[{"op":"remove","path":"name.givenName"}]`,
		want: `{"userName":"u"}`, changed: true,
	},
	{
		name: "remove all values of a multi-valued attribute",
		doc:  `{"userName":"u","emails":[{"value":"a@x"},{"value":"b@x"}]}`,
		body: `[{"op":"remove","path":"emails"}]`,
		want: `{"userName":"u"}`, changed: true,
	},
	{
		name: "remove the value sub-attribute removes the element",
		doc:  `{"emails":[{"value":"a@x","type":"work"},{"value":"b@x","type":"home"}]}`,
		body: `[{"op":"Remove","path":"emails[type eq \"work\"].value","value":"a@x"}]`,
		want: `{"emails":[{"value":"b@x","type":"home"}]}`, changed: true,
	},
	{
		name: "remove another sub-attribute of matches",
		doc:  `{"emails":[{"value":"a@x","type":"work","display":"A"}]}`,
		body: `[{"op":"remove","path":"emails[type eq \"work\"].display"}]`,
		want: `{"emails":[{"value":"a@x","type":"work"}]}`, changed: true,
	},
	{
		name: "remove with not filter",
		doc:  `{"emails":[{"value":"a@x","type":"work"},{"value":"b@x","type":"home"},{"value":"c@x"}]}`,
		body: `[{"op":"remove","path":"emails[not (type eq \"work\")]"}]`,
		want: `{"emails":[{"value":"a@x","type":"work"}]}`, changed: true,
	},
	{
		name:    "remove without path is noTarget",
		doc:     `{"userName":"u"}`,
		body:    `[{"op":"remove","value":{"userName":"u"}}]`,
		errType: NoTarget,
	},

	// --- names, paths and unknown attributes ---
	{
		name: "attribute names are case-insensitive and written canonically",
		doc:  `{"username":"u","NAME":{"GIVENNAME":"A"},"emails":[{"Value":"a@x","Type":"work"}]}`,
		body: `[{"op":"replace","path":"USERNAME","value":"v"},{"op":"add","path":"Name.FamilyName","value":"F"},
		        {"op":"replace","path":"EMAILS[TYPE EQ \"work\"].VALUE","value":"b@x"}]`,
		want: `{"userName":"v","name":{"givenName":"A","familyName":"F"},"emails":[{"value":"b@x","type":"work"}]}`, changed: true,
	},
	{
		name:    "unknown attribute in path",
		doc:     `{"userName":"u"}`,
		body:    `[{"op":"add","path":"favouriteColour","value":"blue"}]`,
		errType: InvalidPath,
	},
	{
		name:    "unknown sub-attribute in path",
		body:    `[{"op":"add","path":"name.nickname","value":"x"}]`,
		errType: InvalidPath,
	},
	{
		name:    "unknown schema URN",
		body:    `[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge","value":"x"}]`,
		errType: InvalidPath,
	},
	{
		name:    "unknown attribute as path-less key",
		body:    `[{"op":"replace","value":{"displayName":"x","adreses":"y"}}]`,
		errType: InvalidPath,
	},
	{
		name:    "unknown attribute in value filter",
		body:    `[{"op":"remove","path":"emails[kind eq \"work\"]"}]`,
		errType: InvalidPath,
	},
	{
		name:    "malformed filter",
		body:    `[{"op":"remove","path":"emails[type eq \"work\""}]`,
		errType: InvalidPath,
	},
	{
		name:    "filter on a single-valued attribute",
		body:    `[{"op":"remove","path":"name[givenName eq \"a\"]"}]`,
		errType: InvalidPath,
	},
	{
		name:    "ordering a boolean",
		body:    `[{"op":"remove","path":"emails[primary gt true]"}]`,
		errType: InvalidPath,
	},
	{
		name: "unknown attributes in the document survive",
		doc:  `{"userName":"u","x-custom":{"a":1},"$ENT":{"x-ext":true}}`,
		body: `[{"op":"replace","value":{"userName":"v","$ENT":{"department":"D"}}}]`,
		want: `{"userName":"v","x-custom":{"a":1},"$ENT":{"x-ext":true,"department":"D"}}`, changed: true,
	},
	{
		name: "unknown keys inside complex values are dropped",
		doc:  `{}`,
		body: `[{"op":"add","path":"emails","value":[{"value":"a@x","id":"e1","label":"l"}]}]`,
		want: `{"emails":[{"value":"a@x"}]}`, changed: true,
	},
	{
		name: "bad op name",
		body: `[{"op":"move","path":"userName","value":"x"}]`, errType: InvalidSyntax,
	},

	// --- types ---
	{
		name: "strings to booleans and integers",
		doc:  `{"userName":"u"}`,
		body: `[{"op":"replace","path":"active","value":"TRUE"},
		        {"op":"add","path":"$FBS:startDate","value":"1700000000"},
		        {"op":"add","path":"$FBS:termDate","value":1.7e9},
		        {"op":"add","path":"$LK:frontline","value":"false"}]`,
		want:    `{"userName":"u","active":true,"$FBS":{"startDate":1700000000,"termDate":1700000000},"$LK":{"frontline":false}}`,
		changed: true,
	},
	{
		name: "dateTime is validated and stored as sent",
		doc:  `{}`,
		body: `[{"op":"add","path":"$LK:startDate","value":"2026-03-01T09:00:00+01:00"}]`,
		want: `{"$LK":{"startDate":"2026-03-01T09:00:00+01:00"}}`, changed: true,
	},
	{name: "not a boolean", body: `[{"op":"replace","path":"active","value":"yes"}]`, errType: InvalidValue},
	{name: "number for a string", body: `[{"op":"replace","path":"userName","value":5}]`, errType: InvalidValue},
	{name: "not an integer", body: `[{"op":"add","path":"$FBS:startDate","value":"1.5"}]`, errType: InvalidValue},
	{name: "integer out of range", body: `[{"op":"add","path":"$FBS:startDate","value":1e300}]`, errType: InvalidValue},
	{name: "not a dateTime", body: `[{"op":"add","path":"$LK:startDate","value":"next monday"}]`, errType: InvalidValue},
	{name: "array for a single-valued string", body: `[{"op":"add","path":"title","value":["a","b"]}]`, errType: InvalidValue},
	{name: "string for a multi-valued complex element", body: `[{"op":"add","path":"emails","value":["a@x"]}]`, errType: InvalidValue},
	{name: "path-less value must be an object", body: `[{"op":"add","value":"x"}]`, errType: InvalidValue},
	{
		name: "same integer in another spelling is no change",
		doc:  `{"$FBS":{"startDate":1700000000}}`,
		body: `[{"op":"replace","path":"$FBS:startDate","value":"1700000000"}]`,
		want: `{"$FBS":{"startDate":1700000000}}`, changed: false,
	},

	// --- mutability ---
	{
		name: "replace carrying the unchanged id is ignored",
		opts: Options{ID: "user-1"},
		doc:  `{"userName":"u"}`,
		body: `[{"op":"replace","value":{"id":"user-1","userName":"v"}},{"op":"replace","path":"id","value":"user-1"}]`,
		want: `{"userName":"v"}`, changed: true,
	},
	{
		name:    "changing id is a mutability error",
		opts:    Options{ID: "user-1"},
		body:    `[{"op":"replace","path":"id","value":"user-2"}]`,
		errType: Mutability,
	},
	{
		name:    "removing id is a mutability error",
		opts:    Options{ID: "user-1"},
		body:    `[{"op":"remove","path":"id"}]`,
		errType: Mutability,
	},
	{
		name:    "id without Options is refused",
		body:    `[{"op":"replace","value":{"id":"user-1"}}]`,
		errType: Mutability,
	},
	{
		name: "unchanged meta sub-attribute is ignored",
		opts: Options{ID: "u1", Meta: map[string]any{"resourceType": "User", "created": "2025-01-01T00:00:00Z"}},
		doc:  `{"userName":"u"}`,
		body: `[{"op":"add","path":"meta","value":{"resourceType":"User"}}]`,
		want: `{"userName":"u"}`, changed: false,
	},
	{
		name:    "changing meta.created is a mutability error",
		opts:    Options{Meta: map[string]any{"created": "2025-01-01T00:00:00Z"}},
		body:    `[{"op":"replace","path":"meta.created","value":"1999-01-01T00:00:00Z"}]`,
		errType: Mutability,
	},
	{
		name:    "adding groups to a user is a mutability error",
		body:    `[{"op":"add","path":"groups","value":[{"value":"g1"}]}]`,
		errType: Mutability,
	},
	{
		name: "read-only lifecycle attribute set to its current value is ignored",
		doc:  `{"userName":"u","$LK":{"claimed":false}}`,
		body: `[{"op":"Replace","path":"$LK:claimed","value":"False"}]`,
		want: `{"userName":"u","$LK":{"claimed":false}}`, changed: false,
	},
	{
		name:    "changing a read-only lifecycle attribute is a mutability error",
		doc:     `{"userName":"u","$LK":{"claimed":false}}`,
		body:    `[{"op":"replace","path":"$LK:claimed","value":true}]`,
		errType: Mutability,
	},
	{
		name:    "read-only claimLink in a path-less extension object",
		body:    `[{"op":"add","value":{"$LK":{"authMethod":"sso","claimLink":"https://evil"}}}]`,
		errType: Mutability,
	},
	{
		name:    "removing an extension holding read-only state is a mutability error",
		doc:     `{"userName":"u","$LK":{"invited":true,"inviteDate":"2025-01-02T03:04:05Z"}}`,
		body:    `[{"op":"remove","path":"$LK"}]`,
		errType: Mutability,
	},
	{
		name:    "read-only manager.displayName",
		doc:     `{"$ENT":{"manager":{"value":"m","displayName":"Boss"}}}`,
		body:    `[{"op":"replace","path":"$ENT:manager.displayName","value":"Other"}]`,
		errType: Mutability,
	},
	{
		name: "manager with read-only displayName can still be removed",
		doc:  `{"$ENT":{"manager":{"value":"m","displayName":"Boss"}}}`,
		body: `[{"op":"remove","path":"$ENT:manager"}]`,
		want: `{}`, changed: true,
	},
	{
		name:    "removing the required userName is a mutability error",
		doc:     `{"userName":"u"}`,
		body:    `[{"op":"remove","path":"userName"}]`,
		errType: Mutability,
	},
	{
		name: "schemas modifications are ignored",
		doc:  `{"schemas":["$CORE"],"userName":"u"}`,
		body: `[{"op":"replace","path":"schemas","value":["x"]},{"op":"add","value":{"schemas":["y"],"title":"T"}}]`,
		want: `{"schemas":["$CORE"],"userName":"u","title":"T"}`, changed: true,
	},

	// --- atomicity ---
	{
		name: "second operation fails: nothing applied",
		doc:  `{"userName":"u","active":true}`,
		body: `[{"op":"replace","path":"active","value":false},{"op":"add","path":"nope","value":1}]`, errType: InvalidPath,
	},
	{
		name:    "later mutability error undoes an earlier extension write",
		doc:     `{"userName":"u","$LK":{"claimed":false}}`,
		body:    `[{"op":"add","path":"$ENT:department","value":"D"},{"op":"replace","path":"$LK:claimed","value":true}]`,
		errType: Mutability,
	},
}

func TestApply(t *testing.T) {
	for _, tc := range userCases {
		t.Run(tc.name, func(t *testing.T) { runCase(t, tc) })
	}
}

// Documents decoded without UseNumber hold float64 numbers; they compare by
// value with the json.Number values Apply writes.
func TestFloatDocuments(t *testing.T) {
	doc := map[string]any{schemas.FacebookStartTermDatesURN: map[string]any{"startDate": float64(1700000000)}}
	ops := []Operation{{Op: "Replace", Path: schemas.FacebookStartTermDatesURN + ":startDate", Value: "1700000000"}}
	got, changed, err := Apply(doc, ops, userResource, Options{})
	if err != nil || changed || !equal(got, doc) {
		t.Fatalf("got %s, changed %v, err %v; want no change", toJSON(got), changed, err)
	}
	ops[0].Value = float64(1700000001)
	got, changed, err = Apply(doc, ops, userResource, Options{})
	if err != nil || !changed {
		t.Fatalf("changed %v, err %v", changed, err)
	}
	if n := got[schemas.FacebookStartTermDatesURN].(map[string]any)["startDate"]; n != json.Number("1700000001") {
		t.Errorf("startDate = %#v, want json.Number 1700000001", n)
	}
}

// The result shares nothing mutable with the input document or the
// operations, so the caller may edit any of them freely.
func TestNoAliasing(t *testing.T) {
	doc := decodeDoc(t, `{"emails":[{"value":"a@x"}],"name":{"givenName":"A"}}`)
	email := map[string]any{"value": "b@x", "type": "work"}
	ops := []Operation{
		{Op: "add", Path: "emails", Value: []any{email}},
		{Op: "add", Path: "name", Value: map[string]any{"familyName": "F"}},
	}
	got, _, err := Apply(doc, ops, userResource, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range got["emails"].([]any) {
		e.(map[string]any)["value"] = "changed"
	}
	got["name"].(map[string]any)["givenName"] = "changed"
	if email["value"] != "b@x" || !equal(doc, decodeDoc(t, `{"emails":[{"value":"a@x"}],"name":{"givenName":"A"}}`)) {
		t.Errorf("editing the result changed the input: doc %s, op value %v", toJSON(doc), email)
	}
}

// Documents built in Go rather than decoded (int64 dates, []string,
// []map[string]any) work like their JSON form.
func TestGoTypedDocuments(t *testing.T) {
	type object map[string]any
	doc := map[string]any{
		"userName":                       "u",
		"emails":                         []map[string]any{{"value": "a@x", "type": "work"}},
		schemas.FacebookAccountStatusURN: object{"inviteDate": int64(1700000000), "claimed": false},
	}
	ops := []Operation{
		{Op: "replace", Path: schemas.FacebookAccountStatusURN + ":inviteDate", Value: json.Number("1700000000")},
		{Op: "replace", Path: `emails[type eq "work"].value`, Value: "a@x"},
	}
	got, changed, err := Apply(doc, ops, userResource, Options{})
	if err != nil || changed {
		t.Fatalf("no-op on a Go-typed document: changed %v, err %v", changed, err)
	}
	ops[1].Value = "b@x"
	got, changed, err = Apply(doc, ops, userResource, Options{})
	want := decodeDoc(t, `{"userName":"u","emails":[{"value":"b@x","type":"work"}],
		"`+schemas.FacebookAccountStatusURN+`":{"inviteDate":1700000000,"claimed":false}}`)
	if err != nil || !changed || !equal(got, want) {
		t.Fatalf("got %s, changed %v, err %v", toJSON(got), changed, err)
	}
}
