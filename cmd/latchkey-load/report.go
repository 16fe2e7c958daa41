package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// The targets from the issue.
const (
	lookupP99Target  = 5 * time.Millisecond
	memoryTarget     = 200_000_000 // bytes: 200 MB
	createRateTarget = 1000.0      // per second, PostgreSQL, 8 clients
)

type benchPhase struct {
	phaseResult
	Server agentLog // the server's own records for this scenario
	// ServerKinds are a mix's records by request kind (Server holds
	// them all).
	ServerKinds map[string]agentLog
	PeakRSS     int64
	CPU         cpuUse
	Err         error
}

// answered is how many requests (or pages) the phase got answers to.
func (p benchPhase) answered() int64 {
	if p.isWalk() {
		return int64(p.Walk.Pages)
	}
	return p.Load.Requests
}

type benchReport struct {
	Facts       machineFacts
	Backend     string
	Users       int
	Concurrency int
	Duration    time.Duration
	Seed        *seedResult // nil when a seeded database was reused
	Phases      []benchPhase
	HWM         int64 // VmHWM of latchkey serve at the end
	MaxRSS      int64 // highest sampled VmRSS
	Pgbench     *pgbenchResult
	Raw         *rawBaseline // with --raw
}

func (r *benchReport) phase(label string) *benchPhase {
	for i := range r.Phases {
		if r.Phases[i].Label == label {
			return &r.Phases[i]
		}
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "**pass**"
	}
	return "**FAIL**"
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }

// markdown renders the whole report.
func (r *benchReport) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s, %s users\n\n", r.Backend, thousands(int64(r.Users)))
	f := r.Facts
	fmt.Fprintf(&b, "- Machine: %d CPUs, %s memory; %s; %s; %s\n", f.CPUs, f.Memory, f.Database, f.Go, f.Latchkey)
	fmt.Fprintf(&b, "- Started %s; load average before the scenarios %s, after %s\n", f.Started.Format(time.RFC3339), f.LoadBefore, f.LoadAfter)
	if s := r.Seed; s != nil {
		fmt.Fprintf(&b, "- Seed: %s users in %s (%s/s, %s mode); %d groups with %s memberships in %s",
			thousands(int64(s.Users)), s.Elapsed.Round(time.Second), thousands(int64(s.rate())), s.Mode,
			s.Groups, thousands(int64(s.Members)), s.GroupsElapsed.Round(time.Second))
		if s.Vacuum > 0 {
			fmt.Fprintf(&b, "; VACUUM ANALYZE %s", s.Vacuum.Round(time.Second))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "- Timed scenarios: %d clients, %s each\n\n", r.Concurrency, r.Duration)
	r.writeTargets(&b)
	r.writeRaw(&b)
	r.writeScenarios(&b)
	r.writeWalks(&b)
	for _, p := range r.Phases {
		if isMix(p.Scenario) {
			writeMix(&b, p.Scenario, p.Label, p.Load, p.ServerKinds)
		}
	}
	for _, p := range r.Phases {
		if p.Err != nil {
			fmt.Fprintf(&b, "\n%s stopped with an error: %v\n", p.Label, p.Err)
		}
		if p.Load.FirstErr != nil {
			fmt.Fprintf(&b, "\n%s: first transport error: %v\n", p.Label, p.Load.FirstErr)
		}
	}
	return b.String()
}

