package claim

import (
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

func testSecrets(t testing.TB) Secrets {
	s, err := NewSecrets([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func invitedAccount() directory.Account {
	expires := time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)
	return directory.Account{OrgID: "0190b1a2-0000-7000-8000-000000000001", ID: "0190b1a2-0000-7000-8000-0000000000aa",
		State: directory.StateInvited, Active: true, InviteGeneration: 1, InviteExpiresAt: &expires,
		AccessCodeGeneration: 1, AccessCodeExpiresAt: &expires}
}

func TestLinkTokenDiesWithEveryInput(t *testing.T) {
	s := testSecrets(t)
	a := invitedAccount()
	token := s.LinkToken(a)
	if len(token) < 43 || !s.CheckLinkToken(a, token) {
		t.Fatalf("token %q (%d chars) does not check against its account", token, len(token))
	}
	org, acc, err := ParseLinkToken(token)
	if err != nil || org != a.OrgID || acc != a.ID {
		t.Fatalf("ParseLinkToken = %s, %s, %v", org, acc, err)
	}
	later := a.InviteExpiresAt.Add(time.Hour)
	for name, change := range map[string]func(*directory.Account){
		"next generation": func(a *directory.Account) { a.InviteGeneration++ },
		"other expiry":    func(a *directory.Account) { a.InviteExpiresAt = &later },
		"other account":   func(a *directory.Account) { a.ID = "0190b1a2-0000-7000-8000-0000000000ab" },
		"other org":       func(a *directory.Account) { a.OrgID = "0190b1a2-0000-7000-8000-000000000002" },
	} {
		b := a
		change(&b)
		if s.CheckLinkToken(b, token) {
			t.Errorf("%s: the old token still checks", name)
		}
	}
	other, _ := NewSecrets([]byte(strings.Repeat("x", 32)))
	if other.CheckLinkToken(a, token) {
		t.Error("a token checks under another server key")
	}
	a.InviteGeneration = 0
	if s.LinkToken(a) != "" {
		t.Error("a never-invited account has a link")
	}
}

func TestAccessCodes(t *testing.T) {
	s := testSecrets(t)
	a := invitedAccount()
	code := s.AccessCode(a)
	if len(code) != CodeLength || strings.Trim(code, codeAlphabet) != "" {
		t.Fatalf("code %q is not %d letters of %s", code, CodeLength, codeAlphabet)
	}
	if code != s.AccessCode(a) {
		t.Fatal("the code is not derivable again")
	}
	b := a
	b.AccessCodeGeneration++
	if s.AccessCode(b) == code {
		t.Fatal("a new generation keeps the code")
	}
	typed := strings.ToLower(FormatCode(code)[:9]) + " " + FormatCode(code)[10:]
	got, err := NormalizeCode(typed)
	if err != nil || got != code || s.CodeHash(got) != s.CodeHash(code) {
		t.Fatalf("NormalizeCode(%q) = %q, %v; want %q", typed, got, err, code)
	}
	for _, bad := range []string{"", "ABCD", code + "A", "IIII-OOOO-AAAA-BBBB", "ABCD-EFGH-JKLM-NPQ1"} {
		if _, err := NormalizeCode(bad); err == nil {
			t.Errorf("NormalizeCode(%q) accepted", bad)
		}
	}
	if strings.Contains(s.CodeHash(code), code) {
		t.Fatal("the hash contains the code")
	}
}

// TestCodeSpread: codes of many accounts are distinct and use the whole
// alphabet (a broken derivation shows up as repeats or missing letters).
func TestCodeSpread(t *testing.T) {
	s := testSecrets(t)
	a := invitedAccount()
	seen := map[string]bool{}
	letters := map[rune]int{}
	for i := range 2000 {
		a.AccessCodeGeneration = int64(i + 1)
		code := s.AccessCode(a)
		if seen[code] {
			t.Fatalf("code %s repeated", code)
		}
		seen[code] = true
		for _, r := range code {
			letters[r]++
		}
	}
	if len(letters) != len(codeAlphabet) {
		t.Fatalf("codes used %d of %d letters", len(letters), len(codeAlphabet))
	}
}

func FuzzParseLinkToken(f *testing.F) {
	s := testSecrets(f)
	f.Add(s.LinkToken(invitedAccount()))
	f.Add("")
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, token string) {
		org, acc, err := ParseLinkToken(token)
		if err == nil && (len(org) != 36 || len(acc) != 36) {
			t.Fatalf("accepted %q as %q/%q", token, org, acc)
		}
	})
}

func FuzzNormalizeCode(f *testing.F) {
	f.Add("abcd-efgh-jkmn-pqrs")
	f.Add("")
	f.Fuzz(func(t *testing.T, typed string) {
		code, err := NormalizeCode(typed)
		if err == nil && (len(code) != CodeLength || strings.Trim(code, codeAlphabet) != "") {
			t.Fatalf("NormalizeCode(%q) = %q", typed, code)
		}
	})
}

func TestSessionHashIsKeyed(t *testing.T) {
	s := testSecrets(t)
	other, _ := NewSecrets([]byte(strings.Repeat("x", 32)))
	h := s.SessionHash("secret")
	switch {
	case len(h) != 64:
		t.Errorf("hash %q is not 64 hex digits", h)
	case h != s.SessionHash("secret"):
		t.Error("the hash is not stable")
	case h == s.SessionHash("secret2"):
		t.Error("two secrets share a hash")
	case h == other.SessionHash("secret"):
		t.Error("another server key gives the same hash")
	case h == s.CodeHash("secret"):
		t.Error("session and access-code hashes share a key")
	}
}
