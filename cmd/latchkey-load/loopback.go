package main

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// This tool generates load. It may only ever aim at this machine: the
// workplace forbids traffic to any other address, and a typo in --url must
// not turn a benchmark into an attack on someone else's server.

// isLoopbackHost reports whether host (a name or an IP, without port) is
// this machine's loopback interface.
func isLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkTargetURL accepts only http(s) URLs on a loopback host.
func checkTargetURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url %q: want http://127.0.0.1:PORT", raw)
	}
	if !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("--url %q: refusing a non-loopback target; this tool only loads servers on 127.0.0.0/8, ::1 or localhost", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("--url %q: must not carry credentials, a query or a fragment", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// isPostgresURL tells a postgres:// URL from a SQLite file path, the way
// latchkey's own database_url setting does.
func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// checkDatabaseTarget refuses a PostgreSQL URL whose host (or any
// fallback host) is neither loopback nor a Unix socket. SQLite paths are
// local by nature.
func checkDatabaseTarget(raw string) error {
	if raw == "" {
		return fmt.Errorf("--database-url is required")
	}
	if !isPostgresURL(raw) {
		if strings.Contains(raw, "://") {
			return fmt.Errorf("--database-url %q: want postgres://... or a SQLite file path", raw)
		}
		return nil
	}
	cfg, err := pgconn.ParseConfig(raw)
	if err != nil {
		return fmt.Errorf("--database-url: not a valid PostgreSQL URL: %w", err)
	}
	hosts := []string{cfg.Host}
	for _, fb := range cfg.Fallbacks {
		hosts = append(hosts, fb.Host)
	}
	for _, h := range hosts {
		if !strings.HasPrefix(h, "/") && !isLoopbackHost(h) {
			return fmt.Errorf("--database-url: refusing non-loopback host %q; run the benchmark against a database on this machine", h)
		}
	}
	return nil
}
