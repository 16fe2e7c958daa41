package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
)

// The invitation target of the invitations issue: "Invite 100,000
// accounts (rule back-fill) with SMTP going to a local test server: the
// backlog drains at 500 emails/s or more; memory stays flat."
//
// `invite` seeds N not-invited accounts in one department, starts
// `latchkey serve` with LATCHKEY_SMTP_URL at an SMTP sink inside this
// tool, adds an invite_now rule for that department with the real CLI
// (which enqueues the back-fill), and watches: accounts invited, emails
// arriving at the sink, the server's RSS, CPU of everything.

const (
	inviteDrainTarget = 500.0 // emails per second
	inviteRuleName    = "Sales"
)

type inviteFlags struct {
	databaseURL, dbName, latchkeyBin, department, smtpQuery, out, serverLog string
	users, jobWorkers, dbMaxConns, seedWorkers                              int
	timeout, settle, rawDuration                                            time.Duration
	keep                                                                    bool
}

func (f *inviteFlags) validate() error {
	var problems []string
	if err := checkDatabaseTarget(f.databaseURL); err != nil {
		problems = append(problems, err.Error())
	}
	if f.users < 1 || f.users > 10_000_000 {
		problems = append(problems, "--users must be between 1 and 10,000,000")
	}
	if f.jobWorkers < 0 || f.jobWorkers > 1000 {
		problems = append(problems, "--job-workers must be between 0 (latchkey's default) and 1,000")
	}
	if f.dbMaxConns < 0 || f.dbMaxConns > 1000 {
		problems = append(problems, "--db-max-conns must be between 0 (latchkey's default) and 1,000")
	}
	if f.timeout < 10*time.Second || f.timeout > 6*time.Hour {
		problems = append(problems, "--timeout must be between 10s and 6h")
	}
	if f.rawDuration < 0 || f.rawDuration > 10*time.Minute {
		problems = append(problems, "--raw-duration must be between 0 and 10m")
	}
	if f.settle < 0 || f.settle > 10*time.Minute {
		problems = append(problems, "--settle must be between 0 and 10m")
	}
	if strings.ContainsAny(f.department, `"\`) || strings.TrimSpace(f.department) == "" {
		problems = append(problems, "--department must be a non-empty name without quotes or backslashes")
	}
	if strings.ContainsAny(f.smtpQuery, "?#/ ") {
		problems = append(problems, "--smtp-options is the query of the SMTP URL, such as max_conns=8&max_msgs_per_conn=100")
	}
	if len(problems) > 0 {
		return usagef("invite: %s", strings.Join(problems, "; "))
	}
	return nil
}

func runInvite(ctx context.Context, env *cli, args []string) error {
	fs := newFlagSet(env, "invite", "invite --database-url URL [--users N] [flags]")
	f := &inviteFlags{}
	fs.StringVar(&f.databaseURL, "database-url", "", "postgres://... on this machine (invite creates and drops its own database next to it), or a SQLite file path that does not exist yet")
	fs.IntVar(&f.users, "users", 100_000, "accounts to seed and invite")
	fs.StringVar(&f.department, "department", "Sales", "department of every seeded account; the rule is department eq \"<this>\"")
	fs.IntVar(&f.jobWorkers, "job-workers", 0, "LATCHKEY_JOB_WORKERS of the server (0: latchkey's default, 10)")
	fs.IntVar(&f.dbMaxConns, "db-max-conns", 0, "LATCHKEY_DB_MAX_CONNS of the server (0: latchkey's default, 20)")
	fs.StringVar(&f.smtpQuery, "smtp-options", "", "options appended to the sink's SMTP URL, e.g. max_conns=8&max_msgs_per_conn=100 (empty: the mailer's defaults, 4 and 100)")
	fs.StringVar(&f.latchkeyBin, "latchkey-bin", "", "latchkey binary to measure (default: go build ./cmd/latchkey into a temporary folder)")
	fs.StringVar(&f.dbName, "db-name", "latchkey_bench_invite", "PostgreSQL database to create (must start with latchkey_bench)")
	fs.IntVar(&f.seedWorkers, "seed-workers", 3, "parallel seed writers (PostgreSQL)")
	fs.DurationVar(&f.timeout, "timeout", time.Hour, "give up when the emails have not all arrived by then")
	fs.DurationVar(&f.settle, "settle", 10*time.Second, "keep listening this long after the last expected email, to catch duplicates")
	fs.BoolVar(&f.keep, "keep", false, "keep the database afterwards")
	fs.StringVar(&f.out, "out", "", "also write the markdown report to this file")
	fs.StringVar(&f.serverLog, "server-log", "", "also keep the server's JSON log in this file")
	fs.DurationVar(&f.rawDuration, "raw-duration", 0, "also measure single-row INSERTs on the same database afterwards for this long, 8 clients (pgbench on PostgreSQL); 0: skip")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := f.validate(); err != nil {
		return err
	}
	rep, err := inviteBench(ctx, env, f)
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

// inviteSample is one look at the run, every second.
type inviteSample struct {
	At      time.Duration // since the rule was added
	Invited int64         // accounts in state invited (-1: unknown)
	Emails  int           // messages the sink accepted
	RSS     int64         // VmRSS of latchkey serve
}

type inviteReport struct {
	Facts        machineFacts
	Backend      string
	Users        int
	Settings     []string // what the server was given, for the report
	Seed         *seedResult
	RuleAdded    time.Time
	BackfillDone time.Duration // rule added to all accounts invited (0: not seen)
	Sink         sinkStats
	PerSecond    []int // emails per second, first to last email
	Samples      []inviteSample
	HWM          int64
	RSSBefore    int64 // VmRSS just before the rule was added
	CPU          cpuUse
	Elapsed      time.Duration // rule added to the end of the settle time
	Jobs         map[string]int64
	Deliveries   int64 // rows in deliveries
	Problems     logProblems
	RawInsert    float64 // single-row INSERTs/s on the same database (--raw-duration)
	RawInsertHow string
	Err          error
}

func inviteBench(ctx context.Context, env *cli, f *inviteFlags) (*inviteReport, error) {
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
	var db benchDatabase
	if isPostgresURL(f.databaseURL) {
		if err := refuseInUse(ctx, f.databaseURL, f.dbName); err != nil {
			return nil, err
		}
		db, err = preparePostgres(ctx, f.databaseURL, f.dbName, false, f.keep)
	} else {
		db, err = prepareSQLite(f.databaseURL, false, f.keep)
	}
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
	sink, err := startSMTPSink()
	if err != nil {
		return nil, fmt.Errorf("SMTP sink: %w", err)
	}
	defer sink.close()
	settings := map[string]string{
		"LATCHKEY_DATABASE_URL": db.URL, "LATCHKEY_SECRET_KEY": secret,
		"LATCHKEY_LOG_FORMAT": "json", "LATCHKEY_LOG_LEVEL": "info",
		"LATCHKEY_LISTEN": "127.0.0.1:0", "LATCHKEY_BASE_URL": "http://127.0.0.1",
		"LATCHKEY_MIGRATE_ON_START": "false",
		"LATCHKEY_SMTP_URL":         sink.url(f.smtpQuery),
		"LATCHKEY_MAIL_FROM":        "Latchkey <no-reply@load.example>",
		"USER":                      "latchkey-load",
	}
	rep := &inviteReport{Users: f.users, Backend: "SQLite"}
	if isPostgresURL(db.URL) {
		rep.Backend = "PostgreSQL"
	}
	rep.Settings = append(rep.Settings, "LATCHKEY_SMTP_URL=smtp://127.0.0.1:PORT"+queryOrNothing(f.smtpQuery))
	if f.jobWorkers > 0 {
		settings["LATCHKEY_JOB_WORKERS"] = strconv.Itoa(f.jobWorkers)
		rep.Settings = append(rep.Settings, "LATCHKEY_JOB_WORKERS="+strconv.Itoa(f.jobWorkers))
	}
	if f.dbMaxConns > 0 {
		settings["LATCHKEY_DB_MAX_CONNS"] = strconv.Itoa(f.dbMaxConns)
		rep.Settings = append(rep.Settings, "LATCHKEY_DB_MAX_CONNS="+strconv.Itoa(f.dbMaxConns))
	}
	lk := latchkey{bin: bin, env: childEnv(os.Environ(), settings)}
	rep.Facts = gatherFacts(ctx, db.URL, lk)

	o := seedOptions{databaseURL: db.URL, org: "default", users: f.users, workers: f.seedWorkers,
		mode: "auto", department: f.department}
	if err := o.validate(); err != nil {
		return nil, err
	}
	fmt.Fprintln(env.stderr, "latchkey migrate...")
	if err := lk.migrate(ctx); err != nil {
		return rep, err
	}
	res, err := seed(ctx, env, o)
	if err != nil {
		return rep, err
	}
	rep.Seed = &res
	printSeedResult(&cli{stdout: env.stderr}, res)

	rep.Err = watchInvitations(ctx, env, f, db, lk, sink, rep)
	if rep.Err == nil && f.rawDuration > 0 {
		fmt.Fprintf(env.stderr, "raw baseline: single-row INSERTs, %d clients, %s...\n", rawClients, f.rawDuration)
		rep.RawInsert, rep.RawInsertHow, rep.Err = rawInsertBaseline(ctx, env.stderr, db.URL, dir, rawClients, f.rawDuration)
	}
	return rep, rep.Err
}

// rawClients is how many clients insert in the invitation target's raw
// baseline: bench's default concurrency.
const rawClients = 8

// refuseInUse stops a second run from dropping the database of one still
// running (and that run's clean-up from dropping this one's).
func refuseInUse(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redactURL(adminURL), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return usagef("database %s has %d connection(s): another run is using it; wait for it or pass another --db-name", name, n)
	}
	return nil
}

func queryOrNothing(q string) string {
	if q == "" {
		return ""
	}
	return "?" + q
}

// watchInvitations serves, adds the rule and watches until every email
// arrived (plus the settle time), the server exits, or the timeout.
func watchInvitations(ctx context.Context, env *cli, f *inviteFlags, db benchDatabase, lk latchkey, sink *smtpSink, rep *inviteReport) error {
	var raw io.Writer = &rep.Problems
	if f.serverLog != "" {
		file, err := os.Create(f.serverLog)
		if err != nil {
			return err
		}
		defer file.Close()
		raw = io.MultiWriter(file, &rep.Problems)
	}
	srv, err := lk.serve(ctx, raw)
	if err != nil {
		return err
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			if m, err := readProcMem(srv.pid()); err == nil {
				rep.HWM = m.HWM
			}
			if err := srv.stop(); err != nil {
				fmt.Fprintln(env.stderr, "latchkey serve:", err)
			}
		}
	}
	defer stop()
	poll, err := newInvitePoller(ctx, db.URL)
	if err != nil {
		return err
	}
	defer poll.close()
	cpu := newCPUMeter(ctx, srv.pid(), db.URL)
	defer cpu.close(context.WithoutCancel(ctx))

	if m, err := readProcMem(srv.pid()); err == nil {
		rep.RSSBefore = m.RSS
	}
	rep.Facts.LoadBefore = loadAverage()
	before := cpu.snapshot(ctx)
	pollBefore := poll.backendCPU()
	rep.RuleAdded = time.Now()
	fmt.Fprintf(env.stderr, "latchkey invite-rule add --name %s --filter 'department eq %q' --action invite_now\n", inviteRuleName, f.department)
	if _, err := lk.output(ctx, "invite-rule", "add", "--name", inviteRuleName,
		"--filter", fmt.Sprintf("department eq %q", f.department), "--action", "invite_now"); err != nil {
		return err
	}

	werr := watch(ctx, env, f, srv, sink, poll, rep)

	rep.CPU = cpu.snapshot(ctx).since(before)
	rep.CPU.Postgres -= poll.backendCPU() - pollBefore // not the watcher's own queries
	rep.Facts.LoadAfter = loadAverage()
	rep.Sink = sink.stats()
	rep.PerSecond = sink.secondCounts()
	stop()
	rep.Jobs, rep.Deliveries = poll.jobCounts(ctx)
	return werr
}

func watch(ctx context.Context, env *cli, f *inviteFlags, srv *server, sink *smtpSink, poll *invitePoller, rep *inviteReport) error {
	deadline := time.NewTimer(f.timeout)
	defer deadline.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var settled <-chan time.Time
	bar := startProgress(env.stderr, "emails", int64(f.users))
	defer bar.finish()
	last := 0
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-srv.done:
			srv.done <- err
			return fmt.Errorf("latchkey serve exited during the run: %v", err)
		case <-deadline.C:
			st := sink.stats()
			return fmt.Errorf("timeout: %s of %s emails arrived within %s", thousands(int64(st.Distinct)), thousands(int64(f.users)), f.timeout)
		case <-settled:
			rep.Elapsed = time.Since(rep.RuleAdded)
			return nil
		case <-tick.C:
		}
		s := inviteSample{At: time.Since(rep.RuleAdded), Invited: -1}
		if m, err := readProcMem(srv.pid()); err == nil {
			s.RSS = m.RSS
		}
		if rep.BackfillDone == 0 {
			s.Invited = poll.invited(ctx)
			if s.Invited >= int64(f.users) {
				rep.BackfillDone = s.At
			}
		}
		st := sink.stats()
		s.Emails = st.Total
		bar.add(int64(st.Total - last))
		last = st.Total
		rep.Samples = append(rep.Samples, s)
		if settled == nil && st.Distinct >= f.users && rep.BackfillDone > 0 {
			settled = time.After(f.settle)
		}
	}
}

// invitePoller reads the database while the server works, on its own
// connection (PostgreSQL: one backend whose CPU is subtracted from the
// PostgreSQL figure).
type invitePoller struct {
	mu    sync.Mutex
	orgID string
	pg    *pgx.Conn
	pgPID int
	store *gormstore.Store // SQLite
}

func newInvitePoller(ctx context.Context, url string) (*invitePoller, error) {
	p := &invitePoller{}
	if isPostgresURL(url) {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return nil, err
		}
		p.pg = conn
		if err := conn.QueryRow(ctx, "SELECT pg_backend_pid(), (SELECT id::text FROM organizations WHERE slug = 'default')").Scan(&p.pgPID, &p.orgID); err != nil {
			conn.Close(ctx)
			return nil, err
		}
		return p, nil
	}
	store, err := gormstore.Open(ctx, gormstore.Options{URL: url, Dialect: gormstore.SQLite, MaxOpenConns: 1})
	if err != nil {
		return nil, err
	}
	org, err := store.OrganizationBySlug(ctx, "default")
	if err != nil {
		store.Close()
		return nil, err
	}
	p.store, p.orgID = store, org.ID
	return p, nil
}

func (p *invitePoller) close() {
	if p.pg != nil {
		_ = p.pg.Close(context.Background())
	}
	if p.store != nil {
		_ = p.store.Close()
	}
}

func (p *invitePoller) backendCPU() time.Duration {
	if p.pg == nil {
		return 0
	}
	d, _ := procCPU(p.pgPID)
	return d
}

func (p *invitePoller) scalar(ctx context.Context, query string, args ...any) (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var n int64
	if p.pg != nil {
		err := p.pg.QueryRow(ctx, query, args...).Scan(&n)
		return n, err
	}
	err := p.store.DB().QueryRowContext(ctx, strings.ReplaceAll(query, "$1", "?"), args...).Scan(&n)
	return n, err
}

// invited counts invited accounts (-1 when the query fails, e.g. SQLite
// busy while the server writes).
func (p *invitePoller) invited(ctx context.Context) int64 {
	n, err := p.scalar(ctx, "SELECT count(*) FROM accounts WHERE org_id = $1 AND state = '"+string(directory.StateInvited)+"'", p.orgID)
	if err != nil {
		return -1
	}
	return n
}

// jobCounts are River's jobs by kind and state, and recorded deliveries,
// after the run.
func (p *invitePoller) jobCounts(ctx context.Context) (map[string]int64, int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int64{}
	query := "SELECT kind || ' ' || state, count(*) FROM river_job GROUP BY 1 ORDER BY 1"
	var deliveries int64
	if p.pg != nil {
		rows, err := p.pg.Query(ctx, query)
		if err == nil {
			for rows.Next() {
				var k string
				var n int64
				if rows.Scan(&k, &n) == nil {
					out[k] = n
				}
			}
			rows.Close()
		}
		_ = p.pg.QueryRow(ctx, "SELECT count(*) FROM deliveries").Scan(&deliveries)
		return out, deliveries
	}
	rows, err := p.store.DB().QueryContext(ctx, query)
	if err == nil {
		for rows.Next() {
			var k string
			var n int64
			if rows.Scan(&k, &n) == nil {
				out[k] = n
			}
		}
		_ = rows.Close()
	}
	_ = p.store.DB().QueryRowContext(ctx, "SELECT count(*) FROM deliveries").Scan(&deliveries)
	return out, deliveries
}

// logProblems counts the server's warnings and errors (failed sends,
// retried jobs) and keeps the first few.
type logProblems struct {
	mu            sync.Mutex
	Warns, Errors int
	First         []string
	partial       []byte
}

var (
	levelWarn  = []byte(`"level":"WARN"`)
	levelError = []byte(`"level":"ERROR"`)
)

func (l *logProblems) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, b...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := l.partial[:i]
		isWarn, isErr := bytes.Contains(line, levelWarn), bytes.Contains(line, levelError)
		switch {
		case isWarn:
			l.Warns++
		case isErr:
			l.Errors++
		}
		if (isWarn || isErr) && len(l.First) < 5 {
			l.First = append(l.First, string(line[:min(len(line), 400)]))
		}
		l.partial = l.partial[i+1:]
	}
}
