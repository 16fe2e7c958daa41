package main

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/export"
)

// exportSelectSQL is what an export reads: the columns of gormstore's
// ExportRows (keep them in step with exportColumns in
// directory/gormstore/exportrows.go), the same join to the manager, the
// same filter (status invited) and order. COPY takes no parameters, so
// the organization's id (ours, a UUID) is written in.
const exportSelectSQL = `SELECT a.id, a.user_name, a.display_name, a.given_name, a.family_name, a.primary_email,
 a.employee_number, a.title, a.department, a.division, a.location, a.auth_method, a.state, a.active,
 a.invited_at, a.claimed_at, a.invite_generation, a.invite_expires_at,
 a.access_code_hash, a.access_code_generation, a.access_code_expires_at,
 mgr.display_name, mgr.employee_number
 FROM accounts a LEFT JOIN accounts mgr ON mgr.org_id = a.org_id AND mgr.id = a.manager_id
 WHERE a.org_id = '%s' AND a.active AND a.state = 'invited' ORDER BY a.id`

// exportCopySQL is PostgreSQL's own CSV of the same rows.
const exportCopySQL = "COPY (" + exportSelectSQL + ") TO STDOUT WITH CSV"

// countingWriter counts what COPY sends and drops it.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// timeCopy runs the COPY on a connection of its own.
func timeCopy(ctx context.Context, pool *pgxpool.Pool, orgID string) (time.Duration, int64, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Release()
	var w countingWriter
	start := time.Now()
	if _, err := conn.Conn().PgConn().CopyTo(ctx, &w, fmt.Sprintf(exportCopySQL, orgID)); err != nil {
		return 0, 0, fmt.Errorf("copy: %w", err)
	}
	return time.Since(start), w.n, nil
}

// timeBaseline is the export's raw baseline: PostgreSQL's COPY of the
// same rows, or on SQLite the same SELECT read into CSV through the
// server's driver.
func timeBaseline(ctx context.Context, url string, store *gormstore.Store, orgID string) (time.Duration, int64, error) {
	if isPostgresURL(url) {
		pool, err := pgxpool.New(ctx, url)
		if err != nil {
			return 0, 0, err
		}
		defer pool.Close()
		return timeCopy(ctx, pool, orgID)
	}
	var w countingWriter
	d, _, err := rawCSVTo(ctx, store.DB(), fmt.Sprintf(exportSelectSQL, orgID), &w)
	return d, w.n, err
}

// exportRun is one measured export.
type exportRun struct {
	Copy, Export time.Duration
	CopyBytes    int64
	Rows, Size   int64
	// HeapGrowth is the most the Go heap in use grew over its level
	// before the export; HeapPeak that most, absolute.
	HeapGrowth, HeapPeak int64
}

func (r exportRun) ratio() float64 { return r.Export.Seconds() / r.Copy.Seconds() }

// timeExport runs what the export job runs (admin's runExport): count the
// selection, mark the export running, export.Build into the database
// recording progress per part, mark it succeeded; the email is left out.
func timeExport(ctx context.Context, store *gormstore.Store, links export.Links, adminID, orgID string, pageSize int) (exportRun, error) {
	x := directory.Export{OrgID: orgID, AdminID: adminID, Status: directory.JobQueued, Storage: directory.ExportInDatabase,
		Params: []byte(`{"status":"invited"}`), ExpiresAt: time.Now().Add(time.Hour)}
	if err := store.CreateExport(ctx, &x); err != nil {
		return exportRun{}, err
	}
	invited, _ := directory.StatusFilter(directory.StatusInvited)
	mem := startHeapSampler(20 * time.Millisecond)
	start := time.Now()
	count, err := store.FindAccounts(ctx, orgID, directory.ListQuery{Filter: invited, WithTotal: true})
	if err != nil {
		return exportRun{}, err
	}
	started := time.Now().UTC()
	x.Status, x.StartedAt, x.RowsTotal = directory.JobRunning, &started, count.Total
	if err := store.UpdateExport(ctx, &x); err != nil {
		return exportRun{}, err
	}
	res, err := export.Build(ctx, export.Job{Store: store, Links: links, Export: x, Filter: invited, PageSize: pageSize,
		Progress: func(ctx context.Context, rows int64) error { x.RowsDone = rows; return store.UpdateExport(ctx, &x) }})
	if err != nil {
		return exportRun{}, err
	}
	finished := time.Now().UTC()
	x.Status, x.RowsDone, x.Size, x.FinishedAt = directory.JobSucceeded, res.Rows, res.Size, &finished
	if err := store.UpdateExport(ctx, &x); err != nil {
		return exportRun{}, err
	}
	run := exportRun{Export: time.Since(start), Rows: res.Rows, Size: res.Size}
	run.HeapGrowth, run.HeapPeak = mem.stop()
	// The next run starts from an empty table of parts, as a new export
	// would; these parts are what a download would read.
	return run, export.Remove(ctx, store, "", x)
}

// heapSampler keeps the peak of the Go heap in use while it runs.
type heapSampler struct {
	base    int64
	peak    atomic.Int64
	done    chan struct{}
	stopped sync.WaitGroup
}

func startHeapSampler(every time.Duration) *heapSampler {
	runtime.GC()
	s := &heapSampler{base: heapInUse(), done: make(chan struct{})}
	s.peak.Store(s.base)
	s.stopped.Add(1)
	go func() {
		defer s.stopped.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if h := heapInUse(); h > s.peak.Load() {
				s.peak.Store(h)
			}
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// stop returns the growth over the starting level and the peak.
func (s *heapSampler) stop() (growth, peak int64) {
	close(s.done)
	s.stopped.Wait()
	return s.peak.Load() - s.base, s.peak.Load()
}

func heapInUse() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// exportLinks makes real claim links and access codes, as the server's
// inviter does (the key only changes which links, not their cost).
func exportLinks() (export.Links, error) {
	secrets, err := claim.NewSecrets([]byte("latchkey-load export benchmark key, not a secret"))
	if err != nil {
		return nil, err
	}
	return claim.NewInviter(claim.Options{Secrets: secrets, BaseURL: "https://latchkey.example.com"}), nil
}
