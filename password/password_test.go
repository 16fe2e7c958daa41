package password

import (
	"errors"
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"
)

func TestHashAndVerify(t *testing.T) {
	h, err := Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("PHC string %q does not carry the OWASP parameters", h)
	}
	if ok, rehash, err := Verify("correct horse battery staple", h); !ok || rehash || err != nil {
		t.Fatalf("Verify(right) = %v, %v, %v", ok, rehash, err)
	}
	if ok, _, _ := Verify("correct horse battery stapl", h); ok {
		t.Fatal("a wrong password verified")
	}
	// NFKC: a full-width letter typed on another keyboard is the same.
	if ok, _, _ := Verify("correct horse battery ｓtaple", h); !ok {
		t.Fatal("the NFKC-equivalent password did not verify")
	}
	// Never truncated: the first 72 bytes of a long password do not match.
	long := strings.Repeat("tesseract-", 10)
	lh, _ := Hash(long)
	if ok, _, _ := Verify(long[:72], lh); ok {
		t.Fatal("a truncated long password verified")
	}
	weak, err := argon2id.CreateHash("correct horse battery staple", &argon2id.Params{Memory: 8 * 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash, _ := Verify("correct horse battery staple", weak); !ok || !rehash {
		t.Fatalf("a hash with weaker parameters: ok %v rehash %v; want both", ok, rehash)
	}
	if _, _, err := Verify("x", "not a hash"); err == nil {
		t.Fatal("a malformed hash verified without error")
	}
}

func TestCheck(t *testing.T) {
	context := []string{"ada.lovelace@acme.example", "Ada", "Lovelace", "Acme Inc", "acme"}
	for _, tc := range []struct {
		pw    string
		ok    bool
		about string
	}{
		{"short", false, "at least 8"},
		{"1234567", false, "at least 8"},
		{"password", false, "common"},
		{"Password123!", false, "common"},
		{"qwertyuiop", false, "common"},
		{"aaaaaaaaaaaa", false, "common"},
		{"Acme2025!", false, "name"},
		{"lovelace", false, "name"},
		{"ada.lovelace@acme.example", false, "name"},
		{strings.Repeat("x", 257), false, "at most"},
		{"aaaaaaaaaaaaaaab", true, ""},
		{"tangerine orbit wallpaper", true, ""},
		{strings.Repeat("ab", 32), true, ""},
		{"Lovelace engine notes 1843", true, ""},
	} {
		err := Check(tc.pw, context...)
		switch {
		case tc.ok && err != nil:
			t.Errorf("Check(%q) = %v; want accepted", tc.pw, err)
		case !tc.ok && (err == nil || !errors.Is(err, ErrRefused)):
			t.Errorf("Check(%q) = %v; want refused (%s)", tc.pw, err, tc.about)
		case !tc.ok && !strings.Contains(strings.ToLower(err.Error()), tc.about):
			t.Errorf("Check(%q) says %q; want it to mention %q", tc.pw, err, tc.about)
		}
	}
	if len(common) < 9000 {
		t.Fatalf("the blocklist holds %d passwords", len(common))
	}
}

func FuzzCheck(f *testing.F) {
	f.Add("correct horse battery staple", "acme")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, pw, ctx string) {
		err := Check(pw, ctx)
		if err != nil && !errors.Is(err, ErrRefused) {
			t.Fatalf("Check returned a non-Problem error %v", err)
		}
	})
}
