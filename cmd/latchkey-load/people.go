package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/latchkeyhq/latchkey/admin"
	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/migrations"
	lkserver "github.com/latchkeyhq/latchkey/server"
)

// The people-list target of the admin API issue: "People list with
// filters at 1,000,000 accounts: p99 under 50 ms for any page".
//
// `people` seeds N accounts into a database of its own, then calls the
// admin API in this process (router, token check, handler, store, JSON)
// with the shapes a console sends: status tabs, departments, searches,
// each order, every list walked --pages deep by its cursors, and the
// counts. It prints each shape's page latencies.

const peoplePageTarget = 50 * time.Millisecond

type peopleFlags struct {
	databaseURL, dbName string
	users, pages, limit int
	reuse, keep         bool
}

func (f *peopleFlags) validate() error {
	var problems []string
	if err := checkDatabaseTarget(f.databaseURL); err != nil {
		problems = append(problems, err.Error())
	}
	if f.users < peopleManagers || f.users > 10_000_000 {
		problems = append(problems, fmt.Sprintf("--users must be between %d and 10,000,000", peopleManagers))
	}
	if f.pages < 1 || f.pages > 10_000 {
		problems = append(problems, "--pages must be between 1 and 10,000")
	}
	if f.limit < 1 || f.limit > directory.MaxPageSize {
		problems = append(problems, "--limit must be between 1 and 1000")
	}
	if len(problems) > 0 {
		return usagef("people: %s", strings.Join(problems, "; "))
	}
	return nil
}

func runPeople(ctx context.Context, env *cli, args []string) error {
	fs := newFlagSet(env, "people", "people --database-url URL [--users N] [--pages N] [flags]")
	f := &peopleFlags{}
	fs.StringVar(&f.databaseURL, "database-url", "", "postgres://... on this machine (people creates and drops its own database next to it), or a SQLite file path that does not exist yet (the target is named for PostgreSQL)")
	fs.StringVar(&f.dbName, "db-name", "latchkey_bench_people", "the database people creates (must start with latchkey_bench)")
	fs.IntVar(&f.users, "users", 1_000_000, "accounts to seed")
	fs.IntVar(&f.pages, "pages", 200, "pages each list is walked deep by its cursors (and times each count is asked)")
	fs.IntVar(&f.limit, "limit", 50, "people per page (the API's default is 50)")
	fs.BoolVar(&f.reuse, "reuse", false, "reuse a database an earlier run kept (--keep) instead of seeding again")
	fs.BoolVar(&f.keep, "keep", false, "keep the database afterwards")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := f.validate(); err != nil {
		return err
	}
	db, err := prepareDB(ctx, f.databaseURL, f.dbName, f.reuse, f.keep)
	if err != nil {
		return err
	}
	defer func() {
		if err := db.cleanup(context.WithoutCancel(ctx)); err != nil {
			fmt.Fprintln(env.stderr, "latchkey-load: drop the benchmark database:", err)
		}
	}()
	results, err := peopleBench(ctx, env, f, db.URL)
	if err != nil {
		return err
	}
	fmt.Fprint(env.stdout, peopleReport(f, results))
	return nil
}

// peopleBench prepares the organization (seeding it when empty), warms
// the caches as a running server's are, and measures every shape.
func peopleBench(ctx context.Context, env *cli, f *peopleFlags, url string) ([]peopleResult, error) {
	store, err := openMigrated(ctx, url)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	org, err := peopleOrg(ctx, store)
	if err != nil {
		return nil, err
	}
	if err := ensurePeople(ctx, env, store, url, org.ID, f.users); err != nil {
		return nil, err
	}
	client, err := newPeopleClient(ctx, store, org.ID)
	if err != nil {
		return nil, err
	}
	for _, s := range peopleShapes { // warm-up, not measured
		if _, err := measureShape(ctx, client, s, 3, f.limit); err != nil {
			return nil, err
		}
	}
	var results []peopleResult
	for _, s := range peopleShapes {
		res, err := measureShape(ctx, client, s, f.pages, f.limit)
		if err != nil {
			return nil, err
		}
		sum, first := summarize(res.samples), summarize(res.first)
		fmt.Fprintf(env.stderr, "%-30s first page p99 %-9s %4d pages  p50 %-9s p99 %-9s max %s\n",
			s.name, ms(first.P99), sum.Count, ms(sum.P50), ms(sum.P99), ms(sum.Max))
		results = append(results, res)
	}
	return results, nil
}

