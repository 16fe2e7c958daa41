package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/password"
)

// TestAdminPassword: a generated password is printed once as the last
// line and verifies against what is stored; one from a file is checked
// by the password rules; an unknown admin is refused with advice.
func TestAdminPassword(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			env := b.env(t)
			env["USER"] = "ops"
			mustRun(t, env, "migrate")
			mustRun(t, env, "admin", "create", "--email", "root@example.com", "--role", "system_admin")
			store, _ := openForInspection(t, env)
			org, err := store.OrganizationBySlug(t.Context(), "default")
			if err != nil {
				t.Fatal(err)
			}
			adm, err := store.AdminByEmail(t.Context(), org.ID, "root@example.com")
			if err != nil {
				t.Fatal(err)
			}

			out := mustRun(t, env, "admin", "password", "--email", "root@example.com")
			pw := out.lastLine()
			if !regexp.MustCompile(`^[A-Z2-7]{20}$`).MatchString(pw) || !strings.Contains(out.stdout, "console sessions have ended") {
				t.Fatalf("admin password printed %q", out.stdout)
			}
			hash, err := store.AdminPassword(t.Context(), adm.OrgID, adm.ID)
			if ok, _, _ := password.Verify(pw, hash); err != nil || !ok {
				t.Fatalf("the printed password does not verify (%v)", err)
			}

			file := filepath.Join(t.TempDir(), "pw")
			if err := os.WriteFile(file, []byte("short\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if r := runCLI(t, env, "admin", "password", "--email", "root@example.com", "--password-file", file); exitCode(r.err) != 2 {
				t.Fatalf("a too short password: %v", r.err)
			}
			if err := os.WriteFile(file, []byte("a long passphrase here\r\nsecond line\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if out := mustRun(t, env, "admin", "password", "--email", "root@example.com", "--password-file", file); strings.Contains(out.stdout, "passphrase") {
				t.Fatalf("the password from the file was printed: %q", out.stdout)
			}
			hash, _ = store.AdminPassword(t.Context(), adm.OrgID, adm.ID)
			if ok, _, _ := password.Verify("a long passphrase here", hash); !ok {
				t.Fatal("the password from the file does not verify")
			}
			if r := runCLI(t, env, "admin", "password", "--email", "nobody@example.com"); r.err == nil || !strings.Contains(r.err.Error(), "latchkey admin create") {
				t.Fatalf("an unknown admin: %v", r.err)
			}
			checkAudit(t, store, "default", "admin.password_set")
		})
	}
}
