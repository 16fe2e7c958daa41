package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// On two cores the load generator, the server and PostgreSQL share the
// CPU, so "where did the time go" is the question every missed target
// raises. cpuMeter answers it per phase from /proc: the server process,
// the PostgreSQL backends serving the bench database, and this tool.

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports
// here; reading it needs sysconf (cgo), which this static tool avoids.
const clockTicks = 100

// parseProcStat returns utime+stime from the contents of /proc/<pid>/stat.
// The command name (field 2) may contain spaces and parentheses, so the
// fields are counted from the last ')'.
func parseProcStat(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed stat %q", stat)
	}
	fields := strings.Fields(stat[i+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("short stat %q", stat)
	}
	var ticks int64
	for _, f := range fields[11:13] { // utime, stime: fields 14 and 15
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseProcStat(string(b))
}

// cpuUse is CPU time spent during a phase.
type cpuUse struct {
	Server, Postgres, Client time.Duration
}

// perRequest renders the use per answered request in milliseconds.
func (c cpuUse) perRequest(n int64) string {
	if n <= 0 {
		return "-"
	}
	per := func(d time.Duration) string {
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond)/float64(n), 'f', 2, 64)
	}
	if c.Postgres == 0 {
		return per(c.Server) + " / - / " + per(c.Client)
	}
	return per(c.Server) + " / " + per(c.Postgres) + " / " + per(c.Client)
}

type cpuSnapshot struct {
	server, client time.Duration
	backends       map[int]time.Duration
}

// cpuMeter takes snapshots; pg is nil on SQLite.
type cpuMeter struct {
	serverPID int
	pg        *pgx.Conn
}

func newCPUMeter(ctx context.Context, serverPID int, dbURL string) *cpuMeter {
	m := &cpuMeter{serverPID: serverPID}
	if isPostgresURL(dbURL) {
		if conn, err := pgx.Connect(ctx, dbURL); err == nil {
			m.pg = conn
		}
	}
	return m
}

func (m *cpuMeter) close(ctx context.Context) {
	if m.pg != nil {
		_ = m.pg.Close(ctx)
	}
}

func (m *cpuMeter) snapshot(ctx context.Context) cpuSnapshot {
	s := cpuSnapshot{backends: map[int]time.Duration{}}
	s.server, _ = procCPU(m.serverPID)
	s.client, _ = procCPU(os.Getpid())
	if m.pg == nil {
		return s
	}
	// The server's pooled connections to this database; backends that
	// exit during a phase take their CPU with them (the pool keeps its
	// connections, so that is rare).
	rows, err := m.pg.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
	if err != nil {
		return s
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return s
	}
	for _, pid := range pids {
		if d, err := procCPU(int(pid)); err == nil {
			s.backends[int(pid)] = d
		}
	}
	return s
}

// since is the CPU used from before to s.
func (s cpuSnapshot) since(before cpuSnapshot) cpuUse {
	u := cpuUse{Server: s.server - before.server, Client: s.client - before.client}
	for pid, d := range s.backends {
		u.Postgres += d - before.backends[pid]
	}
	return u
}
