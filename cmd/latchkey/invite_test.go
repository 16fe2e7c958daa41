package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

var accessCodeInOutput = regexp.MustCompile(`[A-HJ-NP-Z]{4}-[A-HJ-NP-Z]{4}-[A-HJ-NP-Z]{4}-[A-HJ-NP-Z]{4}`)

// TestInvitationCommands: an operator sets up invitations from the
// command line: settings, rules, templates, inviting and access codes,
// every change audited.
func TestInvitationCommands(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			env := b.env(t)
			env["USER"] = "ops"
			mustRun(t, env, "migrate")
			store, _ := openForInspection(t, env)
			org, err := store.OrganizationBySlug(t.Context(), "default")
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range []directory.Account{
				{OrgID: org.ID, UserName: "ada@acme.example", Emails: []directory.Email{{Type: "work", Value: "ada@acme.example"}}, Active: true, State: directory.StateNotInvited},
				{OrgID: org.ID, UserName: "E-1042", Active: true, State: directory.StateNotInvited, Frontline: true},
			} {
				if err := store.CreateAccount(t.Context(), &a); err != nil {
					t.Fatal(err)
				}
			}

			out := mustRun(t, env, "org", "settings", "--auto-invite=true", "--invite-hour", "8", "--time-zone", "Europe/Berlin").stdout
			if !strings.Contains(out, "auto-invite true, start-date invitations at 08:00 Europe/Berlin") {
				t.Fatalf("org settings printed %q", out)
			}
			if r := runCLI(t, env, "org", "settings", "--time-zone", "Mars/Olympus"); exitCode(r.err) != 2 {
				t.Fatalf("an unknown time zone = %v; want a usage error", r.err)
			}

			added := mustRun(t, env, "invite-rule", "add", "--name", "Sales", "--filter", `department eq "Sales"`, "--action", "invite_now").stdout
			ruleID := idInOutput.FindStringSubmatch(added)[1]
			if r := runCLI(t, env, "invite-rule", "add", "--name", "Bad", "--filter", `nope eq "x"`, "--action", "invite_now"); exitCode(r.err) != 2 {
				t.Fatalf("a rule with a bad filter = %v; want a usage error", r.err)
			}
			if r := runCLI(t, env, "invite-rule", "add", "--name", "Bad", "--filter", `title pr`, "--action", "sometimes"); exitCode(r.err) != 2 {
				t.Fatalf("a rule with a bad action = %v; want a usage error", r.err)
			}
			if list := mustRun(t, env, "invite-rule", "list").stdout; !strings.Contains(list, ruleID) || !strings.Contains(list, `department eq "Sales"`) {
				t.Fatalf("invite-rule list printed %q", list)
			}
			mustRun(t, env, "invite-rule", "remove", ruleID)

			out = mustRun(t, env, "invite", "ada@acme.example", "--message", "See you Monday").stdout
			if !strings.Contains(out, "ada@acme.example: invited") {
				t.Fatalf("invite printed %q", out)
			}
			if out := mustRun(t, env, "invite", "ada@acme.example").stdout; !strings.Contains(out, "already invited") {
				t.Fatalf("inviting again printed %q", out)
			}
			if r := runCLI(t, env, "invite", "nobody@acme.example"); r.err == nil || !strings.Contains(r.stderr, "no such user") {
				t.Fatalf("inviting an unknown user = %v, %q", r.err, r.stderr)
			}
			out = mustRun(t, env, "access-code", "issue", "E-1042").stdout
			code := accessCodeInOutput.FindString(out)
			if code == "" {
				t.Fatalf("access-code issue printed %q", out)
			}
			mustRun(t, env, "access-code", "cancel", "E-1042")
			a, err := store.AccountByUserName(t.Context(), org.ID, "E-1042")
			if err != nil || a.AccessCodeHash != "" {
				t.Fatalf("after cancel the code hash is %q (%v)", a.AccessCodeHash, err)
			}

			text := filepath.Join(t.TempDir(), "invite.txt")
			if err := os.WriteFile(text, []byte("Hi {{.GivenName}}, join {{.OrgName}}: {{.Link}}\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			mustRun(t, env, "template", "set", "--kind", "invitation", "--subject", "Join {{.OrgName}}", "--text-file", text)
			if out := mustRun(t, env, "template", "show", "--kind", "invitation").stdout; !strings.Contains(out, "Join {{.OrgName}}") || !strings.Contains(out, "Hi {{.GivenName}}") {
				t.Fatalf("template show printed %q", out)
			}
			if r := runCLI(t, env, "template", "set", "--subject", "{{.Nope}}"); exitCode(r.err) != 2 {
				t.Fatalf("a template that does not render = %v; want a usage error", r.err)
			}
			checkAudit(t, store, "default", "organization.settings", "invite_rule.create", "invite_rule.delete",
				"account.invite", "access_code.issue", "access_code.cancel", "template.set")
		})
	}
}
