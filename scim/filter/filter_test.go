package filter

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

// Schema URNs, spelled out so the tests do not trust the tables under test.
const (
	coreUser   = "urn:ietf:params:scim:schemas:core:2.0:User:"
	coreGroup  = "urn:ietf:params:scim:schemas:core:2.0:Group:"
	enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:"
	latchkey   = "urn:ietf:params:scim:schemas:extension:latchkey:2.0:User:"
	fbStatus   = "urn:ietf:params:scim:schemas:extension:facebook:accountstatusdetails:2.0:User:"
	fbAuth     = "urn:ietf:params:scim:schemas:extension:facebook:authmethod:2.0:User:"
	fbDates    = "urn:ietf:params:scim:schemas:extension:facebook:starttermdates:2.0:User:"
	fbFront    = "urn:ietf:params:scim:schemas:extension:facebook:frontline:2.0:User:"
)

// accepted is a filter and the rendered tree it must translate to.
type accepted struct{ in, want string }

// rejected is a filter that must be an *Error whose Detail contains want.
type rejected struct{ in, want string }

var userAccepted = []accepted{
	// Every operator.
	{`userName eq "bjensen"`, `userName eq "bjensen"`},
	{`userName ne "bjensen"`, `userName ne "bjensen"`},
	{`name.familyName co "O'Malley"`, `name.familyName co "O'Malley"`},
	{`userName sw "J"`, `userName sw "J"`},
	{`userName ew "sen"`, `userName ew "sen"`},
	{`title pr`, `title pr`},
	{`userName gt "a"`, `userName gt "a"`},
	{`userName ge "a"`, `userName ge "a"`},
	{`userName lt "a"`, `userName lt "a"`},
	{`userName le "a"`, `userName le "a"`},
	{`meta.lastModified gt "2011-05-13T04:42:34Z"`, `meta.lastModified gt @2011-05-13T04:42:34Z`},
	{`meta.lastModified ge "2011-05-13T04:42:34Z"`, `meta.lastModified ge @2011-05-13T04:42:34Z`},
	{`meta.lastModified lt "2011-05-13T04:42:34Z"`, `meta.lastModified lt @2011-05-13T04:42:34Z`},
	{`meta.lastModified le "2011-05-13T04:42:34Z"`, `meta.lastModified le @2011-05-13T04:42:34Z`},
	{`meta.created eq "2011-05-13T04:42:34Z"`, `meta.created eq @2011-05-13T04:42:34Z`},
	{`meta.created ne "2011-05-13T04:42:34Z"`, `meta.created ne @2011-05-13T04:42:34Z`},
	{`meta.created pr`, `meta.created pr`},
	{`active pr`, `active pr`},

	// Dates: offsets normalise to UTC; no offset is UTC; fractions kept.
	{`meta.created gt "2015-10-10T14:38:21.86-07:00"`, `meta.created gt @2015-10-10T21:38:21.86Z`},
	{`meta.created gt "2015-10-10T14:38:21"`, `meta.created gt @2015-10-10T14:38:21Z`},
	{`meta.created gt "2015-10-10T14:38:21.5"`, `meta.created gt @2015-10-10T14:38:21.5Z`},

	// Names and operators are case-insensitive.
	{`USERNAME Eq "x"`, `userName eq "x"`},
	{`UserName EQ "x" AND Title PR`, `and(userName eq "x", title pr)`},
	{`name.FamilyName eq "x"`, `name.familyName eq "x"`},
	{`Emails.VALUE co "example.com"`, `emails.value co "example.com"`},
	{`META.LASTMODIFIED LT "2011-05-13T04:42:34Z"`, `meta.lastModified lt @2011-05-13T04:42:34Z`},
	{`userName eq "x" OR title pr`, `or(userName eq "x", title pr)`},
	{`NOT (title pr)`, `not(title pr)`},

	// URN-qualified names, in any case, mixed with unqualified ones.
	{coreUser + `userName sw "J"`, `userName sw "J"`},
	{coreUser + `name.givenName eq "Barbara"`, `name.givenName eq "Barbara"`},
	{strings.ToUpper(coreUser) + `userName eq "x"`, `userName eq "x"`},
	{coreUser + `id eq "1"`, `id eq "1"`},
	{coreUser + `meta.created pr`, `meta.created pr`},
	{`userName eq "a" and ` + enterprise + `employeeNumber eq "1"`, `and(userName eq "a", employeeNumber eq "1")`},
	{coreUser + `userName eq "a" and ` + enterprise + `department eq "b" and ` + fbFront + `is_frontline eq false`,
		`and(userName eq "a", department eq "b", frontline eq false)`},
	{enterprise + `manager.value eq "m1"`, `manager.value eq "m1"`},
	{enterprise + `manager eq "m1"`, `manager.value eq "m1"`},

	// Every mapped attribute, unqualified.
	{`id eq "u1"`, `id eq "u1"`},
	{`externalId eq "e1"`, `externalId eq "e1"`},
	{`displayName co "Bab"`, `displayName co "Bab"`},
	{`name.givenName sw "Bar"`, `name.givenName sw "Bar"`},
	{`title eq "Tour Guide"`, `title eq "Tour Guide"`},
	{`userType eq "Contractor"`, `userType eq "Contractor"`},
	{`active eq true`, `active eq true`},
	{`emails.type eq "work"`, `emails.type eq "work"`},
	{`emails.primary eq true`, `emails.primary eq true`},
	{`emails co "example.com"`, `emails.value co "example.com"`},
	{`emails pr`, `emails.value pr`},
	{`addresses.locality eq "Berlin"`, `location eq "Berlin"`},
	{`employeeNumber eq "701984"`, `employeeNumber eq "701984"`},
	{`department eq "Tour Operations"`, `department eq "Tour Operations"`},
	{`division eq "Theme Park"`, `division eq "Theme Park"`},
	{`organization eq "Universal Studios"`, `organization eq "Universal Studios"`},
	{`costCenter eq "4130"`, `costCenter eq "4130"`},
	{`manager eq "m1"`, `manager.value eq "m1"`},
	{`manager.value eq "m1"`, `manager.value eq "m1"`},
	{`inviteDate gt "2024-01-01T00:00:00Z"`, `invitedAt gt @2024-01-01T00:00:00Z`},
	{`claimDate le "2024-01-01T00:00:00Z"`, `claimedAt le @2024-01-01T00:00:00Z`},
	{`authMethod eq "sso"`, `authMethod eq "sso"`},
	{`startDate ge "2024-03-01T00:00:00Z"`, `startDate ge @2024-03-01T00:00:00Z`},
	{`frontline eq true`, `frontline eq true`},
	{`is_frontline eq true`, `frontline eq true`},

	// Latchkey's extension, qualified.
	{latchkey + `inviteDate pr`, `invitedAt pr`},
	{latchkey + `claimDate gt "2024-01-01T00:00:00+02:00"`, `claimedAt gt @2023-12-31T22:00:00Z`},
	{latchkey + `authMethod eq "password"`, `authMethod eq "password"`},
	{latchkey + `startDate lt "2024-03-01T00:00:00Z"`, `startDate lt @2024-03-01T00:00:00Z`},
	{latchkey + `frontline eq "TRUE"`, `frontline eq true`},

	// invited and claimed compile to the lifecycle state; an account stays
	// invited once claimed.
	{`invited eq true`, `or(state eq "invited", state eq "claimed")`},
	{`invited eq false`, `state eq "not_invited"`},
	{`invited ne true`, `state eq "not_invited"`},
	{`invited ne false`, `or(state eq "invited", state eq "claimed")`},
	{`claimed eq true`, `state eq "claimed"`},
	{`claimed eq false`, `state ne "claimed"`},
	{`claimed ne true`, `state ne "claimed"`},
	{`claimed ne false`, `state eq "claimed"`},
	{`claimed eq "True"`, `state eq "claimed"`},
	{latchkey + `invited eq true`, `or(state eq "invited", state eq "claimed")`},
	{`invited eq true and claimed eq false`, `and(or(state eq "invited", state eq "claimed"), state ne "claimed")`},

	// Workplace aliases; their dates are epoch seconds.
	{fbStatus + `invited eq true`, `or(state eq "invited", state eq "claimed")`},
	{fbStatus + `claimed eq false`, `state ne "claimed"`},
	{fbStatus + `inviteDate gt 1700000000`, `invitedAt gt @2023-11-14T22:13:20Z`},
	{fbStatus + `claimDate le 0`, `claimedAt le @1970-01-01T00:00:00Z`},
	{fbStatus + `claimDate ge -86400`, `claimedAt ge @1969-12-31T00:00:00Z`},
	{fbStatus + `inviteDate pr`, `invitedAt pr`},
	{fbAuth + `authMethod eq "password"`, `authMethod eq "password"`},
	{fbDates + `startDate ge 1704067200`, `startDate ge @2024-01-01T00:00:00Z`},
	{fbFront + `is_frontline eq true`, `frontline eq true`},
	{strings.ToUpper(fbFront) + `IS_FRONTLINE eq FALSE`, `frontline eq false`},

	// Booleans, also as strings as Entra ID sometimes sends them.
	{`active eq false`, `active eq false`},
	{`active eq False`, `active eq false`},
	{`active eq "False"`, `active eq false`},
	{`active ne "TRUE"`, `active ne true`},

	// Entra ID's requests.
	{`userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"`, `userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"`},
	{`userName eq "non-existent user"`, `userName eq "non-existent user"`},
	{`userName eq "TEST_USER_UPPERCASED@CONTOSO.COM"`, `userName eq "TEST_USER_UPPERCASED@CONTOSO.COM"`},
	{`externalId eq "jyoung"`, `externalId eq "jyoung"`},
	{`externalId eq "4f1c3b9e-7a2d-4c55-9e0b-2d6f8a1b3c4d"`, `externalId eq "4f1c3b9e-7a2d-4c55-9e0b-2d6f8a1b3c4d"`}, // test connection
	{`emails[type eq "work"].value eq "x@testuser.com"`, `emails[and(emails.type eq "work", emails.value eq "x@testuser.com")]`},
	{`id eq "123" and manager eq "456"`, `and(id eq "123", manager.value eq "456")`},

	// Okta's requests.
	{`userName eq "test.user@okta.local"`, `userName eq "test.user@okta.local"`},

	// Precedence: not, then and, then or; parentheses group.
	{`userName eq "a" or displayName eq "b" and title pr`, `or(userName eq "a", and(displayName eq "b", title pr))`},
	{`userName eq "a" and displayName eq "b" or title pr`, `or(and(userName eq "a", displayName eq "b"), title pr)`},
	{`(userName eq "a" or displayName eq "b") and title pr`, `and(or(userName eq "a", displayName eq "b"), title pr)`},
	{`userName eq "a" and displayName eq "b" and title pr`, `and(userName eq "a", displayName eq "b", title pr)`},
	{`userName eq "a" or displayName eq "b" or title pr`, `or(userName eq "a", displayName eq "b", title pr)`},
	{`(userName eq "a" and displayName eq "b") and (title pr and active eq true)`,
		`and(userName eq "a", displayName eq "b", title pr, active eq true)`},
	{`not (userName eq "a") and title pr`, `and(not(userName eq "a"), title pr)`},
	{`not(userName eq "a" or title pr)`, `not(or(userName eq "a", title pr))`},
	{`not (not (title pr))`, `not(not(title pr))`},
	{`((((title pr))))`, `title pr`},
	{`userName ne "x" and not (emails co "example.com" or emails.value co "example.org")`,
		`and(userName ne "x", not(or(emails.value co "example.com", emails.value co "example.org")))`},
	{`active eq true and (emails.type eq "work")`, `and(active eq true, emails.type eq "work")`},

	// Value filters.
	{`emails[type eq "work" and value co "@example.com"]`, `emails[and(emails.type eq "work", emails.value co "@example.com")]`},
	{`emails[type eq "work" or primary eq true]`, `emails[or(emails.type eq "work", emails.primary eq true)]`},
	{`emails[not (type eq "home")]`, `emails[not(emails.type eq "home")]`},
	{`emails[primary eq "True"]`, `emails[emails.primary eq true]`},
	{`emails[value pr]`, `emails[emails.value pr]`},
	{`emails[TYPE eq "work"]`, `emails[emails.type eq "work"]`},
	{coreUser + `emails[type eq "work"]`, `emails[emails.type eq "work"]`},
	{`active eq true and emails[type eq "work" and value co "@example.com"]`,
		`and(active eq true, emails[and(emails.type eq "work", emails.value co "@example.com")])`},
	{`emails[type eq "work"] or emails[type eq "home"]`, `or(emails[emails.type eq "work"], emails[emails.type eq "home"])`},

	// Entra's attr[filter].sub form, anywhere a comparison may stand.
	{coreUser + `emails[type eq "work"].value eq "x@y"`, `emails[and(emails.type eq "work", emails.value eq "x@y")]`},
	{`EMAILS[TYPE EQ "work"].VALUE EQ "x@y"`, `emails[and(emails.type eq "work", emails.value eq "x@y")]`},
	{`emails[type eq "work"].value pr`, `emails[and(emails.type eq "work", emails.value pr)]`},
	{`emails[type eq "work"].primary eq true`, `emails[and(emails.type eq "work", emails.primary eq true)]`},
	{`emails[type eq "work"].value   eq   "x@y"`, `emails[and(emails.type eq "work", emails.value eq "x@y")]`},
	{`not (emails[type eq "work"].value eq "x@y")`, `not(emails[and(emails.type eq "work", emails.value eq "x@y")])`},
	{`(emails[type eq "work"].primary eq true)`, `emails[and(emails.type eq "work", emails.primary eq true)]`},
	{`emails[type eq "work"].value eq "a" or emails[type eq "home"].value eq "b"`,
		`or(emails[and(emails.type eq "work", emails.value eq "a")], emails[and(emails.type eq "home", emails.value eq "b")])`},
	{`emails[type eq "a]."].value eq "b]."`, `emails[and(emails.type eq "a].", emails.value eq "b].")]`},
	{`emails[type eq "wo\"rk"].value eq "x"`, `emails[and(emails.type eq "wo\"rk", emails.value eq "x")]`},

	// String escapes are decoded; brackets and quotes inside strings are
	// plain text.
	{`userName eq "a\"b"`, `userName eq "a\"b"`},
	{`displayName eq "caf\u00E9"`, `displayName eq "café"`},
	{`userName eq "back\\slash"`, `userName eq "back\\slash"`},
	{`userName eq "tab\there"`, `userName eq "tab\there"`},
	{`displayName eq "]."`, `displayName eq "]."`},
	{`displayName eq "(((((((((((((((((((((((((("`, `displayName eq "(((((((((((((((((((((((((("`},
	{`displayName eq "\"(((((((((((((((((((((((((("`, `displayName eq "\"(((((((((((((((((((((((((("`},
	{`displayName eq "not (not (not ("`, `displayName eq "not (not (not ("`},
	{`displayName eq "日本語"`, `displayName eq "日本語"`},
	{`userName eq ""`, `userName eq ""`},
	{`userName eq "x' OR '1'='1"`, `userName eq "x' OR '1'='1"`},
	{`userName co "%"`, `userName co "%"`},

	// Spaces around the whole filter are ignored; an empty filter is none.
	{`  userName eq "x"  `, `userName eq "x"`},
	{``, `<nil>`},

	// Nesting up to MaxDepth is fine.
	{strings.Repeat("(", MaxDepth) + `title pr` + strings.Repeat(")", MaxDepth), `title pr`},
	{strings.Repeat("not (", MaxDepth/2) + `title pr` + strings.Repeat(")", MaxDepth/2),
		strings.Repeat("not(", MaxDepth/2) + `title pr` + strings.Repeat(")", MaxDepth/2)},
}

