package credential

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// clientIDBytes is the random part of a client id: 128 bits, enough to be
// unguessable and short enough to paste into an IdP's form.
const clientIDBytes = 16

// ErrInvalidClient is the single answer to an unknown client id, a wrong,
// retired or malformed secret and a revoked client.
var ErrInvalidClient = errors.New("credential: unknown client, wrong secret or revoked client")

// NewClientID returns a fresh public client identifier ("lkc_" + 22
// base64url characters).
func NewClientID() (string, error) {
	raw := make([]byte, clientIDBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("credential: random: %w", err)
	}
	return string(KindScimClientID) + "_" + base64.RawURLEncoding.EncodeToString(raw), nil
}

// Client is what a client lookup returns: a record that knows which secret
// hashes it accepts at a given time and whether it may be used at all.
type Client interface {
	// SecretHashesAt returns the current secret's hash and, during a
	// rotation's overlap, the previous one ("" when there is none).
	SecretHashesAt(now time.Time) (current, previous string)
	UsableAt(now time.Time) bool
}

// unmatchable stands in for a missing hash: it has a hash's length, so the
// comparison costs the same, but no hex digest ever equals it.
var unmatchable = strings.Repeat("-", 64)

// lookupPlaceholder is looked up instead of a malformed client id, so
// hostile input never reaches the database yet the lookup still runs.
var lookupPlaceholder = string(KindScimClientID) + "_" + strings.Repeat("A", base64.RawURLEncoding.EncodedLen(clientIDBytes))

// AuthenticateClient checks a client id and secret (OAuth 2.0 client
// authentication, RFC 6749 §2.3.1) with find, a lookup by client id. The
// secret matches the current hash, or the previous one while its overlap
// lasts. Every failure returns ErrInvalidClient after the same work: one
// keyed hash, one lookup and two constant-time comparisons, whether the
// client exists or not. Lookup errors other than "not found" are returned
// as they are, so the caller can answer 503 rather than 401.
func AuthenticateClient[T Client](ctx context.Context, h Hasher, clientID, secret string, now time.Time,
	find func(ctx context.Context, clientID string) (T, error), isNotFound func(error) bool) (T, error) {
	var zero T
	hash := h.Hash(secret)
	idOK := wellFormedClientID(clientID)
	lookup := clientID
	if !idOK {
		lookup = lookupPlaceholder
	}
	rec, err := find(ctx, lookup)
	if err != nil && !isNotFound(err) {
		return zero, err
	}
	found := err == nil
	current, previous := unmatchable, unmatchable
	if found {
		current, previous = rec.SecretHashesAt(now)
		current, previous = orUnmatchable(current), orUnmatchable(previous)
	}
	matches := subtle.ConstantTimeCompare([]byte(current), []byte(hash)) |
		subtle.ConstantTimeCompare([]byte(previous), []byte(hash))
	usable := found && rec.UsableAt(now)
	if !(idOK && wellFormed(KindScimClientSecret, secret) && matches == 1 && usable) {
		return zero, ErrInvalidClient
	}
	return rec, nil
}

func orUnmatchable(hash string) string {
	if hash == "" {
		return unmatchable
	}
	return hash
}

func wellFormedClientID(id string) bool {
	rest, ok := strings.CutPrefix(id, string(KindScimClientID)+"_")
	if !ok || len(rest) != base64.RawURLEncoding.EncodedLen(clientIDBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil
}
