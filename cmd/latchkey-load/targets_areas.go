package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"
)

// Each area runs one of the single commands' internals on its own
// database and turns the result into rows of the targets table.

// targetScenarios are the SCIM phases bench runs for the table: the
// lookups (paced, then saturated), writes, the mixes, then the walks
// (last, so they read the users the others created).
const targetScenarios = "lookup-username,lookup-externalid,patch,members,create,entra,okta,walk,walk-cursor"

func scimTargets(ctx context.Context, env *cli, r targetsRun) ([]targetRow, error) {
	f := r.f
	bf := &benchFlags{
		databaseURL: r.url("bench"), dbName: f.dbName, latchkeyBin: r.bin, scenarios: targetScenarios, seedMode: "auto",
		users: r.sizes.users, groups: 10, membersPerGroup: 1000, concurrency: f.concurrency, seedWorkers: 3, sample: 500,
		duration: f.duration, walkTimeout: f.walkTimeout, lookupRate: f.lookupRate,
		keep: f.keep, reuse: f.reuse, pgbench: true, raw: true,
	}
	if err := bf.validate(); err != nil {
		return r.failed("SCIM", r.sizes.users, "users", err), err
	}
	rep, err := bench(ctx, env, bf)
	if rep == nil {
		return r.failed("SCIM", r.sizes.users, "users", err), err
	}
	fmt.Fprint(env.stderr, rep.markdown())
	rows := scimRows(r, rep)
	if err != nil {
		rows = append(rows, r.row("SCIM: the rest of the run", r.sizes.users, "users").errored(err))
	}
	return rows, err
}

func inviteTargets(ctx context.Context, env *cli, r targetsRun) ([]targetRow, error) {
	f := r.f
	url := r.url("invite")
	if !isPostgresURL(url) {
		// The invitation target needs accounts nobody invited yet, so it
		// never reuses a kept file: it starts afresh.
		for _, p := range []string{url, url + "-wal", url + "-shm", url + ".key"} {
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				return r.failed("invitation backlog", r.sizes.invite, "accounts", err), err
			}
		}
	}
	inf := &inviteFlags{
		databaseURL: url, dbName: f.dbName + "_invite", latchkeyBin: r.bin, department: inviteRuleName, smtpQuery: "max_conns=8",
		users: r.sizes.invite, jobWorkers: 100, seedWorkers: 3, timeout: f.inviteTimeout, settle: f.settle, keep: f.keep,
		rawDuration: f.duration,
	}
	if err := inf.validate(); err != nil {
		return r.failed("invitation backlog", r.sizes.invite, "accounts", err), err
	}
	rep, err := inviteBench(ctx, env, inf)
	if rep == nil {
		return r.failed("invitation backlog", r.sizes.invite, "accounts", err), err
	}
	fmt.Fprint(env.stderr, rep.markdown())
	return inviteRows(r, rep, err), err
}

func exportTargets(ctx context.Context, env *cli, r targetsRun) (rows []targetRow, err error) {
	f := r.f
	ef := &exportFlags{databaseURL: r.url("export"), dbName: f.dbName + "_export", users: r.sizes.export, runs: f.exportRuns, reuse: f.reuse, keep: f.keep}
	if err := ef.validate(); err != nil {
		return r.failed("export", r.sizes.export, "accounts", err), err
	}
	db, err := prepareDB(ctx, ef.databaseURL, ef.dbName, ef.reuse, ef.keep)
	if err != nil {
		return r.failed("export", r.sizes.export, "accounts", err), err
	}
	defer func() { err = errors.Join(err, db.cleanup(context.WithoutCancel(ctx))) }()
	runs, err := exportBench(ctx, env, ef, db.URL)
	if err != nil || len(runs) == 0 {
		return r.failed("export", r.sizes.export, "accounts", err), err
	}
	fmt.Fprint(env.stderr, exportReport(r.backend, ef.users, runs))
	return exportRows(r, runs), nil
}

