package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
)

// The export target of the admin API issue: "export of 1,000,000
// accounts with claim links on PostgreSQL takes at most 3 times as long
// as PostgreSQL's own COPY (SELECT ...) TO STDOUT WITH CSV of the same
// columns measured in the same run, and never over 30 s, with the
// server's memory growth under 100 MB".
//
// `export` seeds N invited accounts into a database of its own, then,
// per run, times the COPY and the real export (this process runs the
// job's code: count, export.Build into the database with progress, mark
// succeeded) and samples this process's Go heap while the export runs.

const (
	exportRatioTarget  = 3.0
	exportTimeTarget   = 30 * time.Second
	exportMemoryTarget = 100_000_000 // bytes: 100 MB
)

type exportFlags struct {
	databaseURL, dbName, cpuProfile string
	users, runs, pageSize           int
	reuse, keep                     bool
}

func (f *exportFlags) validate() error {
	var problems []string
	if err := checkDatabaseTarget(f.databaseURL); err != nil {
		problems = append(problems, err.Error())
	}
	if f.users < exportManagers || f.users > 10_000_000 {
		problems = append(problems, fmt.Sprintf("--users must be between %d and 10,000,000", exportManagers))
	}
	if f.pageSize < 0 || f.pageSize > directory.MaxExportPage {
		problems = append(problems, fmt.Sprintf("--page-size must be between 0 and %d", directory.MaxExportPage))
	}
	if f.runs < 1 || f.runs > 20 {
		problems = append(problems, "--runs must be between 1 and 20")
	}
	if len(problems) > 0 {
		return usagef("export: %s", strings.Join(problems, "; "))
	}
	return nil
}

func runExport(ctx context.Context, env *cli, args []string) error {
	fs := newFlagSet(env, "export", "export --database-url URL [--users N] [--runs N] [flags]")
	f := &exportFlags{}
	fs.StringVar(&f.databaseURL, "database-url", "", "postgres://... on this machine (export creates and drops its own database next to it), or a SQLite file path, where the baseline is a SELECT of the same rows into CSV instead of COPY")
	fs.StringVar(&f.dbName, "db-name", "latchkey_bench_export", "the database export creates (must start with latchkey_bench)")
	fs.IntVar(&f.users, "users", 1_000_000, "invited accounts to seed and export")
	fs.IntVar(&f.pageSize, "page-size", 0, "rows per database read (0: the export's default)")
	fs.IntVar(&f.runs, "runs", 3, "COPY-then-export rounds; the report takes the median ratio and the worst time and memory")
	fs.BoolVar(&f.reuse, "reuse", false, "reuse a database an earlier run kept (--keep) instead of seeding again")
	fs.BoolVar(&f.keep, "keep", false, "keep the database afterwards")
	fs.StringVar(&f.cpuProfile, "cpu-profile", "", "write a CPU profile of the export runs to this file (go tool pprof)")
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
	runs, err := exportBench(ctx, env, f, db.URL)
	if err != nil {
		return err
	}
	fmt.Fprint(env.stdout, exportReport(backendName(db.URL), f.users, runs))
	return nil
}

// exportBench prepares the organization (seeding it when empty) and
// measures f.runs rounds.
func exportBench(ctx context.Context, env *cli, f *exportFlags, url string) ([]exportRun, error) {
	store, err := openMigrated(ctx, url)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	org, adm, err := exportOrg(ctx, store)
	if err != nil {
		return nil, err
	}
	n, err := store.CountAccounts(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	switch {
	case n == 0 && isPostgresURL(url):
		pool, err := pgxpool.New(ctx, url)
		if err != nil {
			return nil, err
		}
		err = seedExportPeople(ctx, env, pool, org.ID, f.users)
		pool.Close()
		if err != nil {
			return nil, err
		}
	case n == 0:
		if err := seedExportStore(ctx, env, url, org.ID, f.users); err != nil {
			return nil, err
		}
	case n != int64(f.users):
		return nil, fmt.Errorf("the kept database holds %s accounts, not --users %s; run without --reuse", thousands(n), thousands(int64(f.users)))
	}
	links, err := exportLinks()
	if err != nil {
		return nil, err
	}
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return nil, err
		}
		defer stop()
	}
	var runs []exportRun
	for i := range f.runs {
		copyTime, copyBytes, err := timeBaseline(ctx, url, store, org.ID)
		if err != nil {
			return nil, err
		}
		run, err := timeExport(ctx, store, links, adm.ID, org.ID, f.pageSize)
		if err != nil {
			return nil, err
		}
		run.Copy, run.CopyBytes = copyTime, copyBytes
		fmt.Fprintf(env.stderr, "run %d: %s %s (%s), export %s (%s rows, %s), ratio %.2f, heap growth %s\n",
			i+1, exportBaselineName(url), copyTime.Round(time.Millisecond), mib(copyBytes), run.Export.Round(time.Millisecond),
			thousands(run.Rows), mib(run.Size), run.ratio(), mib(run.HeapGrowth))
		if run.Rows != int64(f.users) {
			return nil, fmt.Errorf("the export wrote %s rows; want %s", thousands(run.Rows), thousands(int64(f.users)))
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// startCPUProfile profiles this process until the returned stop.
func startCPUProfile(path string) (func(), error) {
	out, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		_ = out.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); _ = out.Close() }, nil
}