var userRejected = []rejected{
	// Unknown attributes, and ones that exist but are not on the list.
	{`foo eq "x"`, `"foo"`},
	{`preferredLanguage eq "de"`, `"preferredLanguage"`},
	{`nickName eq "Babs"`, `"nickName"`},
	{`groups eq "g1"`, `"groups"`},
	{`name eq "x"`, `"name"`},
	{`name.formatted eq "x"`, `"name.formatted"`},
	{`addresses eq "x"`, `"addresses"`},
	{`emails.display eq "x"`, `"emails.display"`},
	{`manager.displayName eq "x"`, `"manager.displayName"`},
	{`meta.resourceType eq "User"`, `"meta.resourceType"`},
	{`state eq "invited"`, `"state"`},
	{`claimLink pr`, `"claimLink"`},
	{`termDate gt 0`, `"termDate"`},
	{fbDates + `termDate gt 0`, `termDate"`},
	{fbStatus + `canDelete eq true`, `canDelete"`},
	{enterprise + `userName eq "x"`, `userName"`},
	{coreUser + `department eq "x"`, `department"`},
	{`urn:example:foo:1.0:User:userName eq "x"`, `unknown schema "urn:example:foo:1.0:User"`},
	{strings.Repeat("a", 1000) + `z pr`, `unknown or unsupported attribute "aaaaaaaa`},
	{strings.Repeat("a", 1000) + `z pr`, `aaaa…aaaa`},
	{strings.Repeat("a", 1000) + `z pr`, `aaaz"`},
	{`password eq "secret"`, `"password" can never be filtered`},
	{`PASSWORD pr`, `"PASSWORD" can never be filtered`},
	{coreUser + `password pr`, `can never be filtered`},

	// Syntax.
	{`garbage`, `invalid filter syntax`},
	{`userName eq`, `invalid filter syntax`},
	{`userName eq "x" garbage`, `invalid filter syntax`},
	{`userName equals "x"`, `invalid filter syntax`},
	{`externalId eq jyoung`, `invalid filter syntax`},
	{`userName eq "x" and`, `invalid filter syntax`},
	{`   `, `invalid filter syntax`},
	{`TEST_USER@CONTOSO.COM`, `invalid filter syntax`},
	{`title pr "x"`, `invalid filter syntax`},
	{`userName eq "abc`, `missing its closing double quote`},
	{`userName eq "abc\"`, `missing its closing double quote`},
	{`(userName eq "x"`, `do not match`},
	{`userName eq "x")`, `do not match`},
	{`emails[type eq "work")`, `do not match`},
	{`emails[type eq "work" and value co "x" and primary eq true]`, `invalid filter syntax`},
	{`emails[type eq "work" and primary eq true].value eq "x"`, `at most two comparisons`},
	{`emails[type eq "work"].value eq "x" "y"`, `invalid filter syntax`},
	{`emails[type eq "work"].value`, `invalid filter syntax`},
	{`emails[type eq "work"].value eq`, `invalid filter syntax`},
	{`userName eq "x"].value eq "y"`, `do not match`},

	// Values of the wrong type.
	{`userName eq 42`, `userName needs a string`},
	{`id eq 1.5`, `id needs a string`},
	{`externalId eq true`, `externalId needs a string`},
	{`userName eq 12345678901234567890123456789`, `userName needs a string`},
	{`active eq "yes"`, `active needs true or false`},
	{`active eq 1`, `active needs true or false`},
	{`emails[primary eq "1"]`, `primary needs true or false`},
	{`meta.created gt "yesterday"`, `needs a date-time`},
	{`meta.created gt "2011-05-13"`, `needs a date-time`},
	{`meta.created gt 1700000000`, `needs a date-time`},
	{`inviteDate gt 1700000000`, `needs a date-time`},
	{latchkey + `startDate gt 1700000000`, `needs a date-time`},
	{fbStatus + `inviteDate gt "2024-01-01T00:00:00Z"`, `whole seconds since the Unix epoch`},
	{fbStatus + `inviteDate gt 1.5`, `whole seconds since the Unix epoch`},
	{fbStatus + `inviteDate gt 1e9`, `whole seconds since the Unix epoch`},
	{fbStatus + `claimDate gt 99999999999999999999`, `whole seconds since the Unix epoch`},
	{fbDates + `startDate gt 253402300800`, `whole seconds since the Unix epoch`},
	{`userName eq null`, `with null is not supported`},
	{`active ne null`, `with null is not supported`},
	{`userName eq "a\u0000b"`, `NUL`},
	{"userName eq \"\xff\"", `not valid UTF-8`},

	// Operators that do not apply.
	{`active gt true`, `operator gt does not apply to active`},
	{`active le false`, `operator le does not apply`},
	{`active co "t"`, `operator co does not apply`},
	{`emails.primary sw "t"`, `operator sw does not apply`},
	{`meta.created co "2011"`, `operator co does not apply to meta.created`},
	{`meta.created sw "2011-05-13T04:42:34Z"`, `operator sw does not apply`},
	{`meta.created ew "2011-05-13T04:42:34Z"`, `operator ew does not apply`},
	{`invited pr`, `only the eq and ne operators`},
	{`claimed gt true`, `only the eq and ne operators`},
	{`claimed eq "maybe"`, `claimed needs true or false`},
	{fbStatus + `invited eq 1`, `needs true or false`},

	// Value filters only on multi-valued attributes, one level deep.
	{`name[givenName eq "x"]`, `unknown or unsupported attribute "name"`},
	{`manager[value eq "x"]`, `not a multi-valued attribute`},
	{`emails.value[type eq "work"]`, `not a multi-valued attribute`},
	{`userName[value eq "x"]`, `not a multi-valued attribute`},
	{`addresses[locality eq "x"]`, `"addresses"`},
	{`ims[type eq "xmpp"]`, `"ims"`},
	{`emails[display eq "x"]`, `"display" in emails[ ]`},
	{`emails[userName eq "x"]`, `"userName" in emails[ ]`},
	{`emails[value.x eq "a"]`, `must be a plain sub-attribute`},
	{`emails[` + coreUser + `type eq "work"]`, `must be a plain sub-attribute`},
	{`emails[type eq "work"].display eq "x"`, `"display" in emails[ ]`},

	// Bounds.
	{`userName eq "` + strings.Repeat("x", MaxLength) + `"`, `longer than 2048 bytes`},
	{strings.Repeat("(", 100000) + `title pr` + strings.Repeat(")", 100000), `longer than 2048 bytes`},
	{strings.Repeat("(", 1000) + `title pr` + strings.Repeat(")", 1000), `deeper than 16`},
	{strings.Repeat("(", MaxDepth+1) + `title pr` + strings.Repeat(")", MaxDepth+1), `deeper than 16`},
	{strings.Repeat("not (", MaxDepth/2+1) + `title pr` + strings.Repeat(")", MaxDepth/2+1), `deeper than 16`},
	{strings.Repeat("(", MaxDepth) + `emails[type eq "work"]` + strings.Repeat(")", MaxDepth), `deeper than 16`},
	{strings.Repeat("((((((((((((((((((((", 1000), `longer than 2048 bytes`},
}

