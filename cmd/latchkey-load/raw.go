package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkeyhq/latchkey/directory/gormstore"
)

// The raw database baseline: what the database does alone, through the
// driver the server uses, on the same database in the same run. A target's
// ratio to it says how much Latchkey adds on top of the database, which
// holds from one machine to another far better than the absolute figure.
//
//   - insert: single-row INSERTs, each its own transaction, N clients
//     (PostgreSQL: pgbench, pgbench.go; SQLite: database/sql here);
//   - point select: the seeded users looked up by user_name_lower, the
//     index a userName filter uses: N clients for the rate, one client
//     for the latency;
//   - walk: every account of the organization in id order in one
//     statement (PostgreSQL: COPY ... TO STDOUT; SQLite: a SELECT read
//     row by row into CSV);
//   - page: the first 50 accounts in id order, the cheapest list page.

// rawScratchTable is the SQLite insert baseline's table, dropped after.
const rawScratchTable = "load_raw_scratch"

// rebind writes PostgreSQL's $n placeholders as SQLite's ?.
func rebind(d gormstore.Dialect, query string) string {
	if d == gormstore.Postgres {
		return query
	}
	for i := 9; i >= 1; i-- {
		query = strings.ReplaceAll(query, "$"+strconv.Itoa(i), "?")
	}
	return query
}

// rawInsertRate is SQLite's counterpart of pgbench's single-row INSERT:
// clients goroutines, each INSERT its own transaction, for d.
func rawInsertRate(ctx context.Context, stderr io.Writer, db *sql.DB, clients int, d time.Duration) (float64, error) {
	for _, stmt := range []string{`DROP TABLE IF EXISTS ` + rawScratchTable,
		`CREATE TABLE ` + rawScratchTable + ` (id INTEGER PRIMARY KEY, payload TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return 0, err
		}
	}
	defer db.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS `+rawScratchTable) //nolint:errcheck // best effort
	n, elapsed, err := forClients(ctx, stderr, "raw INSERT", clients, d, func(ctx context.Context, _ *rand.Rand) error {
		_, err := db.ExecContext(ctx, `INSERT INTO `+rawScratchTable+` (payload) VALUES ('x')`)
		return err
	})
	return perSecond(n, elapsed), err
}

// forClients runs fn on clients goroutines until d has passed and
// returns how many calls succeeded and the time taken; the first error
// stops it. A bar labelled label shows it on stderr.
func forClients(ctx context.Context, stderr io.Writer, label string, clients int, d time.Duration, fn func(context.Context, *rand.Rand) error) (int64, time.Duration, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	bar := startTimedProgress(stderr, label, loadOptions{duration: d})
	defer bar.finish()
	var done atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(c)))
			for ctx.Err() == nil && time.Now().Before(deadline) {
				if err := fn(ctx, rng); err != nil {
					bar.errs.Add(1)
					cancel(err)
					return
				}
				done.Add(1)
				bar.add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return done.Load(), elapsed, err
	}
	return done.Load(), elapsed, ctx.Err()
}

// pointSelect is the raw lookup: a seeded user by user_name_lower.
const pointSelect = `SELECT id FROM accounts WHERE org_id = $1 AND user_name_lower = $2`

// rawPointSelects measures point selects of random seeded users: the
// rate with clients goroutines for d, and the latency of one client
// asking one at a time (what a paced lookup is compared with).
func rawPointSelects(ctx context.Context, stderr io.Writer, db *sql.DB, d gormstore.Dialect, orgID string, users, clients int, dur time.Duration) (rate float64, latency summary, err error) {
	query := rebind(d, pointSelect)
	one := func(ctx context.Context, rng *rand.Rand) error {
		var id string
		return db.QueryRowContext(ctx, query, orgID, seedUserName(rng.IntN(users))).Scan(&id)
	}
	n, elapsed, err := forClients(ctx, stderr, "raw SELECT", clients, dur, one)
	if err != nil {
		return 0, summary{}, fmt.Errorf("raw point select: %w", err)
	}
	var lat []time.Duration
	var mu sync.Mutex
	_, _, err = forClients(ctx, stderr, "raw SELECT, one client", 1, dur, func(ctx context.Context, rng *rand.Rand) error {
		t0 := time.Now()
		err := one(ctx, rng)
		mu.Lock()
		defer mu.Unlock()
		lat = append(lat, time.Since(t0))
		return err
	})
	if err != nil {
		return 0, summary{}, fmt.Errorf("raw point select: %w", err)
	}
	return perSecond(n, elapsed), summarize(lat), nil
}

// rawWalkColumns are what a SCIM user is built from.
const rawWalkColumns = `id, user_name, external_id, display_name, given_name, family_name, primary_email, active,
 title, department, employee_number, resource, created_at, updated_at`

// rawWalk reads every account of the organization in id order in one
// statement and returns the time and the rows.
func rawWalk(ctx context.Context, url string, db *sql.DB, orgID string) (time.Duration, int64, error) {
	query := fmt.Sprintf(`SELECT %s FROM accounts WHERE org_id = '%s' ORDER BY id`, rawWalkColumns, orgID)
	return rawCSV(ctx, url, db, query)
}

