package main

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// machineFacts are what a reader needs to compare runs.
type machineFacts struct {
	CPUs       int
	Memory     string
	Database   string
	Go         string
	Latchkey   string
	LoadBefore string
	LoadAfter  string
	Started    time.Time
}

func gatherFacts(ctx context.Context, dbURL string, lk latchkey) machineFacts {
	f := machineFacts{
		CPUs: runtime.NumCPU(), Memory: memTotal(), Go: runtime.Version(),
		Latchkey: lk.version(ctx), Started: time.Now().UTC(), Database: "SQLite (pure Go, modernc via glebarez)",
	}
	if isPostgresURL(dbURL) {
		f.Database = postgresVersion(ctx, dbURL)
	}
	return f
}

// loadAverage is the first three fields of /proc/loadavg: other work on
// this shared machine skews every number, so the report states it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fields := strings.Fields(string(b))
	if len(fields) < 3 {
		return "unknown"
	}
	return strings.Join(fields[:3], " ")
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return strings.TrimSpace(rest)
			}
			return strconv.FormatFloat(kb/(1<<20), 'f', 1, 64) + " GiB"
		}
	}
	return "unknown"
}

func postgresVersion(ctx context.Context, url string) string {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "PostgreSQL (version unknown)"
	}
	defer conn.Close(ctx)
	var v, sb string
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version'), current_setting('shared_buffers')").Scan(&v, &sb); err != nil {
		return "PostgreSQL (version unknown)"
	}
	return "PostgreSQL " + v + " (shared_buffers " + sb + ")"
}
