package main

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

// targetRow is one line of the table: one target on one backend.
type targetRow struct {
	target, backend, size, result, value, met, raw, ratio, command string
}

// row starts a row of this run's backend; cells not filled show "–".
func (r targetsRun) row(target string, size int, unit string) targetRow {
	return targetRow{target: target, backend: r.backend, size: thousands(int64(size)) + " " + unit,
		result: "not measured", met: "–", raw: "–", ratio: "–"}
}

// failed is the row an area leaves when it stopped before measuring.
func (r targetsRun) failed(area string, size int, unit string, err error) []targetRow {
	return []targetRow{r.row(area, size, unit).errored(err)}
}

func (t targetRow) errored(err error) targetRow {
	msg := "stopped"
	if err != nil {
		msg = err.Error()
	}
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	t.result, t.met = "**error**: "+strings.ReplaceAll(msg, "\n", " "), "**no**"
	return t
}

// span renders a duration for the table: milliseconds below a second,
// seconds with two decimals below a minute.
func span(d time.Duration) string {
	switch {
	case d < time.Second:
		return ms(d)
	case d < time.Minute:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}

func metText(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// timesOf is "a ÷ b" for durations, e.g. "8.6× raw p99".
func timesOf(a, b time.Duration, what string) string {
	if a <= 0 || b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f× %s", float64(a)/float64(b), what)
}

// fractionOf is "a ÷ b" for rates, e.g. "0.076 of raw rate".
func fractionOf(a, b float64, what string) string {
	if a <= 0 || b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.3f of %s", a/b, what)
}

// targetsReport is everything `targets` prints.
type targetsReport struct {
	quick                 bool
	started               time.Time
	loadBefore, loadAfter string
	latchkey, postgres    string
	sizes                 map[string]targetSizes
	rows                  []targetRow
}

func (t *targetsReport) markdown() string {
	var b strings.Builder
	title := "Every target"
	if t.quick {
		title += ": smoke run (`--quick`)"
	}
	fmt.Fprintf(&b, "## %s, %s\n\n", title, t.started.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "- Machine: %d CPUs, %s memory; %s; %s", runtime.NumCPU(), memTotal(), runtime.Version(), orUnknown(t.latchkey))
	if t.postgres != "" {
		fmt.Fprintf(&b, "; %s", t.postgres)
	}
	fmt.Fprintf(&b, "\n- Load average at the start %s, at the end %s (other work on the machine moves every number)\n", t.loadBefore, orUnknown(t.loadAfter))
	for _, backend := range []string{"PostgreSQL", "SQLite"} {
		s, ok := t.sizes[backend]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "- %s sizes: %s SCIM users, %s invitations, %s exported, %s people",
			backend, thousands(int64(s.users)), thousands(int64(s.invite)), thousands(int64(s.export)), thousands(int64(s.people)))
		full := fullSizes["PostgreSQL"]
		if s != full {
			fmt.Fprintf(&b, " (the targets name %s, %s, %s and %s", thousands(int64(full.users)), thousands(int64(full.invite)),
				thousands(int64(full.export)), thousands(int64(full.people)))
			switch {
			case t.quick:
				b.WriteString(": these are smoke-test sizes, and \"met?\" here says nothing about the targets)")
			case backend == "SQLite":
				b.WriteString(": SQLite seeds through the store at about 1,000 accounts/s, so a million would take a quarter of an hour per area; judged against the same values, for information)")
			default:
				b.WriteString(")")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("- Raw baseline: the database alone, on the same database in the same run, through the driver the server uses: " +
		"single-row INSERTs in their own transactions (pgbench on PostgreSQL), point SELECTs by `user_name_lower`, " +
		"all the organization's rows in one statement (COPY … TO STDOUT on PostgreSQL, a SELECT into CSV on SQLite), " +
		"the first 50 rows in id order. Ratio: the result ÷ the baseline (times for latencies and durations, a fraction for rates).\n\n")
	b.WriteString("| target | backend | size | result | target value | met? | raw baseline | ratio | command to reproduce |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range t.rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | `%s` |\n",
			cell(r.target), r.backend, r.size, cell(r.result), cell(r.value), r.met, cell(r.raw), r.ratio, strings.ReplaceAll(r.command, "|", "\\|"))
	}
	return b.String()
}

// cell keeps a value from breaking the table.
func cell(s string) string {
	if s == "" {
		return "–"
	}
	return strings.ReplaceAll(s, "|", "\\|")
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
