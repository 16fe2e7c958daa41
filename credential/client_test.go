package credential

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

type clientRecord struct {
	id, current, previous string
	previousUntil         time.Time
	revoked               bool
}

func (c clientRecord) SecretHashesAt(now time.Time) (string, string) {
	if now.Before(c.previousUntil) {
		return c.current, c.previous
	}
	return c.current, ""
}

func (c clientRecord) UsableAt(time.Time) bool { return !c.revoked }

func TestNewClientID(t *testing.T) {
	shape := regexp.MustCompile(`^lkc_[A-Za-z0-9_-]{22}$`)
	seen := map[string]bool{}
	for range 1000 {
		id, err := NewClientID()
		if err != nil {
			t.Fatal(err)
		}
		if !shape.MatchString(id) || seen[id] || !wellFormedClientID(id) {
			t.Fatalf("client id %q is malformed or repeated", id)
		}
		seen[id] = true
	}
	secret, _, err := newHasher(t).New(KindScimClientSecret)
	if err != nil || !regexp.MustCompile(`^lksc_[A-Za-z0-9_-]{43}$`).MatchString(secret) {
		t.Fatalf("client secret %q, %v", secret, err)
	}
}

func TestAuthenticateClient(t *testing.T) {
	h := newHasher(t)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	secret := func() (string, string) {
		s, hash, err := h.New(KindScimClientSecret)
		if err != nil {
			t.Fatal(err)
		}
		return s, hash
	}
	id := func() string {
		id, err := NewClientID()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	current, currentHash := secret()
	old, oldHash := secret()
	retired, retiredHash := secret()
	revokedSecret, revokedHash := secret()
	scimToken, scimTokenHash, _ := h.New(KindScim)
	rotating, expired, revoked, plain, unknown := id(), id(), id(), id(), id()
	db := map[string]clientRecord{
		rotating: {id: rotating, current: currentHash, previous: oldHash, previousUntil: now.Add(time.Hour)},
		expired:  {id: expired, current: currentHash, previous: retiredHash, previousUntil: now},
		revoked:  {id: revoked, current: revokedHash, revoked: true},
		plain:    {id: plain, current: scimTokenHash},
	}
	var looked []string
	find := func(_ context.Context, clientID string) (clientRecord, error) {
		looked = append(looked, clientID)
		r, ok := db[clientID]
		if !ok {
			return clientRecord{}, errNotFound
		}
		return r, nil
	}
	isNotFound := func(err error) bool { return errors.Is(err, errNotFound) }

	tests := []struct {
		name, clientID, secret string
		ok                     bool
	}{
		{"current secret", rotating, current, true},
		{"previous secret during the overlap", rotating, old, true},
		{"previous secret when the overlap has ended", expired, retired, false},
		{"current secret after the overlap", expired, current, true},
		{"revoked client with its right secret", revoked, revokedSecret, false},
		{"unknown client", unknown, current, false},
		{"another client's secret", rotating, revokedSecret, false},
		{"a SCIM token as the secret", plain, scimToken, false},
		{"empty secret", rotating, "", false},
		{"secret with a suffix", rotating, current + "x", false},
		{"malformed client id", "lkc_' OR 1=1 --", current, false},
		{"empty client id", "", current, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			looked = nil
			rec, err := AuthenticateClient(t.Context(), h, tc.clientID, tc.secret, now, find, isNotFound)
			if len(looked) != 1 || !wellFormedClientID(looked[0]) {
				t.Fatalf("lookups %q; want exactly one, of a well-formed id, whatever the input", looked)
			}
			if tc.ok {
				if err != nil || rec.id != tc.clientID {
					t.Fatalf("AuthenticateClient = %+v, %v; want client %s", rec, err, tc.clientID)
				}
				return
			}
			if !errors.Is(err, ErrInvalidClient) || rec != (clientRecord{}) {
				t.Fatalf("AuthenticateClient = %+v, %v; want the zero record and ErrInvalidClient", rec, err)
			}
		})
	}
}

func TestAuthenticateClientPassesOutages(t *testing.T) {
	h := newHasher(t)
	outage := errors.New("database down")
	find := func(context.Context, string) (clientRecord, error) { return clientRecord{}, outage }
	id, _ := NewClientID()
	_, err := AuthenticateClient(t.Context(), h, id, "lksc_"+strings.Repeat("A", 43), time.Now(), find, func(error) bool { return false })
	if !errors.Is(err, outage) {
		t.Fatalf("AuthenticateClient during an outage = %v; want the outage error (answered 503, not 401)", err)
	}
}
