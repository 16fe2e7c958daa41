package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/directory/gormstore"
)

type benchFlags struct {
	databaseURL, dbName, latchkeyBin, scenarios, seedMode, out, serverLog string
	users, groups, membersPerGroup, concurrency, seedWorkers, sample      int
	duration, walkTimeout                                                 time.Duration
	lookupRate                                                            float64
	keep, reuse, pgbench, raw                                             bool
}

func (f *benchFlags) validate() error {
	var problems []string
	if err := checkDatabaseTarget(f.databaseURL); err != nil {
		problems = append(problems, err.Error())
	}
	if f.users < 1 || f.users > 10_000_000 {
		problems = append(problems, "--users must be between 1 and 10,000,000")
	}
	if f.concurrency < 1 || f.concurrency > 256 {
		problems = append(problems, "--concurrency must be between 1 and 256")
	}
	if f.duration < time.Second || f.duration > 30*time.Minute {
		problems = append(problems, "--duration must be between 1s and 30m")
	}
	if f.lookupRate < 0 || f.lookupRate > 100_000 {
		problems = append(problems, "--lookup-rate must be between 0 and 100,000")
	}
	if f.walkTimeout < time.Second || f.walkTimeout > 2*time.Hour {
		problems = append(problems, "--walk-timeout must be between 1s and 2h")
	}
	for _, s := range f.scenarioList() {
		if !contains(scenarioNames, s) {
			problems = append(problems, fmt.Sprintf("unknown scenario %q in --scenarios (want %s)", s, strings.Join(scenarioNames, ",")))
		}
	}
	if len(problems) > 0 {
		return usagef("bench: %s", strings.Join(problems, "; "))
	}
	return nil
}

