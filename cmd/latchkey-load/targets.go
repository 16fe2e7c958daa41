package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// `targets` runs every speed target of the project on SQLite and on
// PostgreSQL, each next to the raw database baseline measured in the same
// run on the same database, and prints one markdown table. It is made of
// the other commands' internals: bench (SCIM lookups, walks, creates,
// group membership, the Entra ID and Okta mixes, memory), invite (the
// invitation backlog), export, people (the admin API's lists) and console.
// Their detailed reports go to stderr as each finishes.

// targetAreas are the parts --only can pick, in the order they run.
var targetAreas = []string{"scim", "invite", "export", "people", "console"}

// targetSizes are one backend's population sizes.
type targetSizes struct{ users, invite, export, people int }

// fullSizes are the sizes the targets name (PostgreSQL) and the smaller
// ones SQLite gets: seeding goes through the store there (about 1,000
// accounts/s), so a million accounts would take a quarter of an hour per
// area before anything is measured.
var fullSizes = map[string]targetSizes{
	"PostgreSQL": {users: 1_000_000, invite: 100_000, export: 1_000_000, people: 1_000_000},
	"SQLite":     {users: 100_000, invite: 20_000, export: 100_000, people: 100_000},
}

// quickSizes are --quick's smoke-test sizes, for both backends.
var quickSizes = targetSizes{users: 10_000, invite: 2_000, export: 10_000, people: 10_000}

type targetsFlags struct {
	databaseURL, sqliteDir, latchkeyBin, dbName, out, only, backends string
	pg, lite                                                         targetSizes
	concurrency, exportRuns, peoplePages, consoleRuns, consolePages  int
	duration, walkTimeout, inviteTimeout, settle                     time.Duration
	lookupRate                                                       float64
	quick, keep, reuse                                               bool
}

