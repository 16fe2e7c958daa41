package credential

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

type record struct {
	hash    string
	revoked bool
	expires time.Time
}

func (r record) StoredHash() string { return r.hash }
func (r record) UsableAt(now time.Time) bool {
	return !r.revoked && (r.expires.IsZero() || now.Before(r.expires))
}

var errNotFound = errors.New("not found")

func newHasher(t *testing.T) Hasher {
	t.Helper()
	h, err := NewHasher([]byte(strings.Repeat("k", MinKeyLength)))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestNewTokens(t *testing.T) {
	h := newHasher(t)
	shape := regexp.MustCompile(`^lks_[A-Za-z0-9_-]{43}$`)
	seen := map[string]bool{}
	for range 2000 {
		tok, hash, err := h.New(KindScim)
		if err != nil {
			t.Fatal(err)
		}
		if !shape.MatchString(tok) || seen[tok] {
			t.Fatalf("token %q is malformed or repeated", tok)
		}
		if strings.Contains(hash, tok) || hash != h.Hash(tok) || len(hash) != 64 {
			t.Fatalf("hash %q is not the keyed hash of the token", hash)
		}
		seen[tok] = true
	}
}

func TestHashDependsOnKey(t *testing.T) {
	a := newHasher(t)
	b, err := NewHasher([]byte(strings.Repeat("z", MinKeyLength)))
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash("same") == b.Hash("same") {
		t.Fatal("two server keys produce the same hash")
	}
	if _, err := NewHasher([]byte("short")); err == nil {
		t.Fatal("a short key was accepted")
	}
}

func TestAuthenticate(t *testing.T) {
	h := newHasher(t)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	good, goodHash, _ := h.New(KindScim)
	revoked, revokedHash, _ := h.New(KindScim)
	expired, expiredHash, _ := h.New(KindScim)
	admin, adminHash, _ := h.New(KindAdmin)
	db := map[string]record{
		goodHash:    {hash: goodHash, expires: now.Add(time.Hour)},
		revokedHash: {hash: revokedHash, revoked: true},
		expiredHash: {hash: expiredHash, expires: now},
		adminHash:   {hash: adminHash},
	}
	lookups := 0
	find := func(_ context.Context, hash string) (record, error) {
		lookups++
		r, ok := db[hash]
		if !ok {
			return record{}, errNotFound
		}
		return r, nil
	}
	isNotFound := func(err error) bool { return errors.Is(err, errNotFound) }

	tests := []struct {
		name, token string
		ok          bool
	}{
		{"good", good, true},
		{"revoked", revoked, false},
		{"expired at its expiry instant", expired, false},
		{"unknown", "lks_" + strings.Repeat("A", 43), false},
		{"other kind", admin, false},
		{"malformed", "hello", false},
		{"empty", "", false},
		{"good with suffix", good + "x", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := lookups
			rec, err := Authenticate(t.Context(), h, KindScim, tc.token, now, find, isNotFound)
			if lookups != before+1 {
				t.Fatalf("Authenticate did %d lookups; want exactly 1 whatever the input", lookups-before)
			}
			if tc.ok {
				if err != nil || rec.hash != goodHash {
					t.Fatalf("Authenticate = %+v, %v; want the good record", rec, err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Authenticate = %v; want ErrInvalid", err)
			}
		})
	}
}

func TestAuthenticatePassesOutages(t *testing.T) {
	h := newHasher(t)
	outage := errors.New("database down")
	find := func(context.Context, string) (record, error) { return record{}, outage }
	_, err := Authenticate(t.Context(), h, KindScim, "lks_x", time.Now(), find, func(error) bool { return false })
	if !errors.Is(err, outage) {
		t.Fatalf("Authenticate during an outage = %v; want the outage error (answered 503, not 401)", err)
	}
}
