package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

// TestClaimSetupCommands: an operator prepares the first-access steps
// from the command line: required steps, editable fields, terms of use
// and the groups offered to people claiming, every change audited.
func TestClaimSetupCommands(t *testing.T) {
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
			out := mustRun(t, env, "claim-settings").stdout
			if !strings.Contains(out, "terms required, profile optional, picture optional, groups optional; people may edit: phone.") {
				t.Fatalf("default claim-settings printed %q", out)
			}
			out = mustRun(t, env, "claim-settings", "--picture-required=true", "--terms-optional=true", "--editable-fields", "name,title").stdout
			if !strings.Contains(out, "terms optional, profile optional, picture required, groups optional; people may edit: name, title.") {
				t.Fatalf("claim-settings printed %q", out)
			}
			if out := mustRun(t, env, "claim-settings", "--editable-fields", "none").stdout; !strings.Contains(out, "people may edit: none.") {
				t.Fatalf("claim-settings none printed %q", out)
			}
			for _, bad := range [][]string{{"--editable-fields", "salary"}, {"--groups-required", "maybe"}} {
				if r := runCLI(t, env, append([]string{"claim-settings"}, bad...)...); exitCode(r.err) != 2 {
					t.Fatalf("claim-settings %v = %v; want a usage error", bad, r.err)
				}
			}

			if out := mustRun(t, env, "terms", "show").stdout; !strings.Contains(out, "no terms of use") {
				t.Fatalf("terms show before publishing printed %q", out)
			}
			file := filepath.Join(t.TempDir(), "terms.txt")
			if err := os.WriteFile(file, []byte("Be kind.\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			mustRun(t, env, "terms", "publish", "--file", file)
			if out := mustRun(t, env, "terms", "publish", "--file", file).stdout; !strings.Contains(out, "Published version 2") {
				t.Fatalf("terms publish printed %q", out)
			}
			if out := mustRun(t, env, "terms", "show").stdout; !strings.Contains(out, "# version 2") || !strings.Contains(out, "Be kind.") {
				t.Fatalf("terms show printed %q", out)
			}

			for _, name := range []string{"Everyone", "Cyclists"} {
				g := directory.Group{OrgID: org.ID, DisplayName: name}
				if err := store.CreateGroup(t.Context(), &g); err != nil {
					t.Fatal(err)
				}
			}
			mustRun(t, env, "group", "flags", "--default=true", "Everyone")
			mustRun(t, env, "group", "flags", "--open=true", "cyclists")
			if r := runCLI(t, env, "group", "flags", "--open=true", "Nobody"); r.err == nil || !strings.Contains(r.err.Error(), "no group named") {
				t.Fatalf("flags of an unknown group = %v", r.err)
			}
			list := mustRun(t, env, "group", "list").stdout
			if !strings.Contains(list, "Cyclists  false    true") || !strings.Contains(list, "Everyone  true     false") {
				t.Fatalf("group list printed %q", list)
			}
			events, err := store.ListAudit(t.Context(), org.ID, directory.AuditQuery{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, e := range events {
				seen[e.Action]++
			}
			if seen["organization.claim_settings"] != 2 || seen["terms.publish"] != 2 || seen["group.flags"] != 2 {
				t.Fatalf("audit actions = %v", seen)
			}
		})
	}
}
