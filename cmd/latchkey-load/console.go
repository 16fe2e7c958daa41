package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/admin"
	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/console"
	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/password"
	lkserver "github.com/latchkeyhq/latchkey/server"
)

// The console target of the admin console issue: "The pages render in
// under 200 ms server-side with 1,000,000 accounts".
//
// `console` seeds (or reuses) the same company as `people`, signs a
// system admin in to the console through its sign-in form, and asks each
// console page --runs times through the real HTTP handler (server
// middleware, session, the admin API in process, store, templates),
// timing each answer from the request to the last byte of HTML. The
// People list is also walked --pages deep by its "Next page" links.

const consolePageTarget = 200 * time.Millisecond

type consoleFlags struct {
	databaseURL, dbName string
	users, runs, pages  int
	reuse, keep         bool
}

func (f *consoleFlags) validate() error {
	var problems []string
	if err := checkDatabaseTarget(f.databaseURL); err != nil {
		problems = append(problems, err.Error())
	}
	if f.users < peopleManagers || f.users > 10_000_000 {
		problems = append(problems, fmt.Sprintf("--users must be between %d and 10,000,000", peopleManagers))
	}
	if f.runs < 1 || f.runs > 10_000 {
		problems = append(problems, "--runs must be between 1 and 10,000")
	}
	if f.pages < 1 || f.pages > 10_000 {
		problems = append(problems, "--pages must be between 1 and 10,000")
	}
	if len(problems) > 0 {
		return usagef("console: %s", strings.Join(problems, "; "))
	}
	return nil
}

func runConsole(ctx context.Context, env *cli, args []string) error {
	fs := newFlagSet(env, "console", "console --database-url URL [--users N] [--runs N] [flags]")
	f := &consoleFlags{}
	fs.StringVar(&f.databaseURL, "database-url", "", "postgres://... on this machine (console creates and drops its own database next to it), or a SQLite file path (the target is named for PostgreSQL)")
	fs.StringVar(&f.dbName, "db-name", "latchkey_bench_people", "the database console creates (must start with latchkey_bench; the same as people's, so --reuse shares its seed)")
	fs.IntVar(&f.users, "users", 1_000_000, "accounts to seed")
	fs.IntVar(&f.runs, "runs", 30, "times each page is asked")
	fs.IntVar(&f.pages, "pages", 50, "pages the People list is walked deep by its Next links")
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
	results, err := consoleBench(ctx, env, f, db.URL)
	if err != nil {
		return err
	}
	fmt.Fprint(env.stdout, consoleReport(f, results))
	return nil
}

// consolePage is one page an admin opens; walk follows its Next links.
type consolePage struct {
	name, path string
	walk       bool
}

// consolePages are the measured pages: every section, the People tabs
// with filters and searches (each page also asks the counts of its
// tabs), and a person.
func consolePages(personID string) []consolePage {
	return []consolePage{
		{name: "People: All", path: "/admin/people"},
		{name: "People: Awaiting invitation", path: "/admin/people?status=not_invited"},
		{name: "People: Invited (walked)", path: "/admin/people?status=invited", walk: true},
		{name: "People: Claimed", path: "/admin/people?status=claimed"},
		{name: "People: Deactivated", path: "/admin/people?status=deactivated"},
		{name: "People: Invited in Sales", path: "/admin/people?status=invited&department=Sales"},
		{name: "People: title and location", path: "/admin/people?title=Nurse&location=Berlin"},
		{name: "People: search ann", path: "/admin/people?q=ann"},
		{name: "People: search kowalski", path: "/admin/people?q=kowalski"},
		{name: "People: without email", path: "/admin/people?has_email=false"},
		{name: "People: newest first", path: "/admin/people?sort=-created_at"},
		{name: "Invite all: confirmation", path: "/admin/bulk/confirm?action=invite"},
		{name: "Remind all in Sales: confirmation", path: "/admin/bulk/confirm?action=remind&department=Sales"},
		{name: "Person", path: "/admin/people/" + personID},
		{name: "Imports/Exports", path: "/admin/exports"},
		{name: "Settings: general", path: "/admin/settings"},
		{name: "Settings: invite rules", path: "/admin/settings/rules"},
		{name: "Settings: email templates", path: "/admin/settings/templates"},
		{name: "Settings: terms of use", path: "/admin/settings/terms"},
		{name: "Settings: groups", path: "/admin/settings/groups"},
		{name: "Settings: single sign-on", path: "/admin/settings/sso"},
		{name: "Access: SCIM tokens", path: "/admin/access/scim-tokens"},
		{name: "Access: admins", path: "/admin/access/admins"},
		{name: "Access: roles", path: "/admin/access/roles"},
		{name: "Audit log", path: "/admin/audit"},
		{name: "Your account", path: "/admin/account"},
	}
}