// peopleAndConsoleTargets measures the people list and the console on
// one seeded company (the console shows the same people), then the raw
// page on it.
func peopleAndConsoleTargets(ctx context.Context, env *cli, r targetsRun) (rows []targetRow, err error) {
	f := r.f
	url, name := r.url("people"), f.dbName+"_people"
	db, err := prepareDB(ctx, url, name, f.reuse, f.keep)
	if err != nil {
		return r.failed("people list and console", r.sizes.people, "accounts", err), err
	}
	defer func() { err = errors.Join(err, db.cleanup(context.WithoutCancel(ctx))) }()
	var people []peopleResult
	var pages []consoleResult
	if f.wants("people") {
		pf := &peopleFlags{databaseURL: url, dbName: name, users: r.sizes.people, pages: f.peoplePages, limit: 50}
		if people, err = peopleBench(ctx, env, pf, db.URL); err != nil {
			return r.failed("people list", r.sizes.people, "accounts", err), err
		}
		fmt.Fprint(env.stderr, peopleReport(pf, people))
	}
	if f.wants("console") {
		cf := &consoleFlags{databaseURL: url, dbName: name, users: r.sizes.people, runs: f.consoleRuns, pages: f.consolePages}
		if pages, err = consoleBench(ctx, env, cf, db.URL); err != nil {
			return r.failed("console pages", r.sizes.people, "accounts", err), err
		}
		fmt.Fprint(env.stderr, consoleReport(cf, pages))
	}
	raw, err := peopleRawPage(ctx, db.URL)
	if err != nil {
		return r.failed("people list and console", r.sizes.people, "accounts", err), err
	}
	if people != nil {
		rows = append(rows, peopleRow(r, people, raw))
	}
	if pages != nil {
		rows = append(rows, consoleRow(r, pages, raw))
	}
	return rows, nil
}

// peopleRawPage asks the cheapest page of the people company 200 times.
func peopleRawPage(ctx context.Context, url string) (summary, error) {
	store, err := openMigrated(ctx, url)
	if err != nil {
		return summary{}, err
	}
	defer store.Close()
	org, err := peopleOrg(ctx, store)
	if err != nil {
		return summary{}, err
	}
	return rawPage(ctx, store.DB(), store.Dialect(), org.ID, 200)
}

// scimRows are the SCIM targets from a bench report.
func scimRows(r targetsRun, rep *benchReport) []targetRow {
	raw := rep.Raw
	if raw == nil {
		raw = &rawBaseline{}
	}
	var rows []targetRow
	for _, l := range []struct{ scenario, name string }{{"lookup-username", "`userName eq` lookup"}, {"lookup-externalid", "`externalId eq` lookup"}} {
		rows = append(rows, r.lookupRows(rep, raw, l.scenario, l.name)...)
	}
	for _, w := range []struct{ scenario, name string }{{"walk", "full walk, `startIndex`/`count=100`"}, {"walk-cursor", "full walk, RFC 9865 cursor"}} {
		rows = append(rows, r.walkRow(rep, raw, w.scenario, w.name))
	}
	mem := r.row("server memory throughout", r.sizes.users, "users")
	mem.value, mem.command = "VmHWM < 200 MB", r.benchCommand(targetScenarios)
	if rep.HWM > 0 {
		mem.result, mem.met = "VmHWM "+mb(rep.HWM), metText(rep.HWM < memoryTarget)
	}
	rows = append(rows, mem, r.createRow(rep, raw), r.membersRow(rep, raw))
	return append(rows, r.mixRow(rep, "entra"), r.mixRow(rep, "okta"))
}

