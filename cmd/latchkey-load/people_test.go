package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/testdb"
)

func TestPeopleUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"people"}, "--database-url is required"},
		{[]string{"people", "--database-url", "mysql://127.0.0.1/x"}, "want postgres://... or a SQLite file path"},
		{[]string{"people", "--database-url", "postgres://u@db.example.com/x"}, "non-loopback"},
		{[]string{"people", "--database-url", "postgres://u@127.0.0.1/x", "--users", "10"}, "--users"},
		{[]string{"people", "--database-url", "postgres://u@127.0.0.1/x", "--pages", "0"}, "--pages"},
		{[]string{"people", "--database-url", "postgres://u@127.0.0.1/x", "--limit", "1001"}, "--limit"},
		{[]string{"people", "--database-url", "postgres://u@127.0.0.1/x", "--db-name", "production"}, "--db-name"},
		{[]string{"people", "--database-url", "postgres://u@127.0.0.1/x", "stray"}, "unexpected argument"},
	} {
		_, _, err := runCLI(c.args...)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v (exit %d); want a usage error containing %q", c.args, err, exitCode(err), c.want)
		}
	}
	if out, _, err := runCLI("people", "--help"); err != nil || !strings.Contains(out, "Usage: latchkey-load people") {
		t.Errorf("people --help: %v %q", err, out)
	}
}

// TestPeopleReport: the verdict reads the list pages' worst p99 and
// leaves the counts out of it.
func TestPeopleReport(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		out := make([]time.Duration, len(n))
		for i, v := range n {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	results := []peopleResult{
		{shape: peopleShape{name: "tab", path: "/people?status=invited"}, first: ms(3, 4), samples: ms(2, 3, 4), rows: 150},
		{shape: peopleShape{name: "search", path: "/people?q=ann"}, first: ms(6, 7), samples: ms(5, 30, 40), rows: 120, complete: true},
		{shape: peopleShape{name: "counts", path: "/people/counts", count: true}, samples: ms(90, 95), total: 1_000_000},
	}
	f := &peopleFlags{users: 1_000_000, limit: 50, pages: 200}
	got := peopleReport(f, results)
	for _, want := range []string{"| search `/people?q=ann` | 6.00 ms | 7.00 ms | 3 (all) | 120 |", "total 1,000,000",
		"worst p99 40.0 ms (search)", "**pass**"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	for _, slow := range []func(){
		func() { results[1].samples = ms(5, 30, 60) },
		func() { results[1].samples, results[0].first = ms(5), ms(3, 70) },
	} {
		slow()
		if got := peopleReport(f, results); !strings.Contains(got, "**FAIL**") {
			t.Errorf("a 60 or 70 ms page passes:\n%s", got)
		}
	}
}

// TestPeopleCommand runs the whole command on a small company in a
// database of its own next to the test database's: the seed's SQL, the
// admin API in process, every shape, the report.
func TestPeopleCommand(t *testing.T) {
	base := os.Getenv(testdb.EnvPostgresURL)
	if base == "" {
		t.Skipf("set %s to run it", testdb.EnvPostgresURL)
	}
	out, errOut, err := runCLI("people", "--database-url", base, "--db-name", "latchkey_bench_people_test",
		"--users", "1000", "--pages", "2", "--limit", "20")
	if err != nil {
		t.Fatalf("people: %v\n%s", err, errOut)
	}
	for _, s := range peopleShapes {
		if !strings.Contains(out, "| "+s.name+" `") {
			t.Errorf("the report lacks %q:\n%s", s.name, out)
		}
	}
	for _, want := range []string{" | 2 | 40 | ", "total 1,000 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
}
