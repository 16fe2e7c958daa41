package claim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/latchkeyhq/latchkey/directory"
)

// minKeyLength matches credential.MinKeyLength: the server key's length.
const minKeyLength = 32

// linkMACBytes is the secret part of a claim link: 192 bits.
const linkMACBytes = 24

// codeAlphabet has no look-alikes (no I, O; letters only, so no 0/1).
const codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ"

// CodeLength is how many letters an access code has, as in Workplace:
// 24^16, about 2^73 codes.
const CodeLength = 16

// ErrMalformed is a claim token or access code that cannot be one.
var ErrMalformed = errors.New("claim: malformed link or code")

// Secrets derives claim links and access codes from the server key.
// Each use has its own subkey, so one can never stand in for another.
type Secrets struct {
	linkKey, codeKey, lookupKey, sessionKey []byte
}

// NewSecrets derives the subkeys from the server key.
func NewSecrets(serverKey []byte) (Secrets, error) {
	if len(serverKey) < minKeyLength {
		return Secrets{}, fmt.Errorf("claim: the server key must be at least %d bytes", minKeyLength)
	}
	derive := func(purpose string) []byte {
		mac := hmac.New(sha256.New, serverKey)
		mac.Write([]byte(purpose))
		return mac.Sum(nil)
	}
	return Secrets{
		linkKey:    derive("latchkey/claim-link/v1"),
		codeKey:    derive("latchkey/access-code/v1"),
		lookupKey:  derive("latchkey/access-code-lookup/v1"),
		sessionKey: derive("latchkey/session/v1"),
	}, nil
}

// LinkToken is the secret path segment of the account's current claim
// link, or "" when it has none (not invited, or invited before links).
// It names the organization and the account (not secret: they are
// opaque ids) followed by a MAC over them, the invitation generation and
// the expiry, so changing any of those kills the link.
func (s Secrets) LinkToken(a directory.Account) string {
	if a.InviteGeneration == 0 || a.InviteExpiresAt == nil {
		return ""
	}
	org, errOrg := uuid.Parse(a.OrgID)
	acc, errAcc := uuid.Parse(a.ID)
	if errOrg != nil || errAcc != nil {
		return ""
	}
	buf := make([]byte, 0, 32+linkMACBytes)
	buf = append(buf, org[:]...)
	buf = append(buf, acc[:]...)
	buf = append(buf, s.linkMAC(a)...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

func (s Secrets) linkMAC(a directory.Account) []byte {
	mac := hmac.New(sha256.New, s.linkKey)
	writeFields(mac, a.OrgID, a.ID, a.InviteGeneration, a.InviteExpiresAt.Unix())
	return mac.Sum(nil)[:linkMACBytes]
}

// ParseLinkToken splits a token into the organization and account it
// names; CheckLinkToken then verifies it against the stored account.
func ParseLinkToken(token string) (orgID, accountID string, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 32+linkMACBytes {
		return "", "", ErrMalformed
	}
	org, _ := uuid.FromBytes(raw[:16])
	acc, _ := uuid.FromBytes(raw[16:32])
	return org.String(), acc.String(), nil
}

// CheckLinkToken reports whether token is the account's current link
// (compared in constant time). Expiry and state are the caller's.
func (s Secrets) CheckLinkToken(a directory.Account, token string) bool {
	want := s.LinkToken(a)
	return want != "" && hmac.Equal([]byte(want), []byte(token))
}

// AccessCode is the account's current access code, or "" when it has
// none: 16 letters derived from the server key, the account and its code
// generation and expiry.
func (s Secrets) AccessCode(a directory.Account) string {
	if a.AccessCodeGeneration == 0 || a.AccessCodeExpiresAt == nil {
		return ""
	}
	mac := hmac.New(sha256.New, s.codeKey)
	writeFields(mac, a.OrgID, a.ID, a.AccessCodeGeneration, a.AccessCodeExpiresAt.Unix())
	sum := mac.Sum(nil)
	var b strings.Builder
	for i := range CodeLength {
		// Two bytes per letter: 65536 mod 24 = 16, a bias of 16/65536.
		n := binary.BigEndian.Uint16(sum[2*i:])
		b.WriteByte(codeAlphabet[int(n)%len(codeAlphabet)])
	}
	return b.String()
}

// CodeHash is the keyed hash an access code is stored and found by. It
// takes the code as typed: see NormalizeCode.
func (s Secrets) CodeHash(code string) string {
	mac := hmac.New(sha256.New, s.lookupKey)
	mac.Write([]byte(code))
	return hex.EncodeToString(mac.Sum(nil))
}

// SessionHash is the keyed hash a session secret (a cookie, a claim
// token of the mobile API) is stored and found by: a copy of the sessions
// table without the server key signs nobody in.
func (s Secrets) SessionHash(secret string) string {
	mac := hmac.New(sha256.New, s.sessionKey)
	mac.Write([]byte(secret))
	return hex.EncodeToString(mac.Sum(nil))
}

// NormalizeCode turns what a person typed ("abcd-efgh jkmn pqrs") into a
// code, or ErrMalformed when it cannot be one.
func NormalizeCode(typed string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(typed) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			continue
		case r < 'A' || r > 'Z' || !strings.ContainsRune(codeAlphabet, r):
			return "", ErrMalformed
		}
		b.WriteRune(r)
	}
	if b.Len() != CodeLength {
		return "", ErrMalformed
	}
	return b.String(), nil
}

// FormatCode groups a code in fours for people to read and type.
func FormatCode(code string) string {
	if len(code) != CodeLength {
		return code
	}
	return code[0:4] + "-" + code[4:8] + "-" + code[8:12] + "-" + code[12:16]
}

// writeFields feeds length-prefixed fields to a MAC, so no two field
// lists share an encoding.
func writeFields(w interface{ Write([]byte) (int, error) }, orgID, accountID string, generation, expires int64) {
	var n [8]byte
	for _, s := range []string{orgID, accountID} {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		_, _ = w.Write(n[:])
		_, _ = w.Write([]byte(s))
	}
	for _, v := range []int64{generation, expires} {
		binary.BigEndian.PutUint64(n[:], uint64(v))
		_, _ = w.Write(n[:])
	}
}