func runTargets(ctx context.Context, env *cli, args []string) error {
	fs := newFlagSet(env, "targets", "targets --database-url postgres://... [--sqlite-dir DIR] [--quick] [flags]")
	f := &targetsFlags{}
	fs.StringVar(&f.databaseURL, "database-url", "", "postgres://... on this machine: each area creates (and drops) its own database next to it")
	fs.StringVar(&f.sqliteDir, "sqlite-dir", "", "folder for the SQLite databases (default: a temporary folder; required with --keep or --reuse)")
	fs.StringVar(&f.backends, "backends", "sqlite,postgres", "which backends to measure")
	fs.StringVar(&f.only, "only", strings.Join(targetAreas, ","), "which areas to measure: "+strings.Join(targetAreas, ", "))
	fs.BoolVar(&f.quick, "quick", false, fmt.Sprintf("smoke test: %s users everywhere (%s invitations), 3 s phases, one export run; explicit flags still win",
		thousands(int64(quickSizes.users)), thousands(int64(quickSizes.invite))))
	pg, lite := fullSizes["PostgreSQL"], fullSizes["SQLite"]
	fs.IntVar(&f.pg.users, "users", pg.users, "PostgreSQL: SCIM users (lookups, walks, creates, members, mixes)")
	fs.IntVar(&f.pg.invite, "invite-users", pg.invite, "PostgreSQL: accounts invited by the rule back-fill")
	fs.IntVar(&f.pg.export, "export-users", pg.export, "PostgreSQL: invited accounts exported")
	fs.IntVar(&f.pg.people, "people-users", pg.people, "PostgreSQL: the company the people list and the console show")
	fs.IntVar(&f.lite.users, "sqlite-users", lite.users, "SQLite: SCIM users")
	fs.IntVar(&f.lite.invite, "sqlite-invite-users", lite.invite, "SQLite: accounts invited")
	fs.IntVar(&f.lite.export, "sqlite-export-users", lite.export, "SQLite: invited accounts exported")
	fs.IntVar(&f.lite.people, "sqlite-people-users", lite.people, "SQLite: the people list's and console's company")
	fs.IntVar(&f.concurrency, "concurrency", 8, "clients in the timed SCIM phases and the raw baselines")
	fs.DurationVar(&f.duration, "duration", 30*time.Second, "length of each timed SCIM phase and of each raw baseline")
	fs.Float64Var(&f.lookupRate, "lookup-rate", 200, "pace of the paced lookup phases, requests/s")
	fs.DurationVar(&f.walkTimeout, "walk-timeout", 30*time.Minute, "bound on each full walk")
	fs.DurationVar(&f.inviteTimeout, "invite-timeout", time.Hour, "bound on the invitation drain")
	fs.DurationVar(&f.settle, "settle", 10*time.Second, "how long the invitation target listens for duplicates after the last email")
	fs.IntVar(&f.exportRuns, "export-runs", 3, "export rounds (median ratio, worst time and memory)")
	fs.IntVar(&f.peoplePages, "people-pages", 200, "pages each people list is walked deep")
	fs.IntVar(&f.consoleRuns, "console-runs", 30, "times each console page is asked")
	fs.IntVar(&f.consolePages, "console-pages", 50, "pages the console's People list is walked deep")
	fs.StringVar(&f.latchkeyBin, "latchkey-bin", "", "latchkey binary to measure (default: go build ./cmd/latchkey into a temporary folder)")
	fs.StringVar(&f.dbName, "db-name", "latchkey_bench_targets", "PostgreSQL database names start with this (+ _invite, _export, _people); not the single commands' defaults, so a run never drops a database one of them kept")
	fs.BoolVar(&f.keep, "keep", false, "keep the databases afterwards (the invitation target's too)")
	fs.BoolVar(&f.reuse, "reuse", false, "measure kept databases again without seeding (the invitation target always seeds afresh: it needs accounts not yet invited)")
	fs.StringVar(&f.out, "out", "", "also write the table to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f.quick {
		f.applyQuick(fs)
	}
	if err := f.validate(); err != nil {
		return err
	}
	rep, err := targets(ctx, env, f)
	md := rep.markdown()
	fmt.Fprint(env.stdout, md)
	if f.out != "" {
		if werr := os.WriteFile(f.out, []byte(md), 0o644); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	return err
}

// applyQuick sets --quick's values for every flag not given explicitly.
func (f *targetsFlags) applyQuick(fs *flag.FlagSet) {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	quick := map[string]func(){
		"users": func() { f.pg.users = quickSizes.users }, "sqlite-users": func() { f.lite.users = quickSizes.users },
		"invite-users": func() { f.pg.invite = quickSizes.invite }, "sqlite-invite-users": func() { f.lite.invite = quickSizes.invite },
		"export-users": func() { f.pg.export = quickSizes.export }, "sqlite-export-users": func() { f.lite.export = quickSizes.export },
		"people-users": func() { f.pg.people = quickSizes.people }, "sqlite-people-users": func() { f.lite.people = quickSizes.people },
		"duration": func() { f.duration = 3 * time.Second }, "walk-timeout": func() { f.walkTimeout = 5 * time.Minute },
		"invite-timeout": func() { f.inviteTimeout = 10 * time.Minute }, "settle": func() { f.settle = 2 * time.Second },
		"export-runs": func() { f.exportRuns = 1 }, "people-pages": func() { f.peoplePages = 5 },
		"console-runs": func() { f.consoleRuns = 3 }, "console-pages": func() { f.consolePages = 3 },
	}
	for name, apply := range quick {
		if !set[name] {
			apply()
		}
	}
}

func (f *targetsFlags) listOf(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func (f *targetsFlags) wants(area string) bool { return contains(f.listOf(f.only), area) }

func (f *targetsFlags) backendList() []string {
	var out []string
	for _, b := range f.listOf(f.backends) {
		out = append(out, map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[b])
	}
	return out
}

func (f *targetsFlags) validate() error {
	var problems []string
	backends := f.listOf(f.backends)
	if len(backends) == 0 {
		problems = append(problems, "--backends must name sqlite, postgres or both")
	}
	for _, b := range backends {
		if b != "sqlite" && b != "postgres" {
			problems = append(problems, fmt.Sprintf("unknown backend %q in --backends (want sqlite,postgres)", b))
		}
	}
	if contains(backends, "postgres") {
		if !isPostgresURL(f.databaseURL) {
			problems = append(problems, "--database-url postgres://... is required for the postgres backend (or pass --backends sqlite)")
		} else if err := checkDatabaseTarget(f.databaseURL); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(f.listOf(f.only)) == 0 {
		problems = append(problems, "--only must name at least one area")
	}
	for _, a := range f.listOf(f.only) {
		if !contains(targetAreas, a) {
			problems = append(problems, fmt.Sprintf("unknown area %q in --only (want %s)", a, strings.Join(targetAreas, ",")))
		}
	}
	if (f.keep || f.reuse) && f.sqliteDir == "" && contains(backends, "sqlite") {
		problems = append(problems, "--sqlite-dir is required with --keep or --reuse (a temporary folder is removed)")
	}
	for _, n := range []string{"", "_invite", "_export", "_people"} {
		if !benchDBName.MatchString(f.dbName + n) {
			problems = append(problems, fmt.Sprintf("--db-name %q: %q must match %s", f.dbName, f.dbName+n, benchDBName))
			break
		}
	}
	for _, s := range []targetSizes{f.pg, f.lite} {
		if s.users < 1 || s.invite < 1 || s.users > 10_000_000 || s.invite > 10_000_000 {
			problems = append(problems, "user counts must be between 1 and 10,000,000")
		}
		if s.export < exportManagers || s.people < peopleManagers || s.export > 10_000_000 || s.people > 10_000_000 {
			problems = append(problems, fmt.Sprintf("export and people sizes must be between %d and 10,000,000", peopleManagers))
		}
	}
	if f.concurrency < 1 || f.concurrency > 256 {
		problems = append(problems, "--concurrency must be between 1 and 256")
	}
	if f.duration < time.Second || f.duration > 30*time.Minute {
		problems = append(problems, "--duration must be between 1s and 30m")
	}
	if f.exportRuns < 1 || f.peoplePages < 1 || f.consoleRuns < 1 || f.consolePages < 1 {
		problems = append(problems, "--export-runs, --people-pages, --console-runs and --console-pages must be at least 1")
	}
	if len(problems) > 0 {
		return usagef("targets: %s", strings.Join(problems, "; "))
	}
	return nil
}

// targetsRun is where one backend's areas keep their data.
type targetsRun struct {
	f       *targetsFlags
	backend string // "PostgreSQL" or "SQLite"
	sizes   targetSizes
	dir     string // SQLite files
	bin     string
	tmp     string // for pgbench scripts
}

// url is area's database: next to --database-url on PostgreSQL (the
// commands create it under name), a file in the folder on SQLite.
func (r targetsRun) url(area string) string {
	if r.backend == "PostgreSQL" {
		return r.f.databaseURL
	}
	return filepath.Join(r.dir, area+".db")
}

// shownURL is url as a command line in the table shows it: a run in a
// temporary folder shows a path that outlives it.
func (r targetsRun) shownURL(area string) string {
	switch {
	case r.backend == "PostgreSQL":
		return redactURL(r.f.databaseURL)
	case r.f.sqliteDir == "":
		return filepath.Join(os.TempDir(), "latchkey-"+area+".db")
	}
	return r.url(area)
}

// targets measures every area on every backend. It returns the report
// even when some areas failed (their rows say so).
func targets(ctx context.Context, env *cli, f *targetsFlags) (*targetsReport, error) {
	rep := &targetsReport{quick: f.quick, started: time.Now().UTC(), loadBefore: loadAverage(), sizes: map[string]targetSizes{}}
	tmp, err := os.MkdirTemp("", "latchkey-targets-*")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(tmp)
	bin := f.latchkeyBin
	if bin == "" && (f.wants("scim") || f.wants("invite")) {
		if bin, err = buildLatchkey(ctx, tmp, env.stderr); err != nil {
			return rep, err
		}
	}
	if bin != "" {
		rep.latchkey = latchkey{bin: bin}.version(ctx)
	}
	dir := f.sqliteDir
	if dir == "" {
		dir = filepath.Join(tmp, "sqlite")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return rep, err
	}
	var errs []error
	for _, backend := range f.backendList() {
		r := targetsRun{f: f, backend: backend, sizes: f.lite, dir: dir, bin: bin, tmp: tmp}
		if backend == "PostgreSQL" {
			r.sizes = f.pg
			rep.postgres = postgresVersion(ctx, f.databaseURL)
		}
		rep.sizes[backend] = r.sizes
		for _, area := range []struct {
			name string
			run  func(context.Context, *cli, targetsRun) ([]targetRow, error)
		}{{"scim", scimTargets}, {"invite", inviteTargets}, {"export", exportTargets}, {"people", peopleAndConsoleTargets}} {
			if !f.wants(area.name) && (area.name != "people" || !f.wants("console")) {
				continue
			}
			fmt.Fprintf(env.stderr, "\n=== %s: %s\n", backend, area.name)
			began := time.Now()
			rows, err := area.run(ctx, env, r)
			fmt.Fprintf(env.stderr, "=== %s: %s took %s\n", backend, area.name, span(time.Since(began)))
			rep.rows = append(rep.rows, rows...)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", backend, area.name, err))
				fmt.Fprintf(env.stderr, "%s %s failed: %v\n", backend, area.name, err)
			}
			if ctx.Err() != nil {
				return rep, errors.Join(append(errs, ctx.Err())...)
			}
		}
	}
	rep.loadAfter = loadAverage()
	return rep, errors.Join(errs...)
}