// ensurePeople seeds the organization when it is empty, and refuses a
// kept database of another size.
func ensurePeople(ctx context.Context, env *cli, store *gormstore.Store, url, orgID string, users int) error {
	n, err := store.CountAccounts(ctx, orgID)
	switch {
	case err != nil:
		return err
	case n == int64(users):
		return nil
	case n != 0:
		return fmt.Errorf("the kept database holds %s accounts, not --users %s; run without --reuse", thousands(n), thousands(int64(users)))
	case !isPostgresURL(url):
		return seedPeopleStore(ctx, env, url, orgID, users)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	return seedPeople(ctx, env, pool, orgID, users)
}

// worstPage is the highest p99 over the list shapes, first pages and
// walks (counts are not list pages), and the shape it belongs to.
func worstPage(results []peopleResult) (time.Duration, string) {
	var worst time.Duration
	var name string
	for _, r := range results {
		if r.shape.count {
			continue
		}
		if p99 := max(summarize(r.first).P99, summarize(r.samples).P99); p99 > worst {
			worst, name = p99, r.shape.name
		}
	}
	return worst, name
}

// openMigrated opens url's store and brings its schema up to date.
func openMigrated(ctx context.Context, url string) (*gormstore.Store, error) {
	dialect := dialectOf(url)
	store, err := gormstore.Open(ctx, gormstore.Options{URL: url, Dialect: dialect})
	if err != nil {
		return nil, err
	}
	if _, err := migrations.Up(ctx, store.DB(), migrations.Dialect(dialect)); err != nil {
		_ = store.Close()
		return nil, err
	}
	return store, nil
}

// backendName is how reports name url's database.
func backendName(url string) string {
	if isPostgresURL(url) {
		return "PostgreSQL"
	}
	return "SQLite"
}

// peopleOrg is the benchmark's organization.
func peopleOrg(ctx context.Context, store *gormstore.Store) (directory.Organization, error) {
	org, err := store.OrganizationBySlug(ctx, "people-bench")
	if errors.Is(err, directory.ErrNotFound) {
		org = directory.Organization{Slug: "people-bench", Name: "People benchmark"}
		err = store.CreateOrganization(ctx, &org)
	}
	return org, err
}

// newPeopleClient builds the admin API over store, as serve does, and a
// reader's token for it (a new admin each run).
func newPeopleClient(ctx context.Context, store *gormstore.Store, orgID string) (peopleClient, error) {
	hasher, err := credential.NewHasher([]byte("latchkey-load people benchmark key, not secret"))
	if err != nil {
		return peopleClient{}, err
	}
	adm := directory.Admin{OrgID: orgID, Email: fmt.Sprintf("reader-%d@load.example", time.Now().UnixNano()), Role: directory.RoleReader}
	if err := store.CreateAdmin(ctx, &adm); err != nil {
		return peopleClient{}, err
	}
	token, hash, err := hasher.New(credential.KindAdmin)
	if err != nil {
		return peopleClient{}, err
	}
	tok := directory.AdminToken{OrgID: orgID, AdminID: adm.ID, Name: "people benchmark", Hash: hash}
	if err := store.CreateAdminToken(ctx, &tok); err != nil {
		return peopleClient{}, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := admin.New(admin.Options{Store: store, Hasher: hasher, Logger: log})
	srv := lkserver.New(lkserver.Options{DB: store, Areas: []lkserver.Area{api}, Logger: log})
	return peopleClient{handler: srv.Handler(), token: token}, nil
}

// peopleReport is the markdown table docs/benchmarks.md takes. The
// target is for pages of the list (the first page and every page of the
// walk); counts are shown beside it.
func peopleReport(f *peopleFlags, results []peopleResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## People list at %s accounts (%s, in-process API, %d per page)\n\n", thousands(int64(f.users)), backendName(f.databaseURL), f.limit)
	fmt.Fprintf(&b, "First page asked %d times; then the list walked by its cursors up to %d pages deep (\"all\": to its end).\n\n",
		firstPageRepeats, f.pages)
	b.WriteString("| request | first page p50 | first page p99 | pages walked | people | page p50 | page p90 | page p99 | page max |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		sum := summarize(r.samples)
		if r.shape.count {
			fmt.Fprintf(&b, "| %s `%s` | | | %d asked | total %s | %s | %s | %s | %s |\n", r.shape.name, r.shape.path, sum.Count,
				thousands(r.total), ms(sum.P50), ms(sum.P90), ms(sum.P99), ms(sum.Max))
			continue
		}
		first := summarize(r.first)
		pages := fmt.Sprint(sum.Count)
		if r.complete {
			pages += " (all)"
		}
		fmt.Fprintf(&b, "| %s `%s` | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.shape.name, r.shape.path, ms(first.P50), ms(first.P99),
			pages, thousands(int64(r.rows)), ms(sum.P50), ms(sum.P90), ms(sum.P99), ms(sum.Max))
	}
	worst, worstName := worstPage(results)
	b.WriteString("\n| target | measured | verdict |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| list pages: p99 < %s for every request shape, first page and deeper | worst p99 %s (%s) | %s |\n",
		ms(peoplePageTarget), ms(worst), worstName, verdict(worst < peoplePageTarget))
	return b.String()
}