// exportOrg is the benchmark's organization and requesting admin.
func exportOrg(ctx context.Context, store *gormstore.Store) (directory.Organization, directory.Admin, error) {
	org, err := store.OrganizationBySlug(ctx, "export-bench")
	if errors.Is(err, directory.ErrNotFound) {
		org = directory.Organization{Slug: "export-bench", Name: "Export benchmark"}
		err = store.CreateOrganization(ctx, &org)
	}
	if err != nil {
		return org, directory.Admin{}, err
	}
	admins, err := store.ListAdmins(ctx, org.ID)
	if err != nil || len(admins) > 0 {
		return org, firstAdmin(admins), err
	}
	adm := directory.Admin{OrgID: org.ID, Email: "export@load.example", Role: directory.RoleAccountManager}
	return org, adm, store.CreateAdmin(ctx, &adm)
}

func firstAdmin(admins []directory.Admin) directory.Admin {
	if len(admins) == 0 {
		return directory.Admin{}
	}
	return admins[0]
}

// exportSummary is what the targets are judged on: the median ratio, and
// the worst time and memory.
func exportSummary(runs []exportRun) (median float64, worst exportRun) {
	ratios := make([]float64, len(runs))
	for i, r := range runs {
		ratios[i] = r.ratio()
		worst.Export = max(worst.Export, r.Export)
		worst.HeapGrowth = max(worst.HeapGrowth, r.HeapGrowth)
		worst.HeapPeak = max(worst.HeapPeak, r.HeapPeak)
		worst.Copy = max(worst.Copy, r.Copy)
	}
	slices.Sort(ratios)
	return ratios[len(ratios)/2], worst
}

// exportBaselineName names the raw baseline on url's database.
func exportBaselineName(url string) string {
	if isPostgresURL(url) {
		return "COPY"
	}
	return "SELECT"
}

// exportReport is the markdown table docs/benchmarks.md takes. backend
// is "PostgreSQL", whose baseline is COPY, or "SQLite", a SELECT of the
// same rows into CSV.
func exportReport(backend string, users int, runs []exportRun) string {
	median, worst := exportSummary(runs)
	base := "COPY"
	if backend != "PostgreSQL" {
		base = "SELECT"
	}
	hwm := int64(0)
	if m, err := readProcMem(os.Getpid()); err == nil {
		hwm = m.HWM
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Export of %s invited accounts with claim links (%s, %d runs)\n\n", thousands(int64(users)), backend, len(runs))
	fmt.Fprintf(&b, "| run | %s | export | ratio | file | Go heap growth |\n|---|---|---|---|---|---|\n", base)
	for i, r := range runs {
		fmt.Fprintf(&b, "| %d | %s | %s | %.2f | %s | %s |\n", i+1, r.Copy.Round(time.Millisecond), r.Export.Round(time.Millisecond),
			r.ratio(), mib(r.Size), mib(r.HeapGrowth))
	}
	b.WriteString("\n| target | measured | verdict |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| export / %s ≤ %.0f× (median) | %.2f× | %s |\n", base, exportRatioTarget, median, verdict(median <= exportRatioTarget))
	fmt.Fprintf(&b, "| export ≤ %s (worst) | %s | %s |\n", exportTimeTarget, worst.Export.Round(time.Millisecond), verdict(worst.Export <= exportTimeTarget))
	fmt.Fprintf(&b, "| memory growth < 100 MB (Go heap in use, worst) | %s (peak heap %s, process VmHWM %s) | %s |\n",
		mib(worst.HeapGrowth), mib(worst.HeapPeak), mib(hwm), verdict(worst.HeapGrowth < exportMemoryTarget))
	return b.String()
}
