package main

import (
	"strings"
	"testing"
	"time"
)

func TestExportUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"export"}, "--database-url is required"},
		{[]string{"export", "--database-url", "mysql://127.0.0.1/x"}, "want postgres://... or a SQLite file path"},
		{[]string{"export", "--database-url", "postgres://u@db.example.com/x"}, "non-loopback"},
		{[]string{"export", "--database-url", "postgres://u@127.0.0.1/x", "--users", "10"}, "--users"},
		{[]string{"export", "--database-url", "postgres://u@127.0.0.1/x", "--runs", "0"}, "--runs"},
		{[]string{"export", "--database-url", "postgres://u@127.0.0.1/x", "--page-size", "20000"}, "--page-size"},
		{[]string{"export", "--database-url", "postgres://u@127.0.0.1/x", "stray"}, "unexpected argument"},
	} {
		_, _, err := runCLI(c.args...)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v (exit %d); want a usage error containing %q", c.args, err, exitCode(err), c.want)
		}
	}
	if out, _, err := runCLI("export", "--help"); err != nil || !strings.Contains(out, "Usage: latchkey-load export") {
		t.Errorf("export --help: %v %q", err, out)
	}
}

// TestExportReport: the verdicts follow the targets: the median ratio,
// the worst time and the worst heap growth.
func TestExportReport(t *testing.T) {
	runs := []exportRun{
		{Copy: 2 * time.Second, Export: 5 * time.Second, HeapGrowth: 40 << 20},
		{Copy: 2 * time.Second, Export: 7 * time.Second, HeapGrowth: 50 << 20}, // 3.5×: the outlier
		{Copy: 2 * time.Second, Export: 4 * time.Second, HeapGrowth: 30 << 20},
	}
	got := exportReport("PostgreSQL", 1_000_000, runs)
	for _, want := range []string{"| export / COPY ≤ 3× (median) | 2.50× | **pass** |", "| export ≤ 30s (worst) | 7s | **pass** |",
		"| memory growth < 100 MB (Go heap in use, worst) | 50.0 MiB"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if got := exportReport("SQLite", 100_000, runs); !strings.Contains(got, "| run | SELECT | export |") ||
		!strings.Contains(got, "| export / SELECT ≤ 3× (median) | 2.50× |") || !strings.Contains(got, "(SQLite, 3 runs)") {
		t.Errorf("the SQLite report does not name its baseline:\n%s", got)
	}
	runs[0].HeapGrowth = 120 << 20
	if got := exportReport("PostgreSQL", 1_000_000, runs); !strings.Contains(got, "| 120.0 MiB (peak heap") || !strings.Contains(got, "**FAIL**") {
		t.Errorf("a heap growth of 120 MiB passes:\n%s", got)
	}
}
