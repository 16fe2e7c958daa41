// Package pgcluster runs a private PostgreSQL server for one test, so a
// fault test can crash, stop and restart a real database without touching
// the shared one named by LATCHKEY_TEST_DATABASE_URL. Only tests import it.
//
//	pg := pgcluster.New(t, os.Getenv) // skips unless LATCHKEY_TEST_DATABASE_URL is set
//	url := pg.URL()
//	pg.Restart(pgcluster.Immediate) // a crash and recovery, as after kill -9
//
// It uses the PostgreSQL server binaries installed on the machine
// (/usr/lib/postgresql/<version>/bin, or `pg_config --bindir`). PostgreSQL
// refuses to run as root, so when the test runs as root (CI containers)
// every server command runs as the postgres user through runuser.
package pgcluster

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/testdb"
)

// Mode is how pg_ctl stops the server (pg_ctl -m).
type Mode string

// Stop modes.
const (
	// Fast disconnects clients, rolls their transactions back and shuts
	// down cleanly.
	Fast Mode = "fast"
	// Immediate kills every server process without a checkpoint: the next
	// start runs crash recovery, as after a power cut of the server alone.
	Immediate Mode = "immediate"
)

// commandTimeout bounds one pg_ctl or initdb run; the server's own waits
// (-t) are shorter.
const commandTimeout = 90 * time.Second

// Cluster is a running private PostgreSQL server. Its methods fail the
// test on error; call them from the test's goroutine.
type Cluster struct {
	t     testing.TB
	bin   string // directory of initdb, pg_ctl, postgres
	base  string // holds data/, the socket and the log
	port  int
	runAs string // "postgres" when the test runs as root, else ""
}

// New creates a cluster in a fresh directory, starts it and stops it when
// the test ends. It skips the test when LATCHKEY_TEST_DATABASE_URL is unset,
// like every PostgreSQL test; when it is set, missing server binaries fail
// the test.
func New(t testing.TB, getenv func(string) string) *Cluster {
	t.Helper()
	if getenv(testdb.EnvPostgresURL) == "" {
		t.Skipf("PostgreSQL tests skipped: set %s (for example postgres://postgres@127.0.0.1:5432/test) to run them", testdb.EnvPostgresURL)
	}
	bin, err := serverBinaries()
	if err != nil {
		t.Fatalf("pgcluster: %s is set, so PostgreSQL tests must run, but %v", testdb.EnvPostgresURL, err)
	}
	c := &Cluster{t: t, bin: bin, port: freePort(t)}
	c.base = c.makeBase()
	c.initdb()
	t.Cleanup(c.cleanup)
	c.Start()
	return c
}

// URL is a connection URL for the cluster's postgres database as the
// postgres superuser (trust authentication, loopback TCP).
func (c *Cluster) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// Port is the TCP port the server listens on (127.0.0.1 only).
func (c *Cluster) Port() int { return c.port }

// Start starts the stopped server and returns once it accepts
// connections (after crash recovery, if the last stop was Immediate).
func (c *Cluster) Start() {
	c.t.Helper()
	c.pgctl("start", "-w", "-t", "60", "-l", c.logPath())
}

// Stop stops the server in the given mode and returns once it is down.
func (c *Cluster) Stop(mode Mode) {
	c.t.Helper()
	c.pgctl("stop", "-w", "-t", "60", "-m", string(mode))
}

// Restart stops the server in the given mode and starts it again,
// returning once it accepts connections. Restart(Immediate) is a crash
// restart: every connection drops at once and recovery replays the WAL.
func (c *Cluster) Restart(mode Mode) {
	c.t.Helper()
	c.pgctl("restart", "-w", "-t", "60", "-m", string(mode), "-l", c.logPath())
}

// Log is the server's log so far, for failure messages.
func (c *Cluster) Log() string {
	b, err := os.ReadFile(c.logPath())
	if err != nil {
		return fmt.Sprintf("(no server log: %v)", err)
	}
	return string(b)
}

