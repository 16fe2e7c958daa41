package admin

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// peopleFingerprint names a list's filters and sort. The store's cursor
// only knows the sort; a cursor carried over to other filters would
// quietly continue a different list from the middle, so the API's
// cursor carries this fingerprint too.
func peopleFingerprint(f peopleFilter, sort string) string {
	raw, _ := json.Marshal(f) // strings and a *bool always marshal
	sum := sha256.Sum256(append(append(raw, 0), sort...))
	return base64.RawURLEncoding.EncodeToString(sum[:6])
}

// cursor is the API's cursor for the store's next one.
func (q peopleList) cursor(next string) string { return q.fingerprint + "." + next }

// storeCursor is the store's cursor inside raw, when raw was made for
// this list's filters and sort; the store checks the rest.
func (q peopleList) storeCursor(raw string) (string, bool) {
	fingerprint, next, ok := strings.Cut(raw, ".")
	return next, ok && fingerprint == q.fingerprint && next != ""
}
