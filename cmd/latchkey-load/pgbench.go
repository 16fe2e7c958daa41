package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgbench's single-row INSERT throughput, measured in the same run on the
// same database, is the ceiling for any create path: the ratio of creates
// to it shows how much the server adds on top of one committed INSERT.

const pgbenchTable = "load_pgbench_scratch"

type pgbenchResult struct {
	TPS     float64
	Clients int
	Time    time.Duration
	Command string
}

var tpsLine = regexp.MustCompile(`(?m)^tps = ([0-9]+(?:\.[0-9]+)?) \(without initial connection time\)`)

// parsePgbenchTPS reads "tps = N (without initial connection time)".
func parsePgbenchTPS(out string) (float64, error) {
	m := tpsLine.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no tps line in pgbench output:\n%s", out)
	}
	return strconv.ParseFloat(m[1], 64)
}

// runPgbench inserts one row per transaction into a scratch table (a
// bigserial key and a short text, like the narrowest real table) with
// clients connections for d, then drops the table.
func runPgbench(ctx context.Context, dbURL, dir string, clients int, d time.Duration) (pgbenchResult, error) {
	bin, err := exec.LookPath("pgbench")
	if err != nil {
		return pgbenchResult{}, fmt.Errorf("pgbench not found (Debian: apt-get install postgresql-contrib): %w", err)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return pgbenchResult{}, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `DROP TABLE IF EXISTS `+pgbenchTable+`;
		CREATE TABLE `+pgbenchTable+` (id bigserial PRIMARY KEY, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return pgbenchResult{}, err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS `+pgbenchTable) //nolint:errcheck // best effort
	script := filepath.Join(dir, "insert.sql")
	if err := os.WriteFile(script, []byte("INSERT INTO "+pgbenchTable+" (payload) VALUES ('x');\n"), 0o600); err != nil {
		return pgbenchResult{}, err
	}
	secs := max(int(d.Seconds()), 1)
	args := []string{"-n", "-c", strconv.Itoa(clients), "-j", "2", "-T", strconv.Itoa(secs), "-f", script, dbURL}
	ctx, cancel := context.WithTimeout(ctx, d+2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		return pgbenchResult{}, fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	tps, err := parsePgbenchTPS(string(out))
	return pgbenchResult{TPS: tps, Clients: clients, Time: time.Duration(secs) * time.Second,
		Command: fmt.Sprintf("pgbench -n -c %d -j 2 -T %d -f insert.sql", clients, secs)}, err
}