func (c *Cluster) dataDir() string { return filepath.Join(c.base, "data") }
func (c *Cluster) logPath() string { return filepath.Join(c.base, "server.log") }

// makeBase returns the cluster's directory. As root the server runs as
// postgres, which must reach it: t.TempDir()'s parents are private to
// root, so the directory is made directly in the system temporary
// directory, handed to postgres, and removed at cleanup.
func (c *Cluster) makeBase() string {
	c.t.Helper()
	if os.Geteuid() != 0 {
		return c.t.TempDir()
	}
	c.runAs = "postgres"
	u, err := user.Lookup(c.runAs)
	if err != nil {
		c.t.Fatalf("pgcluster: running as root needs the postgres user to run the server: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	base, err := os.MkdirTemp("/tmp", "latchkey-pg-")
	if err != nil {
		c.t.Fatalf("pgcluster: %v", err)
	}
	c.t.Cleanup(func() { _ = os.RemoveAll(base) }) // runs after the server stops
	if err := os.Chown(base, uid, gid); err != nil {
		c.t.Fatalf("pgcluster: %v", err)
	}
	return base
}

// initdb creates the cluster: trust authentication (loopback only), the
// socket in the cluster's directory rather than /var/run/postgresql, and
// small memory, since several test clusters may run at once.
func (c *Cluster) initdb() {
	c.t.Helper()
	c.run("initdb", "-D", c.dataDir(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	conf := fmt.Sprintf(`
# pgcluster: a private server for one test
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
shared_buffers = 16MB
max_connections = 100
logging_collector = off
`, c.port, c.base)
	f, err := os.OpenFile(filepath.Join(c.dataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		c.t.Fatalf("pgcluster: %v", err)
	}
	defer f.Close()
	if _, err := f.WriteString(conf); err != nil {
		c.t.Fatalf("pgcluster: %v", err)
	}
}

func (c *Cluster) pgctl(args ...string) {
	c.t.Helper()
	c.run("pg_ctl", append([]string{"-D", c.dataDir()}, args...)...)
}

// run runs one of the server's programs and fails the test, with the
// server's log, if it fails.
func (c *Cluster) run(program string, args ...string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := c.command(ctx, program, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		c.t.Fatalf("pgcluster: %s: %v\n%s\nserver log:\n%s", strings.Join(cmd.Args, " "), err, out.String(), c.Log())
	}
}

// command prepares one of the server's programs, as postgres when we are
// root.
func (c *Cluster) command(ctx context.Context, program string, args ...string) *exec.Cmd {
	argv := append([]string{filepath.Join(c.bin, program)}, args...)
	if c.runAs != "" {
		argv = append([]string{"runuser", "-u", c.runAs, "--"}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = c.base // postgres may not enter the test's working directory
	return cmd
}

// cleanup stops a server still running, whatever the test's last call
// did (a failed Stop may leave it up): postmaster.pid exists while it runs.
func (c *Cluster) cleanup() {
	if _, err := os.Stat(filepath.Join(c.dataDir(), "postmaster.pid")); err != nil {
		return
	}
	// Immediate: the test is over, nothing needs a clean checkpoint.
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := c.command(ctx, "pg_ctl", "-D", c.dataDir(), "stop", "-w", "-m", string(Immediate))
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Errorf("pgcluster: stop at cleanup: %v\n%s", err, out)
	}
}

// serverBinaries finds the directory holding initdb and pg_ctl: the
// newest /usr/lib/postgresql/<version>/bin (Debian, Ubuntu), else what
// pg_config reports.
func serverBinaries() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	for _, dir := range dirs {
		if isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "pg_ctl")) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or pg_config --bindir; install the postgresql package")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir() && info.Mode()&0o111 != 0
}

// freePort asks the kernel for a free loopback port. Another process could
// take it before the server binds; the start then fails with the log.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pgcluster: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
