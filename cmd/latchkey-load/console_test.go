package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/testdb"
)

func TestConsoleUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"console"}, "--database-url is required"},
		{[]string{"console", "--database-url", "postgres://u@db.example.com/x"}, "non-loopback"},
		{[]string{"console", "--database-url", "postgres://u@127.0.0.1/x", "--users", "10"}, "--users"},
		{[]string{"console", "--database-url", "postgres://u@127.0.0.1/x", "--runs", "0"}, "--runs"},
		{[]string{"console", "--database-url", "postgres://u@127.0.0.1/x", "--pages", "0"}, "--pages"},
		{[]string{"console", "--database-url", "postgres://u@127.0.0.1/x", "stray"}, "unexpected argument"},
	} {
		_, _, err := runCLI(c.args...)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v (exit %d); want a usage error containing %q", c.args, err, exitCode(err), c.want)
		}
	}
}

// TestConsoleReport: the verdict follows the worst page's p99.
func TestConsoleReport(t *testing.T) {
	f := &consoleFlags{users: 1_000_000, runs: 2, pages: 3}
	fast := []consoleResult{{page: consolePage{name: "People: All", path: "/admin/people"}, samples: []time.Duration{20 * time.Millisecond}, bytes: 40 << 10}}
	if got := consoleReport(f, fast); !strings.Contains(got, "**met**") || !strings.Contains(got, "| People: All | `/admin/people` | 1 | 40 KB |") {
		t.Errorf("report of a fast page:\n%s", got)
	}
	slow := append(fast, consoleResult{page: consolePage{name: "Audit log", path: "/admin/audit"}, samples: []time.Duration{250 * time.Millisecond}})
	if got := consoleReport(f, slow); !strings.Contains(got, "**NOT met** (worst p99 250") || !strings.Contains(got, "Audit log).") {
		t.Errorf("report of a slow page:\n%s", got)
	}
}

// TestConsoleCommand runs the tool on a small company: every page
// answers 200 through a real signed-in session.
func TestConsoleCommand(t *testing.T) {
	base := os.Getenv(testdb.EnvPostgresURL)
	if base == "" {
		t.Skipf("set %s to run it", testdb.EnvPostgresURL)
	}
	out, errOut, err := runCLI("console", "--database-url", base, "--db-name", "latchkey_bench_console_test",
		"--users", "1000", "--runs", "1", "--pages", "3")
	if err != nil {
		t.Fatalf("console: %v\n%s", err, errOut)
	}
	for _, p := range consolePages("x") {
		if !strings.Contains(out, "| "+p.name+" |") {
			t.Errorf("the report lacks %q:\n%s", p.name, out)
		}
	}
}
