package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/migrations"
)

// TestReplicasMigrateAtOnce starts four `latchkey migrate` processes at
// once on an empty database, as replicas of a new deploy do. All exit 0;
// one applies every migration and the others find nothing to do; the
// database ends with River's tables and one default organization.
func TestReplicasMigrateAtOnce(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			env := b.env(t)
			const n = 4
			outs := make([]string, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					cmd := exec.Command(os.Args[0], "migrate")
					cmd.Env = childEnviron(env, map[string]string{childEnv: "1"})
					var out bytes.Buffer
					cmd.Stdout, cmd.Stderr = &out, &out
					errs[i] = cmd.Run()
					outs[i] = out.String()
				})
			}
			wg.Wait()
			applied := 0
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("replica %d: %v\n%s", i, errs[i], outs[i])
				}
				switch {
				case strings.Contains(outs[i], "Applied 00001_directory.sql"):
					applied++
				case !strings.Contains(outs[i], "up to date"):
					t.Errorf("replica %d printed %q; want applied migrations or up to date", i, outs[i])
				}
			}
			if applied != 1 {
				t.Errorf("%d replicas applied the migrations; want exactly 1\n%s", applied, strings.Join(outs, "\n---\n"))
			}
			// org list checks the whole schema, River's tables included.
			orgs := mustRun(t, env, "org", "list").stdout
			if strings.Count(orgs, "Default organization") != 1 {
				t.Errorf("org list after the replicas printed %q; want one default organization", orgs)
			}
		})
	}
}

// TestRefusesNewerDatabase: once a newer release has migrated the
// database, this binary's migrate and serve (migrating or not) exit
// non-zero, tell the operator to run the newer release rather than
// downgrade, and leave the database as it was.
func TestRefusesNewerDatabase(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			env := b.env(t)
			mustRun(t, env, "migrate")
			rows := pretendNewerRelease(t, env)
			for _, c := range []struct {
				name string
				args []string
				set  map[string]string
			}{
				{"migrate", []string{"migrate"}, nil},
				{"serve", []string{"serve"}, map[string]string{"LATCHKEY_LISTEN": "127.0.0.1:0"}},
				{"serve without migrating", []string{"serve"}, map[string]string{"LATCHKEY_LISTEN": "127.0.0.1:0", "LATCHKEY_MIGRATE_ON_START": "false"}},
			} {
				runEnv := map[string]string{}
				for k, v := range env {
					runEnv[k] = v
				}
				for k, v := range c.set {
					runEnv[k] = v
				}
				r := runCLI(t, runEnv, c.args...)
				if r.err == nil || exitCode(r.err) != 1 {
					t.Fatalf("%s on a newer database = %v; want a failure (exit 1)", c.name, r.err)
				}
				for _, advice := range []string{"newer than this binary", "never run an older binary", "restore the backup"} {
					if !strings.Contains(r.err.Error(), advice) {
						t.Errorf("%s said %q; want it to contain %q", c.name, r.err, advice)
					}
				}
			}
			if after := versionRows(t, env); after != rows {
				t.Errorf("%s went from %d to %d rows", migrations.TableName, rows, after)
			}
		})
	}
}

// pretendNewerRelease records a migration one past the last this binary
// knows, as the next release would, and returns the version rows.
func pretendNewerRelease(t *testing.T, env map[string]string) int {
	t.Helper()
	store := openRaw(t, env)
	list, err := migrations.Status(t.Context(), store.DB(), migrations.Dialect(store.Dialect()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.DB().ExecContext(t.Context(), fmt.Sprintf("INSERT INTO %s (version_id, is_applied) VALUES (%d, true)",
		migrations.TableName, list[len(list)-1].Version+1))
	if err != nil {
		t.Fatal(err)
	}
	return versionRows(t, env)
}

func versionRows(t *testing.T, env map[string]string) int {
	t.Helper()
	var n int
	if err := openRaw(t, env).DB().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+migrations.TableName).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// openRaw opens the test's database without any schema check.
func openRaw(t *testing.T, env map[string]string) *gormstore.Store {
	t.Helper()
	dialect := gormstore.SQLite
	if strings.HasPrefix(env["LATCHKEY_DATABASE_URL"], "postgres") {
		dialect = gormstore.Postgres
	}
	store, err := gormstore.Open(t.Context(), gormstore.Options{URL: env["LATCHKEY_DATABASE_URL"], Dialect: dialect})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store
}
