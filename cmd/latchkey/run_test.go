package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/testdb"
)

// backend is one database the CLI tests run against.
type backend struct {
	name string
	// env returns the settings pointing at a fresh, empty database.
	env func(t *testing.T) map[string]string
}

var backends = []backend{
	{"sqlite", func(t *testing.T) map[string]string {
		return map[string]string{"LATCHKEY_DATABASE_URL": testdb.SQLitePath(t)}
	}},
	{"postgres", func(t *testing.T) map[string]string {
		return map[string]string{
			"LATCHKEY_DATABASE_URL": testdb.PostgresURL(t, os.Getenv),
			"LATCHKEY_SECRET_KEY":   "test-secret-key-of-at-least-32-characters",
		}
	}},
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines to write
// while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type result struct {
	stdout, stderr string
	err            error
}

func (r result) lastLine() string {
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	return lines[len(lines)-1]
}

func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runCLIContext(t.Context(), env, args...)
}

func runCLIContext(ctx context.Context, env map[string]string, args ...string) result {
	var stdout, stderr syncBuffer
	getenv := func(k string) string { return env[k] }
	err := run(ctx, args, getenv, &stdout, &stderr)
	return result{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

func mustRun(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	r := runCLI(t, env, args...)
	if r.err != nil {
		t.Fatalf("latchkey %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.err, r.stdout, r.stderr)
	}
	return r
}

func TestUsage(t *testing.T) {
	env := map[string]string{"LATCHKEY_DATABASE_URL": testdb.SQLitePath(t)}
	tests := []struct {
		args     []string
		exit     int // 0 for success
		inOutput string
	}{
		{[]string{"--help"}, 0, "Commands:"},
		{[]string{"serve", "--help"}, 0, "LATCHKEY_DATABASE_URL"},
		{[]string{"scim-token", "create", "--help"}, 0, "--expires"},
		{[]string{"org", "--help"}, 0, "create|list"},
		{[]string{"version"}, 0, "latchkey"},
		{nil, 2, "missing command"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"org"}, 2, "missing subcommand"},
		{[]string{"org", "delete"}, 2, "unknown subcommand"},
		{[]string{"org", "create", "--slug", "x"}, 2, "--name is required"},
		{[]string{"org", "create"}, 2, "--slug is required"},
		{[]string{"scim-token", "create"}, 2, "--name is required"},
		{[]string{"scim-token", "create", "--name", "x", "--expires", "soon"}, 2, "--expires"},
		{[]string{"scim-token", "revoke"}, 2, "exactly one token ID"},
		{[]string{"admin", "create", "--email", "a@b.c", "--role", "Boss!"}, 2, "want one of system_admin"},
		{[]string{"serve", "--no-such-flag"}, 2, "no-such-flag"},
		{[]string{"serve", "extra"}, 2, "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runCLI(t, env, tc.args...)
			out := r.stdout + r.stderr
			if r.err != nil {
				out += r.err.Error()
			}
			code := 0
			if r.err != nil {
				code = exitCode(r.err)
			}
			if code != tc.exit || !strings.Contains(out, tc.inOutput) {
				t.Fatalf("exit %d, output %q; want exit %d and %q", code, out, tc.exit, tc.inOutput)
			}
		})
	}
}

// TestBadConfigurationListsEveryProblem: serve refuses to start, before
// binding, and names every bad setting at once.
func TestBadConfigurationListsEveryProblem(t *testing.T) {
	r := runCLI(t, map[string]string{
		"LATCHKEY_DATABASE_URL": "mysql://db/latchkey",
		"LATCHKEY_LISTEN":       "everywhere",
		"LATCHKEY_LOG_FORMAT":   "xml",
	}, "serve")
	var usage *usageError
	if !errors.As(r.err, &usage) {
		t.Fatalf("serve with bad settings = %v; want a usage error", r.err)
	}
	for _, want := range []string{"3 problem(s)", "LATCHKEY_DATABASE_URL", "LATCHKEY_LISTEN", "LATCHKEY_LOG_FORMAT"} {
		if !strings.Contains(r.err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, r.err)
		}
	}
	if strings.Contains(r.stderr, "listening") {
		t.Fatal("the server bound a port despite bad settings")
	}
}