var groupAccepted = []accepted{
	{`displayName eq "displayName"`, `displayName eq "displayName"`}, // Entra
	{`displayName eq "Test SCIMv2"`, `displayName eq "Test SCIMv2"`}, // Okta Group Push
	{`DISPLAYNAME EQ "engineering"`, `displayName eq "engineering"`},
	{`externalId eq "4f1c3b9e-7a2d-4c55-9e0b-2d6f8a1b3c4d"`, `externalId eq "4f1c3b9e-7a2d-4c55-9e0b-2d6f8a1b3c4d"`},
	{`id eq "g1"`, `id eq "g1"`},
	{coreGroup + `displayName sw "Eng"`, `displayName sw "Eng"`},
	{coreGroup + `members[value eq "u1"]`, `members[members.value eq "u1"]`},
	{`members[value eq "u1"]`, `members[members.value eq "u1"]`},
	{`members eq "u1"`, `members.value eq "u1"`},
	{`members.value eq "u1"`, `members.value eq "u1"`},
	{`members.type eq "User"`, `members.type eq "User"`},
	{`members pr`, `members.value pr`},
	{`not (members pr)`, `not(members.value pr)`},
	{`members[type eq "User" and value eq "u1"]`, `members[and(members.type eq "User", members.value eq "u1")]`},
	{`members[type eq "User"].value eq "u1"`, `members[and(members.type eq "User", members.value eq "u1")]`},
	{`meta.created ge "2024-01-01T00:00:00Z"`, `meta.created ge @2024-01-01T00:00:00Z`},
	{`meta.lastModified lt "2024-01-01T00:00:00Z" and displayName co "ops"`,
		`and(meta.lastModified lt @2024-01-01T00:00:00Z, displayName co "ops")`},
	{``, `<nil>`},
}