func (r targetsRun) lookupRows(rep *benchReport, raw *rawBaseline, scenario, name string) []targetRow {
	paced := r.row(name+fmt.Sprintf(", paced at %g/s", r.f.lookupRate), r.sizes.users, "users")
	paced.value = "p99 < 5 ms, server side"
	paced.command = r.benchCommand(scenario)
	if p := rep.phase(pacedLabel(scenario)); p != nil && len(p.Server.Durations) > 0 {
		s := summarize(p.Server.Durations)
		paced.result = fmt.Sprintf("p99 %s (p50 %s)", ms(s.P99), ms(s.P50))
		paced.met = metText(s.P99 < lookupP99Target && p.Load.Statuses.errors() == 0 && p.Load.Wrong == 0)
		paced.raw = "point SELECT, one client: p99 " + ms(raw.SelectOne.P99)
		paced.ratio = timesOf(s.P99, raw.SelectOne.P99, "raw p99")
	}
	sat := r.row(name+fmt.Sprintf(", saturated: %d clients", r.f.concurrency), r.sizes.users, "users")
	sat.value, sat.command = paced.value, paced.command
	if p := rep.phase(scenario); p != nil && len(p.Server.Durations) > 0 {
		s, rate := summarize(p.Server.Durations), p.Load.throughput()
		sat.result = fmt.Sprintf("p99 %s at %s/s", ms(s.P99), thousands(int64(rate)))
		sat.met = metText(s.P99 < lookupP99Target && p.Load.Statuses.errors() == 0 && p.Load.Wrong == 0)
		sat.raw = fmt.Sprintf("point SELECT: %s/s, %d clients", thousands(int64(raw.SelectRate)), raw.Clients)
		sat.ratio = fractionOf(rate, raw.SelectRate, "raw rate")
	}
	return []targetRow{paced, sat}
}

func (r targetsRun) walkRow(rep *benchReport, raw *rawBaseline, scenario, name string) targetRow {
	row := r.row(name, r.sizes.users, "users")
	row.value = "not quadratic: last tenth's page p50 ≤ 2× the first's"
	row.command = r.benchCommand(scenario)
	p := rep.phase(scenario)
	if p == nil || len(p.Server.Durations) == 0 {
		return row
	}
	first, _, last := segments(p.Server.Durations, 10)
	row.result = fmt.Sprintf("%s users in %s; page p50 %s → %s", thousands(p.Walk.Users), span(p.Walk.Elapsed), ms(first.P50), ms(last.P50))
	row.met = metText(p.Walk.Complete && isFlat(first, last))
	if raw.WalkRows > 0 {
		row.raw = fmt.Sprintf("%s of %s rows: %s", rawWalkName(r.backend), thousands(raw.WalkRows), span(raw.Walk))
		row.ratio = timesOf(p.Walk.Elapsed, raw.Walk, "raw time")
	}
	return row
}

func rawWalkName(backend string) string {
	if backend == "PostgreSQL" {
		return "COPY"
	}
	return "SELECT"
}

func (r targetsRun) createRow(rep *benchReport, raw *rawBaseline) targetRow {
	row := r.row(fmt.Sprintf("`POST /Users`, %d clients", r.f.concurrency), r.sizes.users, "users")
	row.value, row.command = "≥ 1,000/s", r.benchCommand("create")
	if p := rep.phase("create"); p != nil {
		rate := p.Load.throughput()
		row.result = fmt.Sprintf("%s/s (server p99 %s)", thousands(int64(rate)), ms(summarize(p.Server.Durations).P99))
		row.met = metText(rate >= createRateTarget && p.Load.Statuses.errors() == 0)
		row.raw, row.ratio = r.insertBaseline(raw.InsertRate), fractionOf(rate, raw.InsertRate, "raw rate")
	}
	return row
}

func (r targetsRun) membersRow(rep *benchReport, raw *rawBaseline) targetRow {
	row := r.row(fmt.Sprintf("group membership: Entra's member `PATCH`, %d clients", r.f.concurrency), r.sizes.users, "users")
	row.value, row.met, row.command = "none set (reported)", "–", r.benchCommand("members")
	if p := rep.phase("members"); p != nil {
		rate := p.Load.throughput()
		row.result = fmt.Sprintf("%s/s (server p99 %s, %d errors)", thousands(int64(rate)), ms(summarize(p.Server.Durations).P99), p.Load.Statuses.errors())
		row.raw, row.ratio = r.insertBaseline(raw.InsertRate), fractionOf(rate, raw.InsertRate, "raw rate")
	}
	return row
}

