package claim

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/latchkeyhq/latchkey/directory"
)

// Profile is what a person sees of their account while claiming and may
// fix where the organization allows. SCIM stays the source of truth: an
// edit changes the account's typed fields and the SCIM document the
// identity provider reads back, so both always agree.
type Profile struct {
	GivenName  string
	FamilyName string
	Title      string
	Department string
	Phone      string // the work phone number
}

// Limits of the values a person types.
const (
	maxProfileText = 200
	minUserName    = 3
	maxUserName    = 64
)

var (
	phonePattern    = regexp.MustCompile(`^\+?[0-9][0-9 ()./-]{2,39}$`)
	userNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@+-]*$`)
)

// ProfileOf reads an account's profile.
func ProfileOf(a directory.Account) Profile {
	return Profile{GivenName: a.GivenName, FamilyName: a.FamilyName, Title: a.Title,
		Department: a.Department, Phone: workPhone(decodeDocument(a.Resource))}
}

// EditProfile applies the fields of p that editable allows (FieldName,
// FieldTitle, FieldDepartment, FieldPhone) to a and to its SCIM document,
// and returns which of them changed. Values are trimmed; a field that may
// not be edited is left alone whatever p says. A bad value is a
// *directory.ValidationError naming the form field (givenName,
// familyName, title, department, phone).
func EditProfile(a *directory.Account, p Profile, editable func(field string) bool) ([]string, error) {
	p = trimProfile(p)
	old := ProfileOf(*a)
	if err := validateProfile(p, editable); err != nil {
		return nil, err
	}
	doc := decodeDocument(a.Resource)
	var changed []string
	if editable(directory.FieldName) && (p.GivenName != old.GivenName || p.FamilyName != old.FamilyName) {
		setName(a, doc, p.GivenName, p.FamilyName)
		changed = append(changed, directory.FieldName)
	}
	if editable(directory.FieldTitle) && p.Title != old.Title {
		a.Title = p.Title
		setText(doc, "title", p.Title)
		changed = append(changed, directory.FieldTitle)
	}
	if editable(directory.FieldDepartment) && p.Department != old.Department {
		a.Department = p.Department
		setText(extension(doc, enterpriseURN), "department", p.Department)
		changed = append(changed, directory.FieldDepartment)
	}
	if editable(directory.FieldPhone) && p.Phone != old.Phone {
		setWorkPhone(doc, p.Phone)
		changed = append(changed, directory.FieldPhone)
	}
	if len(changed) > 0 {
		a.Resource = encodeDocument(doc)
	}
	return changed, nil
}

func trimProfile(p Profile) Profile {
	return Profile{GivenName: strings.TrimSpace(p.GivenName), FamilyName: strings.TrimSpace(p.FamilyName),
		Title: strings.TrimSpace(p.Title), Department: strings.TrimSpace(p.Department), Phone: strings.TrimSpace(p.Phone)}
}

func validateProfile(p Profile, editable func(string) bool) error {
	if editable(directory.FieldName) {
		if p.GivenName == "" && p.FamilyName == "" {
			return fieldProblem("givenName", "Enter your name.")
		}
		if err := checkTexts("givenName", p.GivenName, "familyName", p.FamilyName); err != nil {
			return err
		}
	}
	if editable(directory.FieldTitle) {
		if err := checkTexts("title", p.Title); err != nil {
			return err
		}
	}
	if editable(directory.FieldDepartment) {
		if err := checkTexts("department", p.Department); err != nil {
			return err
		}
	}
	if editable(directory.FieldPhone) && p.Phone != "" && !phonePattern.MatchString(p.Phone) {
		return fieldProblem("phone", "Enter a phone number of digits, spaces and + ( ) - . only, such as +1 555 0100.")
	}
	return nil
}

// checkTexts takes field, value pairs.
func checkTexts(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		field, v := pairs[i], pairs[i+1]
		if utf8.RuneCountInString(v) > maxProfileText {
			return fieldProblem(field, fmt.Sprintf("Use at most %d characters.", maxProfileText))
		}
		if strings.IndexFunc(v, unicode.IsControl) >= 0 {
			return fieldProblem(field, "Remove the control characters.")
		}
	}
	return nil
}

func fieldProblem(field, problem string) error {
	return &directory.ValidationError{Field: field, Problem: problem}
}

// setName writes the name parts and the formatted name; displayName
// follows when it was the old formatted name (or empty), so a person who
// fixes a typo does not keep seeing it.
func setName(a *directory.Account, doc map[string]any, given, family string) {
	oldFormatted := strings.TrimSpace(a.GivenName + " " + a.FamilyName)
	formatted := strings.TrimSpace(given + " " + family)
	a.GivenName, a.FamilyName = given, family
	name := child(doc, "name")
	setText(name, "givenName", given)
	setText(name, "familyName", family)
	setText(name, "formatted", formatted)
	if a.DisplayName == "" || a.DisplayName == oldFormatted {
		a.DisplayName = formatted
		setText(doc, "displayName", formatted)
	}
}

// ChooseSignInName gives an account the sign-in name its person picked
// (access-code claims). It sets a.SignInName only: userName and the SCIM
// document are the identity provider's, which finds and rewrites its
// users by userName, so a changed one would be duplicated or renamed
// back. Uniqueness is the store's (ErrConflict on UpdateAccount); the
// caller checks first to say so next to the field.
func ChooseSignInName(a *directory.Account, name string) error {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n < minUserName || n > maxUserName:
		return fieldProblem("userName", fmt.Sprintf("Use %d to %d characters.", minUserName, maxUserName))
	case !userNamePattern.MatchString(name):
		return fieldProblem("userName", "Use letters, digits and . _ @ + - only, starting with a letter or digit.")
	}
	a.SignInName = name
	return nil
}
