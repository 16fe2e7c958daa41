package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/testdb"
)

// targetNames start the rows `targets` prints for each backend.
var targetNames = []string{
	"`userName eq` lookup, paced", "`userName eq` lookup, saturated", "`externalId eq` lookup, paced", "`externalId eq` lookup, saturated",
	"full walk, `startIndex`", "full walk, RFC 9865 cursor", "server memory throughout", "`POST /Users`", "group membership",
	"Entra ID traffic mix", "Okta traffic mix", "invitation backlog drains", "invitation drain: server memory",
	"export with claim links", "export time", "export memory growth", "admin API people list", "admin console pages",
}

// checkTargetsTable: one row per target for the backend, none failed,
// every row with a result, a raw baseline where the target has one, and
// a command.
func checkTargetsTable(t *testing.T, out, backend string) {
	t.Helper()
	var rows []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| ") && strings.Contains(line, " | "+backend+" | ") {
			rows = append(rows, line)
		}
	}
	if len(rows) != len(targetNames) {
		t.Errorf("%d %s rows; want %d:\n%s", len(rows), backend, len(targetNames), out)
	}
	for i, name := range targetNames {
		if i < len(rows) && !strings.HasPrefix(rows[i], "| "+name) {
			t.Errorf("row %d is %q; want the target %q", i, rows[i], name)
		}
	}
	for _, row := range rows {
		cells := strings.Split(strings.Trim(row, "| "), " | ")
		if len(cells) != 9 {
			t.Errorf("%d cells in %q", len(cells), row)
			continue
		}
		if strings.HasPrefix(cells[3], "**error**") || cells[3] == "not measured" {
			t.Errorf("no result: %q", row)
		}
		if !strings.HasPrefix(cells[8], "`bin/latchkey-load ") {
			t.Errorf("no command: %q", row)
		}
		if measuredAgainstRaw(cells[0]) && (cells[6] == "–" || cells[7] == "–") {
			t.Errorf("no raw baseline or ratio: %q", row)
		}
	}
	if !strings.Contains(out, "smoke-test sizes") {
		t.Errorf("a --quick run does not say its sizes are not the targets':\n%s", out)
	}
}

func measuredAgainstRaw(target string) bool {
	for _, none := range []string{"server memory", "traffic mix", "drain: server memory", "export memory"} {
		if strings.Contains(target, none) {
			return false
		}
	}
	return true
}

// The end-to-end runs use --quick with smaller sizes still and 1 s
// phases: every area, the real latchkey binary serving, the raw
// baselines, one table.

// TestTargetsQuickSQLite runs the tool as a binary built without the
// race detector: SQLite is modernc's pure-Go engine, which the race
// detector slows some fifty times, and `targets` seeds, exports and
// serves the people list and the console on SQLite inside its own
// process (minutes instead of seconds). The same code runs in-process
// under the detector in TestTargetsQuickPostgres and the mix tests.
func TestTargetsQuickSQLite(t *testing.T) {
	out, errOut, err := runBuilt(t, "targets", "--quick", "--backends", "sqlite", "--sqlite-dir", t.TempDir(),
		"--sqlite-users", "500", "--sqlite-invite-users", "200", "--sqlite-export-users", "1000", "--sqlite-people-users", "1000",
		"--duration", "1s", "--people-pages", "2", "--console-runs", "1", "--console-pages", "2", "--settle", "1s")
	if err != nil {
		t.Fatalf("targets: %v\n%s\n%s", err, out, tail(errOut, 4000))
	}
	t.Log(areaTimes(errOut))
	checkTargetsTable(t, out, "SQLite")
	if strings.Contains(out, " | PostgreSQL | ") {
		t.Error("--backends sqlite measured PostgreSQL")
	}
}

func TestTargetsQuickPostgres(t *testing.T) {
	base := os.Getenv(testdb.EnvPostgresURL)
	if base == "" {
		t.Skipf("set %s to run it", testdb.EnvPostgresURL)
	}
	out, errOut, err := runCLI("targets", "--quick", "--backends", "postgres", "--database-url", base, "--db-name", "latchkey_bench_targets_test",
		"--users", "500", "--invite-users", "200", "--export-users", "1000", "--people-users", "1000",
		"--duration", "1s", "--people-pages", "2", "--console-runs", "1", "--console-pages", "2", "--settle", "1s")
	if err != nil {
		t.Fatalf("targets: %v\n%s\n%s", err, out, tail(errOut, 4000))
	}
	t.Log(areaTimes(errOut))
	checkTargetsTable(t, out, "PostgreSQL")
}