// mixRow judges a traffic mix by its provider's own requirement: Entra
// ID asks 25 requests/s per tenant; Okta gives up on a request after
// 60 s. Neither may see a failed request.
func (r targetsRun) mixRow(rep *benchReport, name string) targetRow {
	row := r.row(map[string]string{"entra": "Entra ID traffic mix", "okta": "Okta traffic mix"}[name]+fmt.Sprintf(", %d clients", r.f.concurrency), r.sizes.users, "users")
	row.value = "≥ 25 requests/s (Entra ID's per-tenant requirement), none failed"
	if name == "okta" {
		row.value = "every request answered within 60 s (Okta's timeout), none failed"
	}
	row.command = r.benchCommand(name)
	p := rep.phase(name)
	if p == nil {
		return row
	}
	l := p.Load
	rate, failed := perSecond(l.requestsSent(), l.Elapsed), l.requestErrors()
	var slowest time.Duration
	for _, k := range l.Kinds {
		slowest = max(slowest, summarize(k.Latencies).Max)
	}
	row.result = fmt.Sprintf("%s requests/s (%s operations/s), %d failed, slowest %s", thousands(int64(rate)), thousands(int64(l.throughput())), failed, ms(slowest))
	ok := failed == 0 && l.Wrong == 0 && l.Requests > 0
	if name == "entra" {
		ok = ok && rate >= 25
	} else {
		ok = ok && slowest < 60*time.Second
	}
	row.met = metText(ok)
	return row
}

func (r targetsRun) insertBaseline(rate float64) string {
	if rate <= 0 {
		return "–"
	}
	how := "pgbench"
	if r.backend == "SQLite" {
		how = "database/sql"
	}
	return fmt.Sprintf("single-row INSERT: %s/s, %d clients (%s)", thousands(int64(rate)), r.f.concurrency, how)
}

func inviteRows(r targetsRun, rep *inviteReport, runErr error) []targetRow {
	drain := r.row("invitation backlog drains (rule back-fill, SMTP to a local sink)", r.sizes.invite, "accounts")
	drain.value = "≥ 500 emails/s, one email each"
	drain.command = fmt.Sprintf("bin/latchkey-load invite --database-url %s --users %d --job-workers 100 --smtp-options max_conns=8 --raw-duration %s",
		r.shownURL("invite"), r.sizes.invite, r.f.duration)
	mem := r.row("invitation drain: server memory", r.sizes.invite, "accounts")
	mem.value, mem.command = "flat (last tenth ≤ 1.2× the first), VmHWM < 200 MB", drain.command
	if runErr != nil {
		return []targetRow{drain.errored(runErr), mem.errored(runErr)}
	}
	rate := rep.drainRate()
	drain.result = fmt.Sprintf("%s emails/s (%s emails, %s distinct, %s duplicates)", thousands(int64(rate)),
		thousands(int64(rep.Sink.Total)), thousands(int64(rep.Sink.Distinct)), thousands(int64(rep.Sink.Duplicates)))
	drain.met = metText(rate >= inviteDrainTarget && rep.exact())
	drain.raw, drain.ratio = r.insertBaseline(rep.RawInsert), fractionOf(rate, rep.RawInsert, "raw rate")
	first, last, _ := rep.rssTenths()
	mem.result = fmt.Sprintf("VmRSS %s → %s (first → last tenth), VmHWM %s", mb(first), mb(last), mb(rep.HWM))
	mem.met = metText(rep.memoryFlat())
	return []targetRow{drain, mem}
}