func (f *benchFlags) scenarioList() []string {
	var out []string
	for _, s := range strings.Split(f.scenarios, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func runBench(ctx context.Context, env *cli, args []string) error {
	fs := newFlagSet(env, "bench", "bench --database-url URL --users N [flags]")
	f := &benchFlags{}
	fs.StringVar(&f.databaseURL, "database-url", "", "postgres://... on this machine (bench creates and drops its own database next to it), or a SQLite file path that does not exist yet")
	fs.IntVar(&f.users, "users", 100_000, "users to seed")
	fs.IntVar(&f.groups, "groups", 10, "groups to seed")
	fs.IntVar(&f.membersPerGroup, "members-per-group", 1000, "members of each seeded group")
	fs.IntVar(&f.concurrency, "concurrency", 8, "concurrent clients in the timed scenarios")
	fs.DurationVar(&f.duration, "duration", 30*time.Second, "length of each timed scenario and of pgbench")
	fs.Float64Var(&f.lookupRate, "lookup-rate", 200, "also run each lookup scenario paced at this many requests/s (0: skip), where latency is service time rather than queueing")
	fs.DurationVar(&f.walkTimeout, "walk-timeout", 30*time.Minute, "bound on each full walk")
	fs.StringVar(&f.scenarios, "scenarios", "lookup-username,lookup-externalid,patch,members,create,walk,walk-cursor", "scenarios to run, in order")
	fs.StringVar(&f.latchkeyBin, "latchkey-bin", "", "latchkey binary to measure (default: go build ./cmd/latchkey into a temporary folder)")
	fs.StringVar(&f.dbName, "db-name", "latchkey_bench", "PostgreSQL database bench creates (must start with latchkey_bench)")
	fs.BoolVar(&f.keep, "keep", false, "keep the database afterwards (for --reuse)")
	fs.BoolVar(&f.reuse, "reuse", false, "measure an existing, already seeded database instead of creating one")
	fs.StringVar(&f.seedMode, "seed-mode", "auto", "store, copy (PostgreSQL) or auto")
	fs.IntVar(&f.seedWorkers, "seed-workers", 3, "parallel seed writers (PostgreSQL)")
	fs.IntVar(&f.sample, "sample", 500, "user ids the patch and members scenarios pick from")
	fs.BoolVar(&f.pgbench, "pgbench", true, "measure pgbench single-row INSERTs (PostgreSQL)")
	fs.BoolVar(&f.raw, "raw", false, "also measure the raw database baseline after the scenarios: single-row INSERTs (pgbench on PostgreSQL), point SELECTs, one-statement walk")
	fs.StringVar(&f.out, "out", "", "also write the markdown report to this file")
	fs.StringVar(&f.serverLog, "server-log", "", "also keep the server's JSON log in this file (large: ~300 bytes per request)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := f.validate(); err != nil {
		return err
	}
	rep, err := bench(ctx, env, f)
	if rep != nil {
		md := rep.markdown()
		fmt.Fprint(env.stdout, md)
		if f.out != "" {
			if werr := os.WriteFile(f.out, []byte(md), 0o644); werr != nil {
				err = errors.Join(err, werr)
			}
		}
	}
	return err
}

// bench runs the whole measurement. It returns what it measured even when
// a later step fails, so a long run is never wasted.
func bench(ctx context.Context, env *cli, f *benchFlags) (*benchReport, error) {
	dir, err := os.MkdirTemp("", "latchkey-load-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := f.latchkeyBin
	if bin == "" {
		if bin, err = buildLatchkey(ctx, dir, env.stderr); err != nil {
			return nil, err
		}
	}
	db, err := prepareDatabase(ctx, f)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := db.cleanup(context.WithoutCancel(ctx)); err != nil {
			fmt.Fprintln(env.stderr, "cleanup:", err)
		}
	}()
	secret, err := newSecretKey()
	if err != nil {
		return nil, err
	}
	lk := latchkey{bin: bin, env: childEnv(os.Environ(), map[string]string{
		"LATCHKEY_DATABASE_URL": db.URL, "LATCHKEY_SECRET_KEY": secret,
		"LATCHKEY_LOG_FORMAT": "json", "LATCHKEY_LOG_LEVEL": "info",
		"LATCHKEY_LISTEN": "127.0.0.1:0", "LATCHKEY_BASE_URL": "http://127.0.0.1",
		// The default 100 requests/s per token would measure the limiter.
		"LATCHKEY_SCIM_RATE_LIMIT": "100000", "LATCHKEY_MIGRATE_ON_START": "false",
		"USER": "latchkey-load",
	})}
	rep := &benchReport{Users: f.users, Concurrency: f.concurrency, Duration: f.duration, Backend: "SQLite"}
	if isPostgresURL(db.URL) {
		rep.Backend = "PostgreSQL"
	}
	rep.Facts = gatherFacts(ctx, db.URL, lk)
	if err := setUp(ctx, env, f, db, lk, rep); err != nil {
		return rep, err
	}
	token, err := lk.mintToken(ctx)
	if err != nil {
		return rep, err
	}
	err = measure(ctx, env, f, db, lk, token, dir, rep)
	rep.Facts.LoadAfter = loadAverage()
	return rep, err
}

func prepareDatabase(ctx context.Context, f *benchFlags) (benchDatabase, error) {
	if isPostgresURL(f.databaseURL) {
		return preparePostgres(ctx, f.databaseURL, f.dbName, f.reuse, f.keep)
	}
	return prepareSQLite(f.databaseURL, f.reuse, f.keep)
}

// setUp migrates the database, then seeds a fresh one or checks a reused one.
func setUp(ctx context.Context, env *cli, f *benchFlags, db benchDatabase, lk latchkey, rep *benchReport) error {
	o := seedOptions{databaseURL: db.URL, org: "default", users: f.users, groups: f.groups,
		membersPerGroup: f.membersPerGroup, workers: f.seedWorkers, mode: f.seedMode}
	if err := o.validate(); err != nil {
		return err
	}
	// A reused database is migrated too (a no-op when it is current), so
	// a binary with a newer migration measures its own schema.
	fmt.Fprintln(env.stderr, "latchkey migrate...")
	if err := lk.migrate(ctx); err != nil {
		return err
	}
	if !db.Fresh {
		return checkSeeded(ctx, o)
	}
	res, err := seed(ctx, env, o)
	if err != nil {
		return err
	}
	rep.Seed = &res
	printSeedResult(&cli{stdout: env.stderr}, res)
	return nil
}

// checkSeeded makes sure a reused database holds the population the
// scenarios will pick from.
func checkSeeded(ctx context.Context, o seedOptions) error {
	store, err := openSeedStore(ctx, o)
	if err != nil {
		return err
	}
	defer store.Close()
	org, err := store.OrganizationBySlug(ctx, o.org)
	if err != nil {
		return err
	}
	if _, err := store.AccountByUserName(ctx, org.ID, seedUserName(o.users-1)); err != nil {
		return fmt.Errorf("--reuse: %s is missing, so the database was not seeded with --users %d: %w", seedUserName(o.users-1), o.users, err)
	}
	return nil
}

// measure serves, runs the scenarios and pgbench, and fills rep.
func measure(ctx context.Context, env *cli, f *benchFlags, db benchDatabase, lk latchkey, token, dir string, rep *benchReport) error {
	var rawLog io.Writer
	if f.serverLog != "" {
		file, err := os.Create(f.serverLog)
		if err != nil {
			return err
		}
		defer file.Close()
		rawLog = file
	}
	srv, err := lk.serve(ctx, rawLog)
	if err != nil {
		return err
	}
	mem := startMemSampler(srv.pid(), 200*time.Millisecond)
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			rep.HWM = mem.close()
			if err := srv.stop(); err != nil {
				fmt.Fprintln(env.stderr, "latchkey serve:", err)
			}
		}
	}
	defer stop()
	t, err := newTarget("http://"+srv.addr, token, f.concurrency)
	if err != nil {
		return err
	}
	se := scenarioEnv{t: t, users: f.users, runID: time.Now().UTC().Format("0102t150405"), sample: f.sample}
	cpu := newCPUMeter(ctx, srv.pid(), db.URL)
	defer cpu.close(context.WithoutCancel(ctx))
	rep.Facts.LoadBefore = loadAverage()
	mem.nextPhase()
	for i, ph := range benchPhases(f) {
		before := cpu.snapshot(ctx)
		p, err := runBenchPhase(ctx, env, se, srv, ph, i)
		p.CPU = cpu.snapshot(ctx).since(before)
		p.PeakRSS = mem.nextPhase()
		rep.Phases = append(rep.Phases, p)
		if err != nil {
			return err
		}
	}
	rep.MaxRSS = maxPeak(rep.Phases)
	stop()
	if f.pgbench && isPostgresURL(db.URL) {
		fmt.Fprintf(env.stderr, "pgbench: %d clients, single-row INSERT, %s...\n", f.concurrency, f.duration)
		bar := startClockProgress(env.stderr, "pgbench", f.duration)
		pg, err := runPgbench(ctx, db.URL, dir, f.concurrency, f.duration)
		bar.finish()
		if err != nil {
			return err
		}
		rep.Pgbench = &pg
	}
	if f.raw {
		fmt.Fprintf(env.stderr, "raw baseline: %d clients, %s each...\n", f.concurrency, f.duration)
		raw, err := measureRaw(ctx, env.stderr, db.URL, f.users, f.concurrency, f.duration, rep.Pgbench)
		rep.Raw = raw
		if err != nil {
			return fmt.Errorf("raw baseline: %w", err)
		}
	}
	return nil
}

