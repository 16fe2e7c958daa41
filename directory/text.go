package directory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxTextLength bounds every indexed text attribute. PostgreSQL cannot
// index much beyond 2.7 KB, and no real name, title or email is longer.
const MaxTextLength = 1024

// checkText enforces what every backend can store and index: valid UTF-8,
// no NUL character (PostgreSQL refuses it), and a bounded length.
func checkText(field, value string, maxLen int) error {
	switch {
	case !utf8.ValidString(value):
		return invalid(field, "is not valid UTF-8")
	case strings.ContainsRune(value, 0):
		return invalid(field, "must not contain the NUL character")
	case len(value) > maxLen:
		return invalid(field, fmt.Sprintf("must be at most %d bytes", maxLen))
	}
	return nil
}

// checkTexts returns the first problem among field/value pairs.
func checkTexts(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := checkText(pairs[i], pairs[i+1], MaxTextLength); err != nil {
			return err
		}
	}
	return nil
}

// checkDocument enforces what PostgreSQL's jsonb accepts: valid JSON in
// valid UTF-8 without an escaped NUL (\u0000).
func checkDocument(field string, doc []byte) error {
	switch {
	case len(doc) == 0:
		return nil
	case !utf8.Valid(doc) || !json.Valid(doc):
		return invalid(field, "is not valid JSON")
	case bytes.Contains(doc, []byte(`\u0000`)):
		return invalid(field, "must not contain the NUL character")
	}
	return nil
}