func exportRows(r targetsRun, runs []exportRun) []targetRow {
	median, worst := exportSummary(runs)
	byRatio := slices.Clone(runs)
	slices.SortFunc(byRatio, func(a, b exportRun) int { return cmpFloat(a.ratio(), b.ratio()) })
	mid := byRatio[len(byRatio)/2]
	base := rawWalkName(r.backend)
	cmd := fmt.Sprintf("bin/latchkey-load export --database-url %s --users %d --runs %d", r.shownURL("export"), r.sizes.export, len(runs))
	ratio := r.row("export with claim links ÷ the same rows' "+base, r.sizes.export, "accounts")
	ratio.value, ratio.command = fmt.Sprintf("≤ 3× %s (median of the runs)", base), cmd
	ratio.result = fmt.Sprintf("%.2f× (export %s, median of %d)", median, span(mid.Export), len(runs))
	ratio.met = metText(median <= exportRatioTarget)
	ratio.raw, ratio.ratio = fmt.Sprintf("%s to CSV: %s (%s)", base, span(mid.Copy), mib(mid.CopyBytes)), fmt.Sprintf("%.2f×", median)
	took := r.row("export time", r.sizes.export, "accounts")
	took.value, took.command = "≤ 30 s (worst run)", cmd
	took.result, took.met = span(worst.Export), metText(worst.Export <= exportTimeTarget)
	took.raw, took.ratio = fmt.Sprintf("%s to CSV: %s (worst run)", base, span(worst.Copy)), timesOf(worst.Export, worst.Copy, "raw time")
	mem := r.row("export memory growth", r.sizes.export, "accounts")
	mem.value, mem.command = "< 100 MB (Go heap in use, worst run)", cmd
	mem.result, mem.met = fmt.Sprintf("%s (peak heap %s)", mib(worst.HeapGrowth), mib(worst.HeapPeak)), metText(worst.HeapGrowth < exportMemoryTarget)
	return []targetRow{ratio, took, mem}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func peopleRow(r targetsRun, results []peopleResult, raw summary) targetRow {
	worst, name := worstPage(results)
	row := r.row("admin API people list: every filter, sort and search shape, first page and deeper", r.sizes.people, "accounts")
	row.value = "p99 < 50 ms, every page"
	row.result, row.met = fmt.Sprintf("worst p99 %s (%s)", ms(worst), name), metText(worst < peoplePageTarget)
	row.raw, row.ratio = "first 50 rows in id order: p99 "+ms(raw.P99), timesOf(worst, raw.P99, "raw p99")
	row.command = fmt.Sprintf("bin/latchkey-load people --database-url %s --users %d --pages %d", r.shownURL("people"), r.sizes.people, r.f.peoplePages)
	return row
}

func consoleRow(r targetsRun, results []consoleResult, raw summary) targetRow {
	worst, name := worstConsolePage(results)
	row := r.row("admin console pages, server side", r.sizes.people, "accounts")
	row.value = "p99 < 200 ms, every page"
	row.result, row.met = fmt.Sprintf("worst p99 %s (%s)", ms(worst), name), metText(worst < consolePageTarget)
	row.raw, row.ratio = "first 50 rows in id order: p99 "+ms(raw.P99), timesOf(worst, raw.P99, "raw p99")
	row.command = fmt.Sprintf("bin/latchkey-load console --database-url %s --users %d --runs %d --pages %d",
		r.shownURL("people"), r.sizes.people, r.f.consoleRuns, r.f.consolePages)
	return row
}

// benchCommand reproduces one SCIM phase (or several) alone.
func (r targetsRun) benchCommand(scenarios string) string {
	cmd := fmt.Sprintf("bin/latchkey-load bench --database-url %s --users %d --scenarios %s --duration %s --raw",
		r.shownURL("bench"), r.sizes.users, scenarios, r.f.duration)
	if r.f.concurrency != 8 {
		cmd += fmt.Sprintf(" --concurrency %d", r.f.concurrency)
	}
	if r.f.lookupRate != 200 {
		cmd += fmt.Sprintf(" --lookup-rate %g", r.f.lookupRate)
	}
	return cmd
}