func (r *benchReport) writeTargets(b *strings.Builder) {
	b.WriteString("| target | measured | result |\n|---|---|---|\n")
	for _, l := range []struct{ name, label string }{{"lookup-username", "`userName eq`"}, {"lookup-externalid", "`externalId eq`"}} {
		for _, label := range []string{pacedLabel(l.name), l.name} {
			p := r.phase(label)
			if p == nil || len(p.Server.Durations) == 0 {
				continue
			}
			s, c := summarize(p.Server.Durations), summarize(p.Load.Latencies)
			ok := s.P99 < lookupP99Target && p.Load.Statuses.errors() == 0 && p.Load.Wrong == 0
			load := fmt.Sprintf("saturated: %d clients, as fast as answers come", r.Concurrency)
			if p.Rate > 0 {
				load = fmt.Sprintf("paced at %g req/s", p.Rate)
			}
			fmt.Fprintf(b, "| %s p99 < 5 ms (server side), %s | %s (client side %s; %s req/s answered) | %s |\n",
				l.label, load, ms(s.P99), ms(c.P99), thousands(int64(p.Load.throughput())), verdict(ok))
		}
	}
	if p := r.phase("walk"); p != nil && len(p.Server.Durations) > 0 {
		first, middle, last := segments(p.Server.Durations, 10)
		ok := p.Walk.Complete && isFlat(first, last)
		fmt.Fprintf(b, "| full walk, startIndex/count=100, not quadratic | %s pages, %s users in %s; page p50 %s / %s / %s (first / middle / last tenth, server side) | %s |\n",
			thousands(int64(p.Walk.Pages)), thousands(p.Walk.Users), p.Walk.Elapsed.Round(100*time.Millisecond),
			ms(first.P50), ms(middle.P50), ms(last.P50), verdict(ok))
	}
	if r.HWM > 0 {
		fmt.Fprintf(b, "| server memory < 200 MB throughout | VmHWM %s (highest sampled VmRSS %s) | %s |\n",
			mb(r.HWM), mb(r.MaxRSS), verdict(r.HWM < memoryTarget))
	}
	if p := r.phase("create"); p != nil {
		rate := p.Load.throughput()
		result := verdict(rate >= createRateTarget)
		if r.Backend != "PostgreSQL" {
			result = "(target is for PostgreSQL)"
		}
		fmt.Fprintf(b, "| POST /Users ≥ 1,000/s, %d clients | %s/s | %s |\n", r.Concurrency, thousands(int64(rate)), result)
		if pg := r.Pgbench; pg != nil && pg.TPS > 0 {
			fmt.Fprintf(b, "| creates ÷ pgbench single-row INSERT, %d clients | %s/s ÷ %s tps = **%.3f** | – |\n",
				pg.Clients, thousands(int64(rate)), thousands(int64(pg.TPS)), rate/pg.TPS)
		}
	}
	b.WriteString("\n")
}

// writeRaw states the raw database baseline, when measured.
func (r *benchReport) writeRaw(b *strings.Builder) {
	raw := r.Raw
	if raw == nil {
		return
	}
	b.WriteString("| raw database baseline (same database, server stopped) | measured |\n|---|---|\n")
	if raw.InsertRate > 0 {
		fmt.Fprintf(b, "| single-row INSERT, one transaction each | %s/s (%s) |\n", thousands(int64(raw.InsertRate)), raw.InsertHow)
	}
	fmt.Fprintf(b, "| point SELECT by user_name_lower | %s/s with %d clients; one client p50 %s, p99 %s |\n",
		thousands(int64(raw.SelectRate)), raw.Clients, ms(raw.SelectOne.P50), ms(raw.SelectOne.P99))
	fmt.Fprintf(b, "| every account in id order, one statement | %s rows in %s (%s) |\n\n",
		thousands(raw.WalkRows), raw.Walk.Round(time.Millisecond), raw.WalkHow)
}

func (r *benchReport) writeScenarios(b *strings.Builder) {
	b.WriteString("| scenario | requests | ok/s | server p50 | p90 | p99 | max | client p50 | p99 | answers | CPU ms/request server / PostgreSQL / client | peak RSS |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|\n")
	for _, p := range r.Phases {
		if p.isWalk() || isMix(p.Scenario) {
			continue
		}
		s, c := summarize(p.Server.Durations), summarize(p.Load.Latencies)
		answers := p.Load.Statuses.String()
		if p.Load.Wrong > 0 {
			answers += fmt.Sprintf(", wrong: %d", p.Load.Wrong)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			p.Label, thousands(p.Load.Requests), thousands(int64(p.Load.throughput())),
			ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max), ms(c.P50), ms(c.P99), answers, p.CPU.perRequest(p.answered()), mb(p.PeakRSS))
	}
	b.WriteString("\n")
}

func (r *benchReport) writeWalks(b *strings.Builder) {
	header := false
	for _, p := range r.Phases {
		if !p.isWalk() {
			continue
		}
		if !header {
			b.WriteString("| walk | pages | users | total time | server page p50 first / middle / last tenth | server page p99 first / middle / last | client page p50 first / middle / last | complete | CPU ms/page server / PostgreSQL / client | peak RSS |\n")
			b.WriteString("|---|--:|--:|--:|---|---|---|---|--:|--:|\n")
			header = true
		}
		sf, sm, sl := segments(p.Server.Durations, 10)
		cf, cm, cl := segments(p.Walk.PerPage, 10)
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s / %s / %s | %s / %s / %s | %s / %s / %s | %v | %s | %s |\n",
			p.Label, thousands(int64(p.Walk.Pages)), thousands(p.Walk.Users), p.Walk.Elapsed.Round(100*time.Millisecond),
			ms(sf.P50), ms(sm.P50), ms(sl.P50), ms(sf.P99), ms(sm.P99), ms(sl.P99), ms(cf.P50), ms(cm.P50), ms(cl.P50),
			p.Walk.Complete, p.CPU.perRequest(p.answered()), mb(p.PeakRSS))
	}
	if header {
		b.WriteString("\n")
	}
}

