package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

func testScimClients(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	c := directory.ScimClient{OrgID: org.ID, Name: "Entra ID", ClientID: "lkc_entra", SecretHash: "s-1"}
	noErr(t, "CreateScimClient", s.CreateScimClient(ctx(t), &c))
	if c.ID == "" || c.CreatedAt.IsZero() || c.RotatedAt != nil || c.PreviousSecretHash != "" {
		t.Fatalf("created client = %+v", c)
	}
	dup := directory.ScimClient{OrgID: other.ID, Name: "copy", ClientID: "lkc_entra", SecretHash: "s-2"}
	wantErr(t, "client id taken (in any org)", s.CreateScimClient(ctx(t), &dup), directory.ErrConflict)
	for what, bad := range map[string]directory.ScimClient{
		"without a name":      {OrgID: org.ID, ClientID: "lkc_a", SecretHash: "s"},
		"without a client id": {OrgID: org.ID, Name: "x", SecretHash: "s"},
		"without a secret":    {OrgID: org.ID, Name: "x", ClientID: "lkc_b"},
	} {
		wantErr(t, "client "+what, s.CreateScimClient(ctx(t), &bad), directory.ErrInvalid)
	}
	orphan := directory.ScimClient{OrgID: "no-such-org", Name: "x", ClientID: "lkc_c", SecretHash: "s"}
	wantErr(t, "client of an unknown org", s.CreateScimClient(ctx(t), &orphan), directory.ErrNotFound)

	got, err := s.ScimClientByClientID(ctx(t), "lkc_entra")
	noErr(t, "ScimClientByClientID", err)
	if got.ID != c.ID || got.OrgID != org.ID || got.SecretHash != "s-1" || !got.UsableAt(at(1, 0)) {
		t.Fatalf("ScimClientByClientID = %+v", got)
	}
	_, err = s.ScimClientByClientID(ctx(t), "lkc_unknown")
	wantErr(t, "unknown client id", err, directory.ErrNotFound)

	used := at(3, 7)
	noErr(t, "TouchScimClient", s.TouchScimClient(ctx(t), org.ID, c.ID, used))
	list, err := s.ListScimClients(ctx(t), org.ID)
	noErr(t, "ListScimClients", err)
	if len(list) != 1 || list[0].ID != c.ID {
		t.Fatalf("ListScimClients = %+v", list)
	}
	sameTime(t, "LastUsedAt", list[0].LastUsedAt, &used)
	if others, _ := s.ListScimClients(ctx(t), other.ID); len(others) != 0 {
		t.Fatalf("another org lists %+v", others)
	}
}

func testScimClientRotation(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	c := directory.ScimClient{OrgID: org.ID, Name: "Entra ID", ClientID: "lkc_entra", SecretHash: "s-1"}
	noErr(t, "CreateScimClient", s.CreateScimClient(ctx(t), &c))

	overlap := at(10, 0)
	noErr(t, "RotateScimClientSecret", s.RotateScimClientSecret(ctx(t), org.ID, c.ID, "s-2", overlap))
	got, err := s.ScimClientByClientID(ctx(t), "lkc_entra")
	noErr(t, "ScimClientByClientID", err)
	if got.SecretHash != "s-2" || got.PreviousSecretHash != "s-1" || got.RotatedAt == nil {
		t.Fatalf("after rotation = %+v; want s-2 current, s-1 previous", got)
	}
	sameTime(t, "PreviousSecretExpiresAt", got.PreviousSecretExpiresAt, &overlap)
	if cur, prev := got.SecretHashesAt(at(9, 0)); cur != "s-2" || prev != "s-1" {
		t.Fatalf("hashes during the overlap = %q, %q", cur, prev)
	}
	if cur, prev := got.SecretHashesAt(overlap); cur != "s-2" || prev != "" {
		t.Fatalf("hashes when the overlap ends = %q, %q; want only the new one", cur, prev)
	}

	// A second rotation keeps one previous secret: the one it replaces.
	noErr(t, "rotate again", s.RotateScimClientSecret(ctx(t), org.ID, c.ID, "s-3", overlap))
	got, _ = s.ScimClientByClientID(ctx(t), "lkc_entra")
	if got.SecretHash != "s-3" || got.PreviousSecretHash != "s-2" {
		t.Fatalf("after a second rotation = %+v", got)
	}
	// A zero overlap retires the old secret at once.
	noErr(t, "rotate without overlap", s.RotateScimClientSecret(ctx(t), org.ID, c.ID, "s-4", time.Time{}))
	got, _ = s.ScimClientByClientID(ctx(t), "lkc_entra")
	if got.SecretHash != "s-4" || got.PreviousSecretHash != "" || got.PreviousSecretExpiresAt != nil {
		t.Fatalf("after a rotation without overlap = %+v", got)
	}

	wantErr(t, "rotate another org's client", s.RotateScimClientSecret(ctx(t), other.ID, c.ID, "x", overlap), directory.ErrNotFound)
	wantErr(t, "rotate unknown", s.RotateScimClientSecret(ctx(t), org.ID, "nope", "x", overlap), directory.ErrNotFound)
	wantErr(t, "rotate to an empty hash", s.RotateScimClientSecret(ctx(t), org.ID, c.ID, "", overlap), directory.ErrInvalid)
	noErr(t, "RevokeScimClient", s.RevokeScimClient(ctx(t), org.ID, c.ID, at(11, 0)))
	wantErr(t, "rotate a revoked client", s.RotateScimClientSecret(ctx(t), org.ID, c.ID, "s-5", overlap), directory.ErrConflict)
}

