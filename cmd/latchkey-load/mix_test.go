package main

import (
	"context"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/internal/testdb"
	"github.com/latchkeyhq/latchkey/migrations"
	"github.com/latchkeyhq/latchkey/scim"
	lkserver "github.com/latchkeyhq/latchkey/server"
)

// backends are the databases the end-to-end tests run on.
var backends = []struct {
	name string
	url  func(t testing.TB) string
}{
	{"sqlite", testdb.SQLitePath},
	{"postgres", func(t testing.TB) string { return testdb.PostgresURL(t, os.Getenv) }},
}

// scimServer is the real SCIM endpoint (handler, server middleware,
// store) on a fresh database, served on loopback, with a seeded
// population: users, and groups that every user belongs to.
type scimServer struct {
	url, token string
	store      *gormstore.Store
}

func startSCIM(t *testing.T, dbURL string, users, groups int) scimServer {
	t.Helper()
	ctx := t.Context()
	dialect := dialectOf(dbURL)
	store, err := gormstore.Open(ctx, gormstore.Options{URL: dbURL, Dialect: dialect})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if _, err := migrations.Up(ctx, store.DB(), migrations.Dialect(dialect)); err != nil {
		t.Fatal(err)
	}
	org := directory.Organization{Slug: "default", Name: "Default"}
	if err := store.CreateOrganization(ctx, &org); err != nil {
		t.Fatal(err)
	}
	o := seedOptions{databaseURL: dbURL, org: "default", users: users, groups: groups, membersPerGroup: users, workers: 1, mode: "auto"}
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := seed(ctx, &cli{stdout: &strings.Builder{}, stderr: &strings.Builder{}}, o); err != nil {
		t.Fatal(err)
	}
	hasher, err := credential.NewHasher([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	token, hash, err := hasher.New(credential.KindScim)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateScimToken(ctx, &directory.ScimToken{OrgID: org.ID, Name: "load", Hash: hash}); err != nil {
		t.Fatal(err)
	}
	h := scim.New(scim.Options{Store: store, Hasher: hasher, BaseURL: "http://127.0.0.1", RatePerSecond: 1e6, Burst: 1e6})
	srv := httptest.NewServer(lkserver.New(lkserver.Options{DB: store, Areas: []lkserver.Area{h}}).Handler())
	t.Cleanup(srv.Close)
	return scimServer{url: srv.URL, token: token, store: store}
}

func (s scimServer) count(t *testing.T, query string) int64 {
	t.Helper()
	var n int64
	if err := s.store.DB().QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// opsIn counts how many of the first steps of a mix run operation name
// (the Okta mix's step 0 is its walk).
func opsIn(mixName, name string, steps int) int64 {
	ops := mixOps(mixName)
	cycle := opCycle(ops)
	var n int64
	for seq := range steps {
		if mixName == "okta" && seq%mixWalkEvery == 0 {
			continue
		}
		if ops[cycle[seq%len(cycle)]].name == name {
			n++
		}
	}
	return n
}

// TestMixesAgainstARealServer replays each mix through `run` and checks
// what it did to the directory: every filter-then-create made a user,
// the patches and PUTs wrote, the member changes took members out of
// groups everyone was in, and the report names every operation and
// request kind.
func TestMixesAgainstARealServer(t *testing.T) {
	const users, steps = 40, 60
	for _, b := range backends {
		for _, mixName := range []string{"entra", "okta"} {
			t.Run(b.name+"/"+mixName, func(t *testing.T) {
				s := startSCIM(t, b.url(t), users, 2)
				before := s.count(t, "SELECT count(*) FROM group_members")
				out, errOut, err := runCLI("run", "--url", s.url, "--token", s.token, "--scenario", mixName,
					"--users", "40", "--sample", "40", "--requests", "60", "--concurrency", "2", "--run-id", "t")
				if err != nil {
					t.Fatalf("run: %v\n%s", err, errOut)
				}
				t.Log(out)
				wantKinds := map[string][]string{
					"entra": {"filter miss", "create", "patch", "members", "lookup"},
					"okta":  {"filter miss", "create", "get", "put", "deactivate", "members", "walk page"},
				}[mixName]
				for _, k := range wantKinds {
					if !strings.Contains(out, "| request: "+k+" |") {
						t.Errorf("the report lacks request kind %q:\n%s", k, out)
					}
				}
				for _, op := range mixOps(mixName) {
					if !strings.Contains(out, "| operation: "+op.name+" |") {
						t.Errorf("the report lacks operation %q:\n%s", op.name, out)
					}
				}
				if !strings.Contains(out, " 0 failed requests, 0 wrong answers") {
					t.Errorf("requests failed:\n%s", out)
				}
				created := s.count(t, "SELECT count(*) FROM accounts WHERE user_name LIKE 'new-t-"+mixName+"-%'")
				if want := opsIn(mixName, "filter-then-create", steps); created != want || want == 0 {
					t.Errorf("%d users created; want %d", created, want)
				}
				if after := s.count(t, "SELECT count(*) FROM group_members"); after >= before {
					t.Errorf("group members %d before, %d after: no member left a group", before, after)
				}
				written := map[string]string{"entra": "Title %", "okta": "Okta title %"}[mixName]
				if n := s.count(t, "SELECT count(*) FROM accounts WHERE title LIKE '"+written+"'"); n == 0 {
					t.Errorf("no user has a title like %q: the updates did not apply", written)
				}
				if mixName == "okta" {
					if n := s.count(t, "SELECT count(*) FROM accounts WHERE NOT active"); n == 0 {
						t.Error("no user was deactivated")
					}
					if !strings.Contains(out, "| operation: full walk | 1 |") {
						t.Errorf("the walk did not run once:\n%s", out)
					}
				}
			})
		}
	}
}

func TestOpCycleInterleavesByWeight(t *testing.T) {
	for _, name := range []string{"entra", "okta"} {
		ops := mixOps(name)
		cycle := opCycle(ops)
		if len(cycle) != mixCycle {
			t.Fatalf("%s: cycle of %d", name, len(cycle))
		}
		for i, op := range ops {
			if got := countOf(cycle, i); got != op.weight {
				t.Errorf("%s: %s %d times in a cycle; want %d", name, op.name, got, op.weight)
			}
		}
		// The heaviest op never takes a whole run of the cycle's first
		// steps: 8 clients starting together get a mix.
		if first := cycle[:4]; countOf(first, first[0]) == len(first) {
			t.Errorf("%s: cycle starts %v", name, first)
		}
	}
}

func countOf(list []int, v int) int {
	n := 0
	for _, x := range list {
		if x == v {
			n++
		}
	}
	return n
}

func TestOperationSummary(t *testing.T) {
	ok := part{kind: "filter miss", status: 200}
	created := part{kind: "create", status: 201}
	conflict := part{kind: "create", status: 409}
	if o := operation("x", []part{ok, created}); o.status != 201 || o.op != "x" || len(o.parts) != 2 {
		t.Errorf("ok pair: %+v", o)
	}
	if o := operation("x", []part{conflict, created}); o.status != 409 {
		t.Errorf("the first failure decides: %+v", o)
	}
	if o := operation("x", []part{{kind: "filter miss", status: 200, wrong: true}}); !o.wrong || o.status != 200 {
		t.Errorf("a wrong answer: %+v", o)
	}
	if !slices.Equal(distinct([]string{"a", "b", "a", "c", "b"}), []string{"a", "b", "c"}) {
		t.Error("distinct")
	}
}