var groupRejected = []rejected{
	{`userName eq "x"`, `"userName"`},
	{`emails[type eq "work"]`, `"emails"`},
	{`members.display eq "x"`, `"members.display"`},
	{`members[display eq "x"]`, `"display" in members[ ]`},
	{`members[value gt 1]`, `members.value needs a string`},
	{coreUser + `displayName eq "x"`, `unknown schema`},
	{enterprise + `department eq "x"`, `unknown schema`},
	{`displayName eq 7`, `needs a string`},
	{`meta.created co "2024"`, `operator co does not apply`},
	{`invited eq true`, `"invited"`},
	{`displayName eq "x`, `closing double quote`},
}

func TestUsersAccepted(t *testing.T) { testAccepted(t, Users, userAccepted) }

func TestGroupsAccepted(t *testing.T) { testAccepted(t, Groups, groupAccepted) }

func TestUsersRejected(t *testing.T) { testRejected(t, Users, userRejected) }

func TestGroupsRejected(t *testing.T) { testRejected(t, Groups, groupRejected) }

func testAccepted(t *testing.T, translate func(string) (directory.Filter, error), cases []accepted) {
	t.Helper()
	for _, c := range cases {
		got, err := translate(c.in)
		if err != nil {
			t.Errorf("%s: %v", short(c.in), err)
			continue
		}
		if r := render(got); r != c.want {
			t.Errorf("%s:\n got %s\nwant %s", short(c.in), r, c.want)
		}
	}
}

