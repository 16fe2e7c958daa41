package claim

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"

	"github.com/latchkeyhq/latchkey/directory"
)

// deliveryMessageID is the Message-ID of one delivery: the same for every
// try of that account's message of that invitation generation. A delivery
// can be sent twice only when the process dies between the SMTP server's
// acceptance and the database's record of it (milliseconds); the repeat
// then carries the same Message-ID, which mail systems recognise and drop
// as a duplicate. The ID names no one: a hash of the delivery, in the
// server's own domain.
func deliveryMessageID(base string, a directory.Account, generation int64, message string) string {
	sum := sha256.Sum256([]byte(a.OrgID + "\x00" + a.ID + "\x00" + strconv.FormatInt(generation, 10) + "\x00" + message))
	return "latchkey." + hex.EncodeToString(sum[:16]) + "@" + messageIDDomain(base)
}

// messageIDDomain is the host of the base URL, or "latchkey.invalid".
func messageIDDomain(base string) string {
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "latchkey.invalid"
}
