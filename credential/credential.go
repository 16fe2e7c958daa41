// Package credential mints bearer tokens, derives the keyed hashes they
// are stored under, and authenticates presented tokens. A token's
// plaintext exists only in the creator's output and in the client's
// configuration; the database holds HMAC-SHA-256(server key, token), so a
// stolen database yields no usable credential.
package credential

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind prefixes a token so people and secret scanners can tell what a
// leaked string grants.
type Kind string

// Token kinds.
const (
	KindScim  Kind = "lks"
	KindAdmin Kind = "lka"
	// KindScimClientSecret is the secret a SCIM client exchanges for
	// short-lived KindScim tokens at the OAuth token endpoint.
	KindScimClientSecret Kind = "lksc"
	// KindScimClientID prefixes a SCIM client's public identifier; it is
	// not a secret, but random so it reveals nothing about its tenant.
	KindScimClientID Kind = "lkc"
)

// secretBytes is the random part of every token: 256 bits.
const secretBytes = 32

// MinKeyLength is the shortest server key accepted, in bytes.
const MinKeyLength = 32

// ErrInvalid is the single answer to an unknown, malformed, revoked or
// expired token, so a caller learns nothing about which it was.
var ErrInvalid = errors.New("credential: invalid, expired or revoked token")

// Hasher computes the keyed hashes tokens are stored and looked up by.
type Hasher struct {
	key []byte
}

// NewHasher derives a purpose-specific key from the server's secret key,
// so the same secret can later key other things (signed links) without
// one use weakening another.
func NewHasher(secretKey []byte) (Hasher, error) {
	if len(secretKey) < MinKeyLength {
		return Hasher{}, fmt.Errorf("credential: secret key must be at least %d bytes", MinKeyLength)
	}
	mac := hmac.New(sha256.New, secretKey)
	mac.Write([]byte("latchkey/token-hash/v1"))
	return Hasher{key: mac.Sum(nil)}, nil
}

// Hash returns the hex HMAC-SHA-256 of token.
func (h Hasher) Hash(token string) string {
	mac := hmac.New(sha256.New, h.key)
	mac.Write([]byte(token))
	return hex.EncodeToString(mac.Sum(nil))
}

// New returns a fresh token of kind k ("lks_" + 43 base64url characters)
// and the hash to store.
func (h Hasher) New(k Kind) (token, hash string, err error) {
	secret := make([]byte, secretBytes)
	if _, err := rand.Read(secret); err != nil {
		return "", "", fmt.Errorf("credential: random: %w", err)
	}
	token = string(k) + "_" + base64.RawURLEncoding.EncodeToString(secret)
	return token, h.Hash(token), nil
}

// Stored is what a token lookup returns: a record that knows its hash and
// whether it may be used at a given time.
type Stored interface {
	StoredHash() string
	UsableAt(now time.Time) bool
}

// Authenticate resolves a presented token of kind k with find (a lookup by
// hash). Every failure — wrong kind or shape, unknown, revoked, expired —
// returns ErrInvalid after the same work: the hash and lookup always run,
// and the hashes are compared in constant time. Errors from find other
// than "not found" (a database outage) are returned as they are, so the
// caller can answer 503 rather than 401.
func Authenticate[T Stored](ctx context.Context, h Hasher, k Kind, presented string, now time.Time,
	find func(ctx context.Context, hash string) (T, error), isNotFound func(error) bool) (T, error) {
	var zero T
	hash := h.Hash(presented)
	rec, err := find(ctx, hash)
	if err != nil && !isNotFound(err) {
		return zero, err
	}
	found := err == nil
	shapeOK := wellFormed(k, presented)
	hashOK := found && subtle.ConstantTimeCompare([]byte(rec.StoredHash()), []byte(hash)) == 1
	usable := found && rec.UsableAt(now)
	if !(shapeOK && hashOK && usable) {
		return zero, ErrInvalid
	}
	return rec, nil
}

func wellFormed(k Kind, token string) bool {
	secret, ok := strings.CutPrefix(token, string(k)+"_")
	if !ok || len(secret) != base64.RawURLEncoding.EncodedLen(secretBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(secret)
	return err == nil
}