// runBuilt builds this command without the race detector and runs it.
func runBuilt(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "latchkey-load")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

// areaTimes are the "took" lines of a run's stderr.
func areaTimes(stderr string) string {
	var out []string
	for _, line := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(line, "=== ") && strings.Contains(line, " took ") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func TestTargetsUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"targets"}, "--database-url postgres://... is required"},
		{[]string{"targets", "--backends", "sqlite,mysql"}, `unknown backend "mysql"`},
		{[]string{"targets", "--backends", "sqlite", "--only", "scim,typo"}, `unknown area "typo"`},
		{[]string{"targets", "--backends", "sqlite", "--keep"}, "--sqlite-dir is required"},
		{[]string{"targets", "--database-url", "postgres://u@db.example.com/x"}, "non-loopback"},
		{[]string{"targets", "--backends", "sqlite", "--db-name", "production"}, "--db-name"},
		{[]string{"targets", "--backends", "sqlite", "--people-users", "10"}, "export and people sizes"},
		{[]string{"targets", "--backends", "sqlite", "--duration", "10ms"}, "--duration"},
		{[]string{"targets", "--backends", "sqlite", "stray"}, "unexpected argument"},
	} {
		_, _, err := runCLI(c.args...)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v (exit %d); want a usage error containing %q", c.args, err, exitCode(err), c.want)
		}
	}
	if out, _, err := runCLI("targets", "--help"); err != nil || !strings.Contains(out, "Usage: latchkey-load targets") {
		t.Errorf("targets --help: %v %q", err, out)
	}
}

// TestQuickKeepsExplicitFlags: --quick shrinks what was not given and
// leaves what was.
func TestQuickKeepsExplicitFlags(t *testing.T) {
	f := &targetsFlags{}
	fs := newFlagSet(&cli{stdout: &strings.Builder{}, stderr: &strings.Builder{}}, "targets", "")
	fs.IntVar(&f.pg.users, "users", 1_000_000, "")
	fs.IntVar(&f.lite.users, "sqlite-users", 100_000, "")
	fs.DurationVar(&f.duration, "duration", 30*time.Second, "")
	if err := parseFlags(fs, []string{"--users", "5000"}); err != nil {
		t.Fatal(err)
	}
	f.applyQuick(fs)
	if f.pg.users != 5000 || f.lite.users != quickSizes.users || f.duration != 3*time.Second {
		t.Fatalf("after --quick: %+v", f)
	}
}

func TestTargetsReportMarksFailuresAndSizes(t *testing.T) {
	f := &targetsFlags{dbName: "latchkey_bench_targets", duration: 30 * time.Second, concurrency: 8, lookupRate: 200}
	r := targetsRun{f: f, backend: "SQLite", sizes: fullSizes["SQLite"], dir: "/tmp/x"}
	rep := &targetsReport{started: time.Unix(0, 0).UTC(), sizes: map[string]targetSizes{"SQLite": r.sizes}}
	rep.rows = append(rep.rows, r.failed("export", 100_000, "accounts", errUsage("boom|bang"))...)
	got := rep.markdown()
	for _, want := range []string{
		"| export | SQLite | 100,000 accounts | **error**: boom\\|bang | – | **no** |",
		"SQLite seeds through the store",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	// A run in a temporary folder shows a path that outlives it.
	if cmd := r.benchCommand("create"); cmd != "bin/latchkey-load bench --database-url "+filepath.Join(os.TempDir(), "latchkey-bench.db")+
		" --users 100000 --scenarios create --duration 30s --raw" {
		t.Errorf("bench command %q", cmd)
	}
	f.sqliteDir = "/tmp/x"
	if cmd := r.benchCommand("create"); !strings.Contains(cmd, "--database-url /tmp/x/bench.db ") {
		t.Errorf("bench command in --sqlite-dir %q", cmd)
	}
}

type errUsage string

func (e errUsage) Error() string { return string(e) }
