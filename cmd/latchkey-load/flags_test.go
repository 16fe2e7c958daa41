package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// runCLI runs the tool in-process with no environment.
func runCLI(args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "missing command"},
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{"run", "--url", "http://10.0.0.1:8080", "--token", "x", "--scenario", "create", "--duration", "1s"}, "non-loopback"},
		{[]string{"run", "--url", "http://127.0.0.1:8080", "--scenario", "create", "--duration", "1s"}, "--token"},
		{[]string{"run", "--url", "http://127.0.0.1:8080", "--token", "x", "--scenario", "nope", "--duration", "1s"}, "--scenario must be one of"},
		{[]string{"run", "--url", "http://127.0.0.1:8080", "--token", "x", "--scenario", "create"}, "exactly one of --duration and --requests"},
		{[]string{"run", "--url", "http://127.0.0.1:8080", "--token", "x", "--scenario", "create", "--duration", "1s", "--requests", "5"}, "exactly one of"},
		{[]string{"run", "--url", "http://127.0.0.1:8080", "--token", "x", "--scenario", "lookup-username", "--duration", "1s"}, "--users"},
		{[]string{"run", "--url", "http://127.0.0.1:8080", "--token", "x", "--scenario", "create", "--duration", "3h"}, "--max-time"},
		{[]string{"run", "--url", "http://127.0.0.1:8080", "--token", "x", "--scenario", "create", "--duration", "1s", "--concurrency", "0"}, "--concurrency"},
		{[]string{"run", "stray"}, "unexpected argument"},
		{[]string{"seed", "--database-url", "postgres://u@db.example.com/x", "--users", "10"}, "non-loopback"},
		{[]string{"seed", "--database-url", "x.db", "--users", "0"}, "--users"},
		{[]string{"seed", "--database-url", "x.db", "--users", "10", "--mode", "copy"}, "needs PostgreSQL"},
		{[]string{"seed", "--database-url", "x.db", "--users", "10", "--mode", "fast"}, "--mode"},
		{[]string{"bench", "--database-url", "x.db", "--scenarios", "lookup-username,typo"}, `unknown scenario "typo"`},
		{[]string{"bench", "--database-url", "x.db", "--duration", "100ms"}, "--duration"},
		{[]string{"bench"}, "--database-url is required"},
	} {
		_, _, err := runCLI(c.args...)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v (exit %d); want a usage error containing %q", c.args, err, exitCode(err), c.want)
		}
	}
}

func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"seed", "-h"}, {"bench", "--help"}} {
		out, _, err := runCLI(args...)
		if err != nil || !strings.Contains(out, "Usage: latchkey-load") {
			t.Errorf("%q: err %v, output %q", args, err, out)
		}
	}
}

func TestRunFlagsTokenFromEnvironment(t *testing.T) {
	f := &runFlags{url: "http://127.0.0.1:1", scenario: "create", concurrency: 8, duration: time.Second,
		maxTime: time.Minute, count: 100, maxPages: 10, sample: 10}
	if err := f.validate(func(k string) string {
		if k == "LATCHKEY_LOAD_TOKEN" {
			return "lks_x"
		}
		return ""
	}); err != nil || f.token != "lks_x" {
		t.Fatalf("validate: %v, token %q", err, f.token)
	}
}

func TestSeedOptionsDefaults(t *testing.T) {
	pg := seedOptions{databaseURL: "postgres://postgres@127.0.0.1/x", users: 10, org: "default", workers: 3, mode: "auto"}
	if err := pg.validate(); err != nil || pg.mode != "copy" || pg.batch != 1000 || pg.workers != 3 {
		t.Fatalf("postgres defaults: %+v, %v", pg, err)
	}
	lite := seedOptions{databaseURL: "x.db", users: 10, org: "default", workers: 3, mode: "auto"}
	if err := lite.validate(); err != nil || lite.mode != "store" || lite.batch != 50 || lite.workers != 1 {
		t.Fatalf("sqlite defaults: %+v, %v", lite, err)
	}
}

func TestBenchPhasesPaceLookupsFirst(t *testing.T) {
	f := &benchFlags{scenarios: "lookup-username, create ,walk", lookupRate: 200, duration: time.Second, users: 1000, walkTimeout: time.Minute}
	var labels []string
	for _, p := range benchPhases(f) {
		labels = append(labels, p.label)
		if p.label == "lookup-username-paced" && p.load.rate != 200 {
			t.Errorf("paced phase rate %v", p.load.rate)
		}
	}
	if got := strings.Join(labels, ","); got != "lookup-username-paced,lookup-username,create,walk" {
		t.Fatalf("phases %s", got)
	}
	f.lookupRate = 0
	if n := len(benchPhases(f)); n != 3 {
		t.Fatalf("without --lookup-rate: %d phases", n)
	}
}

func TestPacerSpacesRequests(t *testing.T) {
	start := time.Unix(100, 0)
	p := pacer{start: start, rate: 200}
	if got := p.due(200); !got.Equal(start.Add(time.Second)) {
		t.Fatalf("due(200) = %v", got)
	}
	if !(pacer{}).due(5).IsZero() {
		t.Fatal("an unpaced pacer must not wait")
	}
}