type consoleResult struct {
	page    consolePage
	samples []time.Duration
	bytes   int
}

// consoleBench prepares the organization (seeding it when empty), signs
// an admin in, warms the caches as a running server's are, and measures
// every page.
func consoleBench(ctx context.Context, env *cli, f *consoleFlags, dbURL string) ([]consoleResult, error) {
	store, err := openMigrated(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	org, err := peopleOrg(ctx, store)
	if err != nil {
		return nil, err
	}
	if err := ensurePeople(ctx, env, store, dbURL, org.ID, f.users); err != nil {
		return nil, err
	}
	c, err := newConsoleClient(ctx, store, org)
	if err != nil {
		return nil, err
	}
	var personID string
	err = store.DB().QueryRowContext(ctx, rebind(store.Dialect(), `SELECT id FROM accounts WHERE org_id = $1 ORDER BY id LIMIT 1 OFFSET $2`), org.ID, f.users/2).Scan(&personID)
	if err != nil {
		return nil, fmt.Errorf("console: pick a person: %w", err)
	}
	pages := consolePages(personID)
	for _, p := range pages { // warm-up, not measured
		for range 2 {
			if _, _, err := c.get(ctx, p.path); err != nil {
				return nil, fmt.Errorf("%s: %w", p.name, err)
			}
		}
	}
	var results []consoleResult
	for _, p := range pages {
		res := consoleResult{page: p}
		for range f.runs {
			body, took, err := c.get(ctx, p.path)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p.name, err)
			}
			res.samples, res.bytes = append(res.samples, took), len(body)
		}
		if p.walk {
			walked, err := c.walk(ctx, p.path, f.pages)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p.name, err)
			}
			res.samples = append(res.samples, walked...)
		}
		sum := summarize(res.samples)
		fmt.Fprintf(env.stderr, "%-32s %4d asked  p50 %-9s p99 %-9s max %s\n", p.name, sum.Count, ms(sum.P50), ms(sum.P99), ms(sum.Max))
		results = append(results, res)
	}
	return results, nil
}

// consoleClient is a browser signed in to the console, asking pages of
// the real server handler in this process.
type consoleClient struct {
	handler http.Handler
	cookie  string // "name=value"
}