func testRejected(t *testing.T, translate func(string) (directory.Filter, error), cases []rejected) {
	t.Helper()
	for _, c := range cases {
		got, err := translate(c.in)
		var fe *Error
		isError := errors.As(err, &fe)
		switch {
		case err == nil:
			t.Errorf("%s: accepted as %s", short(c.in), render(got))
		case !isError:
			t.Errorf("%s: error %T %v, want *Error", short(c.in), err, err)
		case got != nil:
			t.Errorf("%s: filter %s returned with the error", short(c.in), render(got))
		case !strings.Contains(fe.Detail, c.want):
			t.Errorf("%s: detail %q, want it to contain %q", short(c.in), fe.Detail, c.want)
		case len(fe.Detail) > 400:
			t.Errorf("%s: detail of %d bytes", short(c.in), len(fe.Detail))
		}
	}
}

// short keeps failure messages about huge inputs readable.
func short(s string) string {
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}

// TestTreeShape pins the exact structs, which render abbreviates.
func TestTreeShape(t *testing.T) {
	cmp := func(a directory.Attr, op directory.Op, v any) directory.Compare {
		return directory.Compare{Attr: a, Op: op, Value: v}
	}
	cases := []struct {
		in   string
		want directory.Filter
	}{
		{`userName eq "a" or displayName eq "b" and title pr`, directory.Or{
			cmp(directory.AttrUserName, directory.OpEq, "a"),
			directory.And{cmp(directory.AttrDisplayName, directory.OpEq, "b"), cmp(directory.AttrTitle, directory.OpPr, nil)},
		}},
		{`emails[type eq "work"].value eq "x@y"`, directory.Has{Attr: directory.AttrEmails, Filter: directory.And{
			cmp(directory.AttrEmailType, directory.OpEq, "work"), cmp(directory.AttrEmailValue, directory.OpEq, "x@y"),
		}}},
		{`not (active eq "false")`, directory.Not{Filter: cmp(directory.AttrActive, directory.OpEq, false)}},
		{`invited eq true`, directory.Or{
			cmp(directory.AttrState, directory.OpEq, string(directory.StateInvited)),
			cmp(directory.AttrState, directory.OpEq, string(directory.StateClaimed)),
		}},
	}
	for _, c := range cases {
		got, err := Users(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", c.in, got, c.want)
		}
	}
}