// pacedLabel names the paced run of a lookup scenario.
func pacedLabel(scenario string) string { return scenario + "-paced" }

// benchPhases lists the phases in order: each lookup paced first (if
// asked), then saturated; the other scenarios once.
func benchPhases(f *benchFlags) []phaseConfig {
	var out []phaseConfig
	for _, name := range f.scenarioList() {
		c := phaseConfig{
			scenario: name, label: name,
			load: loadOptions{concurrency: f.concurrency, duration: f.duration, maxTime: f.duration},
			walk: walkOptions{count: 100, maxPages: f.users/100 + 1000, maxTime: f.walkTimeout},
		}
		if strings.HasPrefix(name, "lookup-") && f.lookupRate > 0 {
			paced := c
			paced.label, paced.load.rate = pacedLabel(name), f.lookupRate
			out = append(out, paced)
		}
		out = append(out, c)
	}
	return out
}

// runBenchPhase runs one phase and collects the server's log records for
// it; a marker request proves they have all been read.
func runBenchPhase(ctx context.Context, env *cli, se scenarioEnv, srv *server, c phaseConfig, i int) (benchPhase, error) {
	c.env = se
	res, err := runPhase(ctx, env.stderr, c)
	p := benchPhase{phaseResult: res, Err: err}
	printClientResult(env.stderr, res)
	marker := fmt.Sprintf("marker-%d", i)
	seen := srv.log.expectMarker(agentPrefix + marker)
	if merr := se.t.marker(ctx, marker); merr != nil {
		return p, errors.Join(err, merr)
	}
	select {
	case <-seen:
	case <-time.After(60 * time.Second):
		return p, errors.Join(err, errors.New("the server's log did not show the marker request within 60s"))
	}
	p.Server = srv.log.take(agentPrefix + c.label)
	if isMix(c.scenario) {
		p.ServerKinds = map[string]agentLog{}
		for kind := range res.Load.Kinds {
			k := srv.log.take(agentPrefix + c.label + "/" + kind)
			p.ServerKinds[kind] = k
			p.Server.merge(k)
		}
	}
	_ = srv.log.take(agentPrefix + setupAgent)
	return p, err
}

func maxPeak(phases []benchPhase) int64 {
	var m int64
	for _, p := range phases {
		m = max(m, p.PeakRSS)
	}
	return m
}

// dialectOf names the backend of a database URL as gormstore does.
func dialectOf(url string) gormstore.Dialect {
	if isPostgresURL(url) {
		return gormstore.Postgres
	}
	return gormstore.SQLite
}