// rawCSV writes query's rows as CSV and throws them away: COPY ... TO
// STDOUT WITH CSV on PostgreSQL, a SELECT read row by row and encoded
// with encoding/csv on SQLite. query may hold only literals (COPY takes
// no parameters); the callers build it from ids they made.
func rawCSV(ctx context.Context, url string, db *sql.DB, query string) (time.Duration, int64, error) {
	if isPostgresURL(url) {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return 0, 0, err
		}
		defer conn.Close(context.WithoutCancel(ctx))
		var w countingWriter
		start := time.Now()
		tag, err := conn.PgConn().CopyTo(ctx, &w, "COPY ("+query+") TO STDOUT WITH CSV")
		if err != nil {
			return 0, 0, fmt.Errorf("copy: %w", err)
		}
		return time.Since(start), tag.RowsAffected(), nil
	}
	var w countingWriter
	return rawCSVTo(ctx, db, query, &w)
}

// rawCSVTo reads query's rows through database/sql and writes them to w
// as CSV, as COPY would.
func rawCSVTo(ctx context.Context, db *sql.DB, query string, w io.Writer) (time.Duration, int64, error) {
	start := time.Now()
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, 0, err
	}
	raw := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	record := make([]string, len(cols))
	out := csv.NewWriter(w)
	var n int64
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return 0, 0, err
		}
		for i, v := range raw {
			record[i] = string(v)
		}
		if err := out.Write(record); err != nil {
			return 0, 0, err
		}
		n++
	}
	out.Flush()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	return time.Since(start), n, out.Error()
}

// rawPageSelect is the cheapest list page: the first 50 in id order.
const rawPageSelect = `SELECT id, user_name, display_name, primary_email, state, department, title, location
 FROM accounts WHERE org_id = $1 ORDER BY id LIMIT 50`

// rawPage asks the cheapest page n times, one at a time.
func rawPage(ctx context.Context, db *sql.DB, d gormstore.Dialect, orgID string, n int) (summary, error) {
	query := rebind(d, rawPageSelect)
	var lat []time.Duration
	for range n {
		t0 := time.Now()
		rows, err := db.QueryContext(ctx, query, orgID)
		if err != nil {
			return summary{}, fmt.Errorf("raw page: %w", err)
		}
		for rows.Next() {
		}
		err = errors.Join(rows.Err(), rows.Close())
		if err != nil {
			return summary{}, fmt.Errorf("raw page: %w", err)
		}
		lat = append(lat, time.Since(t0))
	}
	return summarize(lat), nil
}

// rawBaseline is what bench measures of the database alone after its
// scenarios (the server stopped).
type rawBaseline struct {
	InsertRate float64 // single-row INSERT transactions per second
	InsertHow  string
	SelectRate float64 // point selects per second, N clients
	SelectOne  summary // point select latency, one client
	Clients    int
	Walk       time.Duration // all the organization's accounts, one statement
	WalkRows   int64
	WalkHow    string
}

// measureRaw takes the raw baseline on the bench database: pgbench's
// INSERT there already ran (PostgreSQL) and is passed in.
func measureRaw(ctx context.Context, stderr io.Writer, url string, users, clients int, d time.Duration, pg *pgbenchResult) (*rawBaseline, error) {
	dialect := dialectOf(url)
	store, err := gormstore.Open(ctx, gormstore.Options{URL: url, Dialect: dialect, MaxOpenConns: clients + 2})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	org, err := store.OrganizationBySlug(ctx, "default")
	if err != nil {
		return nil, err
	}
	raw := &rawBaseline{Clients: clients}
	switch {
	case pg != nil:
		raw.InsertRate, raw.InsertHow = pg.TPS, pg.Command
	case dialect == gormstore.SQLite:
		if raw.InsertRate, err = rawInsertRate(ctx, stderr, store.DB(), clients, d); err != nil {
			return raw, fmt.Errorf("raw insert: %w", err)
		}
		raw.InsertHow = fmt.Sprintf("INSERT of one row per transaction, %d clients, %s (database/sql, the server's SQLite driver)", clients, d)
	}
	if raw.SelectRate, raw.SelectOne, err = rawPointSelects(ctx, stderr, store.DB(), dialect, org.ID, users, clients, d); err != nil {
		return raw, err
	}
	raw.WalkHow = "COPY (SELECT …) TO STDOUT WITH CSV"
	if dialect == gormstore.SQLite {
		raw.WalkHow = "SELECT read through database/sql into CSV"
	}
	raw.Walk, raw.WalkRows, err = rawWalk(ctx, url, store.DB(), org.ID)
	return raw, err
}

// rawInsertBaseline is the insert baseline alone, on any database of
// this tool's (the invitation target's): pgbench on PostgreSQL.
func rawInsertBaseline(ctx context.Context, stderr io.Writer, url, dir string, clients int, d time.Duration) (float64, string, error) {
	if isPostgresURL(url) {
		bar := startClockProgress(stderr, "pgbench", d)
		pg, err := runPgbench(ctx, url, dir, clients, d)
		bar.finish()
		return pg.TPS, pg.Command, err
	}
	store, err := gormstore.Open(ctx, gormstore.Options{URL: url, Dialect: gormstore.SQLite})
	if err != nil {
		return 0, "", err
	}
	defer store.Close()
	rate, err := rawInsertRate(ctx, stderr, store.DB(), clients, d)
	return rate, fmt.Sprintf("INSERT of one row per transaction, %d clients, %s (database/sql)", clients, d), err
}