// TestErrorInterface checks what the SCIM layer relies on to answer 400
// invalidFilter with a detail.
func TestErrorInterface(t *testing.T) {
	_, err := Users(`foo eq "x"`)
	var d interface {
		SCIMType() string
		SCIMDetail() string
	}
	if !errors.As(err, &d) {
		t.Fatalf("%T does not carry a SCIM type and detail", err)
	}
	if d.SCIMType() != "invalidFilter" || d.SCIMDetail() == "" || !strings.Contains(err.Error(), d.SCIMDetail()) {
		t.Errorf("type %q detail %q error %q", d.SCIMType(), d.SCIMDetail(), err)
	}
}

// TestTablesMatchDirectory guards the attribute tables against naming
// anything the directory cannot query.
func TestTablesMatchDirectory(t *testing.T) {
	for _, r := range []*resource{&users, &groups} {
		for _, s := range r.schemas {
			for name, def := range s.attrs {
				if def.rule == never || def.rule == invitedFlag || def.rule == claimedFlag {
					continue
				}
				if _, ok := r.kind(def.attr); !ok {
					t.Errorf("%s:%s maps to %q, which the directory cannot query", s.urn, name, def.attr)
				}
				if def.multi == nil {
					continue
				}
				for sub, elem := range def.multi.elems {
					if _, ok := r.kind(elem); !ok || sub != strings.ToLower(sub) {
						t.Errorf("%s.%s maps to %q, which the directory cannot query", name, sub, elem)
					}
				}
			}
		}
	}
}

func TestQuote(t *testing.T) {
	cases := []struct{ in, want string }{
		{"userName", `"userName"`},
		{`a"b`, `"a\"b"`},
		{strings.Repeat("a", maxQuoted), `"` + strings.Repeat("a", maxQuoted) + `"`},
		{strings.Repeat("a", 100) + strings.Repeat("b", 100), `"` + strings.Repeat("a", 80) + "…" + strings.Repeat("b", 80) + `"`},
		// Cuts fall on rune boundaries: "é" is two bytes.
		{"x" + strings.Repeat("é", 100), `"x` + strings.Repeat("é", 39) + "…" + strings.Repeat("é", 40) + `"`},
	}
	for _, c := range cases {
		if got := quote(c.in); got != c.want {
			t.Errorf("quote(%s) = %s, want %s", short(c.in), got, c.want)
		}
	}
}