func newConsoleClient(ctx context.Context, store *gormstore.Store, org directory.Organization) (consoleClient, error) {
	orgID := org.ID
	key := []byte("latchkey-load console benchmark key, not secret")
	hasher, err := credential.NewHasher(key)
	if err != nil {
		return consoleClient{}, err
	}
	secrets, err := claim.NewSecrets(key)
	if err != nil {
		return consoleClient{}, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The inviter answers the settings pages' defaults; nothing here
	// enqueues a job.
	inviter := claim.NewInviter(claim.Options{Secrets: secrets, BaseURL: "https://latchkey.local", Logger: log})
	api := admin.New(admin.Options{Store: store, Hasher: hasher, Inviter: inviter, BaseURL: "https://latchkey.local", Logger: log})
	// Counts are not remembered between views: every view of the People
	// page is a first view (it waits at most its counts budget).
	k, err := console.New(console.Options{Store: store, API: api, Secrets: secrets, Guard: claim.NewGuard(store, claim.GuardOptions{Logger: log}),
		BaseURL: "https://latchkey.local", Logger: log, CountsKept: -1})
	if err != nil {
		return consoleClient{}, err
	}
	srv := lkserver.New(lkserver.Options{DB: store, Areas: []lkserver.Area{api, k}, Logger: log})
	c := consoleClient{handler: srv.Handler()}

	email := fmt.Sprintf("console-%d@load.example", time.Now().UnixNano())
	const pw = "latchkey-load console benchmark"
	adm := directory.Admin{OrgID: orgID, Email: email, Role: directory.RoleSystemAdmin}
	if err := store.CreateAdmin(ctx, &adm); err != nil {
		return c, err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return c, err
	}
	if err := store.SetAdminPassword(ctx, orgID, adm.ID, hash, time.Now(), ""); err != nil {
		return c, err
	}
	form := url.Values{"org": {org.Slug}, "email": {email}, "password": {pw}}
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "https://latchkey.local/admin/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	c.handler.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if strings.Contains(ck.Name, "latchkey_admin") && ck.Value != "" {
			c.cookie = ck.Name + "=" + ck.Value
		}
	}
	if rec.Code != http.StatusSeeOther || c.cookie == "" {
		return c, fmt.Errorf("console: signing in answered %d without a session", rec.Code)
	}
	return c, nil
}

// get asks one page and says how long the answer took.
func (c consoleClient) get(ctx context.Context, path string) (string, time.Duration, error) {
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "https://latchkey.local"+path, nil)
	req.Header.Set("Cookie", c.cookie)
	rec := httptest.NewRecorder()
	start := time.Now()
	c.handler.ServeHTTP(rec, req)
	took := time.Since(start)
	if rec.Code != http.StatusOK {
		return "", took, fmt.Errorf("GET %s answered %d: %.300s", path, rec.Code, rec.Body.String())
	}
	return rec.Body.String(), took, nil
}

// nextLink finds a list page's "Next page" link (its cursor).
var nextLink = regexp.MustCompile(`<a[^>]*href="([^"]*cursor=[^"]*)"`)

// walk follows path's Next links up to pages deep, timing each page.
func (c consoleClient) walk(ctx context.Context, path string, pages int) ([]time.Duration, error) {
	var out []time.Duration
	for range pages {
		body, took, err := c.get(ctx, path)
		if err != nil {
			return nil, err
		}
		out = append(out, took)
		m := nextLink.FindStringSubmatch(body)
		if m == nil {
			break
		}
		path = html.UnescapeString(m[1])
	}
	return out, nil
}

// worstConsolePage is the highest p99 over the pages, and its page.
func worstConsolePage(results []consoleResult) (time.Duration, string) {
	var worst time.Duration
	var name string
	for _, r := range results {
		if p99 := summarize(r.samples).P99; p99 > worst {
			worst, name = p99, r.page.name
		}
	}
	return worst, name
}

// consoleReport is the markdown table docs/benchmarks.md takes.
func consoleReport(f *consoleFlags, results []consoleResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Console pages at %s accounts (%s, in-process HTTP handler)\n\n", thousands(int64(f.users)), backendName(f.databaseURL))
	fmt.Fprintf(&b, "Each page asked %d times after a warm-up; the invited list also walked up to %d pages deep by its Next links.\n\n", f.runs, f.pages)
	b.WriteString("| page | path | asked | HTML | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		sum := summarize(r.samples)
		fmt.Fprintf(&b, "| %s | `%s` | %d | %s KB | %s | %s | %s | %s |\n", r.page.name, r.page.path, sum.Count,
			thousands(int64(r.bytes/1024)), ms(sum.P50), ms(sum.P90), ms(sum.P99), ms(sum.Max))
	}
	worst, worstName := worstConsolePage(results)
	verdict := "met"
	if worst >= consolePageTarget {
		verdict = "NOT met"
	}
	fmt.Fprintf(&b, "\nTarget: every page under %s server-side (p99): **%s** (worst p99 %s, %s).\n", ms(consolePageTarget), verdict, ms(worst), worstName)
	return b.String()
}
