package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/faultproxy"
)

// runningServer is `latchkey serve` running in-process.
type runningServer struct {
	baseURL string
	stderr  *syncBuffer
	stop    context.CancelFunc
	done    chan error
}

// startServer runs serve on a free loopback port and waits until it
// listens. The test fails if the server does not stop cleanly.
func startServer(t *testing.T, env map[string]string) *runningServer {
	t.Helper()
	env["LATCHKEY_LISTEN"] = "127.0.0.1:0"
	env["LATCHKEY_LOG_FORMAT"] = "json"
	ctx, cancel := context.WithCancel(context.Background())
	s := &runningServer{stderr: &syncBuffer{}, stop: cancel, done: make(chan error, 1)}
	go func() {
		s.done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, &syncBuffer{}, s.stderr)
	}()
	deadline := time.After(30 * time.Second)
	for s.baseURL == "" {
		select {
		case err := <-s.done:
			t.Fatalf("serve exited before listening: %v\n%s", err, s.stderr)
		case <-deadline:
			cancel()
			t.Fatalf("serve did not listen within 30s:\n%s", s.stderr)
		case <-time.After(20 * time.Millisecond):
			s.baseURL = listeningURL(s.stderr.String())
		}
	}
	t.Cleanup(func() {
		if err := s.shutdown(); err != nil {
			t.Errorf("serve returned %v on shutdown", err)
		}
	})
	return s
}

func (s *runningServer) shutdown() error {
	s.stop()
	select {
	case err := <-s.done:
		s.done <- err // keep it for a second caller
		return err
	case <-time.After(30 * time.Second):
		return context.DeadlineExceeded
	}
}

// listeningURL finds the address in the JSON "latchkey listening" record.
func listeningURL(logs string) string {
	for _, line := range strings.Split(logs, "\n") {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "latchkey listening" {
			return "http://" + rec.Addr
		}
	}
	return ""
}

func get(t *testing.T, rawURL string) (*http.Response, map[string]any) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(rawURL)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp, body
}

// TestServe: on each backend, the first serve migrates, creates the default
// organization, answers the probes, and stops cleanly when cancelled.
func TestServe(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			env := b.env(t)
			srv := startServer(t, env)
			resp, body := get(t, srv.baseURL+"/readyz")
			if resp.StatusCode != http.StatusOK || body["status"] != "ready" {
				t.Fatalf("/readyz = %d %v; want 200 ready", resp.StatusCode, body)
			}
			resp, _ = get(t, srv.baseURL+"/healthz")
			if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Request-Id") == "" {
				t.Fatalf("/healthz = %d, request id %q", resp.StatusCode, resp.Header.Get("X-Request-Id"))
			}
			// The CLI works against the database serve just migrated.
			if out := mustRun(t, env, "org", "list").stdout; !strings.Contains(out, "default") {
				t.Fatalf("org list after serve printed %q", out)
			}
			if err := srv.shutdown(); err != nil {
				t.Fatalf("shutdown: %v", err)
			}
			if !strings.Contains(srv.stderr.String(), "latchkey stopped") {
				t.Fatalf("no clean stop in the logs:\n%s", srv.stderr)
			}
		})
	}
}

// TestServeRefusesPendingSchemaWithoutMigrate: with migrations turned off,
// serve will not run on a database that lacks them.
func TestServeRefusesPendingSchemaWithoutMigrate(t *testing.T) {
	env := backends[0].env(t)
	env["LATCHKEY_MIGRATE_ON_START"] = "false"
	r := runCLI(t, env, "serve")
	if r.err == nil || !strings.Contains(r.err.Error(), "latchkey migrate") {
		t.Fatalf("serve on an unmigrated database = %v; want advice to run latchkey migrate", r.err)
	}
}

// TestUnreachableDatabaseAtStart: serve retries for the configured time,
// then exits with a message saying what to check, without binding.
func TestUnreachableDatabaseAtStart(t *testing.T) {
	env := map[string]string{
		"LATCHKEY_DATABASE_URL":       "postgres://postgres@127.0.0.1:1/latchkey",
		"LATCHKEY_SECRET_KEY":         "test-secret-key-of-at-least-32-characters",
		"LATCHKEY_DB_CONNECT_TIMEOUT": "1s",
		"LATCHKEY_LISTEN":             "127.0.0.1:0",
	}
	r := runCLI(t, env, "serve")
	if r.err == nil || !strings.Contains(r.err.Error(), "unreachable") || !strings.Contains(r.err.Error(), "LATCHKEY_DATABASE_URL") {
		t.Fatalf("serve with no database = %v; want an unreachable-database message", r.err)
	}
	if !strings.Contains(r.stderr, "retrying") || strings.Contains(r.stderr, "listening") {
		t.Fatalf("want retries and no listener; logs:\n%s", r.stderr)
	}
}

// TestReadinessFollowsDatabaseOutage cuts the network between a running
// server and PostgreSQL: /readyz turns 503 with Retry-After, /healthz stays
// 200, and readiness returns by itself once the network does.
func TestReadinessFollowsDatabaseOutage(t *testing.T) {
	env := backends[1].env(t)
	dbURL, err := url.Parse(env["LATCHKEY_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := faultproxy.Start(dbURL.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	dbURL.Host = proxy.Addr()
	env["LATCHKEY_DATABASE_URL"] = dbURL.String()
	srv := startServer(t, env)

	waitForStatus(t, srv.baseURL+"/readyz", http.StatusOK)
	proxy.Cut()
	resp := waitForStatus(t, srv.baseURL+"/readyz", http.StatusServiceUnavailable)
	if resp.Header.Get("Retry-After") == "" {
		t.Fatal("503 from /readyz without Retry-After")
	}
	if resp, _ := get(t, srv.baseURL+"/healthz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz during the outage = %d; want 200 (the process is alive)", resp.StatusCode)
	}
	proxy.Restore()
	waitForStatus(t, srv.baseURL+"/readyz", http.StatusOK)
}

func waitForStatus(t *testing.T, rawURL string, want int) *http.Response {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, _ := get(t, rawURL)
		if resp.StatusCode == want {
			return resp
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s stayed %d; want %d", rawURL, resp.StatusCode, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