// printClientResult is the `run` command's answer, client side only.
func printClientResult(w io.Writer, r phaseResult) {
	if r.isWalk() {
		first, middle, last := segments(r.Walk.PerPage, 10)
		fmt.Fprintf(w, "%s: %s pages, %s users (totalResults %s) in %s, complete %v; page p50 %s / %s / %s, p99 %s / %s / %s (first / middle / last tenth); answers %s\n",
			r.Label, thousands(int64(r.Walk.Pages)), thousands(r.Walk.Users), thousands(r.Walk.Total),
			r.Walk.Elapsed.Round(100*time.Millisecond), r.Walk.Complete,
			ms(first.P50), ms(middle.P50), ms(last.P50), ms(first.P99), ms(middle.P99), ms(last.P99), r.Walk.Statuses)
		return
	}
	if isMix(r.Scenario) {
		var b strings.Builder
		writeMix(&b, r.Scenario, r.Label, r.Load, nil)
		fmt.Fprint(w, b.String())
		if r.Load.FirstErr != nil {
			fmt.Fprintf(w, "%s: first transport error: %v\n", r.Label, r.Load.FirstErr)
		}
		return
	}
	s := summarize(r.Load.Latencies)
	fmt.Fprintf(w, "%s: %s requests in %s, %s ok/s; latency p50 %s, p90 %s, p99 %s, max %s; answers %s; wrong %d\n",
		r.Label, thousands(r.Load.Requests), r.Load.Elapsed.Round(100*time.Millisecond), thousands(int64(r.Load.throughput())),
		ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max), r.Load.Statuses, r.Load.Wrong)
	if r.Load.FirstErr != nil {
		fmt.Fprintf(w, "%s: first transport error: %v\n", r.Label, r.Load.FirstErr)
	}
}

// requestKindOrder lists a mix's request kinds in the order of a
// provisioning cycle; others follow alphabetically.
var requestKindOrder = []string{"filter miss", "create", "lookup", "get", "put", "patch", "deactivate", "reactivate", "members", "walk page"}

func orderedKinds(m map[string]*kindResult, first []string) []string {
	var out []string
	for _, k := range first {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	var rest []string
	for k := range m {
		if !contains(first, k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// writeMix renders a traffic mix: a summary line, then each operation
// (timed whole: a filter-then-create is the pair) and each request kind,
// with the server's own latencies per kind when its log was read.
func writeMix(b *strings.Builder, scenario, label string, l loadResult, server map[string]agentLog) {
	fmt.Fprintf(b, "%s: %s operations (%s requests) in %s: %s operations/s, %s requests/s; %d failed requests, %d wrong answers\n\n",
		label, thousands(l.Requests), thousands(l.requestsSent()), l.Elapsed.Round(100*time.Millisecond),
		thousands(int64(l.throughput())), thousands(int64(perSecond(l.requestsSent(), l.Elapsed))), l.requestErrors(), l.Wrong)
	b.WriteString("| " + label + " | count | ok/s | client p50 | p90 | p99 | max | server p50 | server p99 | answers |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
	var opNames []string
	for _, op := range mixOps(scenario) {
		opNames = append(opNames, op.name)
	}
	row := func(name string, k *kindResult, srv []time.Duration) {
		c := summarize(k.Latencies)
		sp50, sp99 := "–", "–"
		if len(srv) > 0 {
			s := summarize(srv)
			sp50, sp99 = ms(s.P50), ms(s.P99)
		}
		answers := k.Statuses.String()
		if k.Wrong > 0 {
			answers += fmt.Sprintf(", wrong: %d", k.Wrong)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, thousands(k.Requests),
			thousands(int64(k.throughput(l.Elapsed))), ms(c.P50), ms(c.P90), ms(c.P99), ms(c.Max), sp50, sp99, answers)
	}
	for _, name := range orderedKinds(l.Ops, append(opNames, "full walk")) {
		row("operation: "+name, l.Ops[name], nil)
	}
	for _, name := range orderedKinds(l.Kinds, requestKindOrder) {
		row("request: "+name, l.Kinds[name], server[name].Durations)
	}
	b.WriteString("\n")
}

func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