func testScimClientRevocation(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	c := directory.ScimClient{OrgID: org.ID, Name: "Entra ID", ClientID: "lkc_entra", SecretHash: "s-1"}
	noErr(t, "CreateScimClient", s.CreateScimClient(ctx(t), &c))
	expires := at(20, 0)
	issued := []directory.ScimToken{
		{OrgID: org.ID, Name: "Entra ID", Hash: "t-1", ClientID: c.ID, ExpiresAt: &expires},
		{OrgID: org.ID, Name: "Entra ID", Hash: "t-2", ClientID: c.ID, ExpiresAt: &expires},
	}
	for i := range issued {
		noErr(t, "CreateScimToken for a client", s.CreateScimToken(ctx(t), &issued[i]))
		if issued[i].ClientID != c.ID {
			t.Fatalf("issued token = %+v; want client %s", issued[i], c.ID)
		}
	}
	earlier := at(2, 0)
	noErr(t, "RevokeScimToken", s.RevokeScimToken(ctx(t), org.ID, issued[1].ID, earlier))
	byHand := directory.ScimToken{OrgID: org.ID, Name: "Okta", Hash: "t-okta"}
	noErr(t, "CreateScimToken by hand", s.CreateScimToken(ctx(t), &byHand))
	stray := directory.ScimToken{OrgID: org.ID, Name: "x", Hash: "t-3", ClientID: "no-such-client"}
	wantErr(t, "token for an unknown client", s.CreateScimToken(ctx(t), &stray), directory.ErrNotFound)
	crossOrg := directory.ScimToken{OrgID: other.ID, Name: "x", Hash: "t-4", ClientID: c.ID}
	wantErr(t, "token for another org's client", s.CreateScimToken(ctx(t), &crossOrg), directory.ErrNotFound)

	tok, err := s.ScimTokenByHash(ctx(t), "t-1")
	noErr(t, "ScimTokenByHash", err)
	if tok.ClientID != c.ID || tok.ClientRevokedAt != nil || !tok.UsableAt(at(5, 0)) {
		t.Fatalf("issued token before revocation = %+v", tok)
	}

	// Inside a transaction that rolls back, neither the client nor its
	// tokens stay revoked.
	rollback := errors.New("roll back")
	err = s.InTx(ctx(t), func(tx directory.Store) error {
		noErr(t, "RevokeScimClient in a transaction", tx.RevokeScimClient(ctx(t), org.ID, c.ID, at(4, 0)))
		return rollback
	})
	wantErr(t, "InTx", err, rollback)
	if tok, _ := s.ScimTokenByHash(ctx(t), "t-1"); !tok.UsableAt(at(5, 0)) {
		t.Fatalf("a rolled-back revocation left the token unusable: %+v", tok)
	}

	wantErr(t, "revoke another org's client", s.RevokeScimClient(ctx(t), other.ID, c.ID, at(5, 0)), directory.ErrNotFound)
	wantErr(t, "revoke unknown", s.RevokeScimClient(ctx(t), org.ID, "nope", at(5, 0)), directory.ErrNotFound)
	first := at(5, 0)
	noErr(t, "RevokeScimClient", s.RevokeScimClient(ctx(t), org.ID, c.ID, first))
	noErr(t, "RevokeScimClient again", s.RevokeScimClient(ctx(t), org.ID, c.ID, at(6, 0)))

	got, err := s.ScimClientByClientID(ctx(t), "lkc_entra")
	noErr(t, "ScimClientByClientID", err)
	sameTime(t, "client RevokedAt (first revocation kept)", got.RevokedAt, &first)
	if got.UsableAt(at(5, 0)) {
		t.Fatal("a revoked client is usable")
	}
	tokens, err := s.ListScimTokens(ctx(t), org.ID)
	noErr(t, "ListScimTokens", err)
	for _, tok := range tokens {
		switch tok.ID {
		case issued[0].ID:
			sameTime(t, "issued token's RevokedAt", tok.RevokedAt, &first)
		case issued[1].ID:
			sameTime(t, "earlier revocation kept", tok.RevokedAt, &earlier)
		case byHand.ID:
			if tok.RevokedAt != nil {
				t.Fatal("revoking a client revoked a token minted by hand")
			}
		}
	}
	tok, err = s.ScimTokenByHash(ctx(t), "t-1")
	noErr(t, "ScimTokenByHash after revocation", err)
	sameTime(t, "ClientRevokedAt", tok.ClientRevokedAt, &first)
	if tok.UsableAt(at(5, 0)) {
		t.Fatal("a token of a revoked client is usable")
	}

	// A token created after the revocation (an issuance racing it) is
	// refused all the same: lookups report the client's revocation.
	late := directory.ScimToken{OrgID: org.ID, Name: "Entra ID", Hash: "t-late", ClientID: c.ID, ExpiresAt: &expires}
	noErr(t, "CreateScimToken after revocation", s.CreateScimToken(ctx(t), &late))
	tok, err = s.ScimTokenByHash(ctx(t), "t-late")
	noErr(t, "ScimTokenByHash", err)
	if tok.RevokedAt != nil || tok.UsableAt(at(5, 0)) {
		t.Fatalf("late token = %+v; want unrevoked itself but unusable", tok)
	}
}
