package config

import (
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func load(t *testing.T, args []string, vars map[string]string, needs Needs) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	flags := Flags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return Load(flags, env(vars), needs)
}

func TestDefaults(t *testing.T) {
	cfg, err := load(t, nil, nil, Needs{SecretKey: true})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Backend != SQLite || cfg.DatabaseDSN != "latchkey.db" || cfg.Listen != ":8080" ||
		cfg.BaseURL.String() != "http://localhost:8080" || cfg.LogFormat != "text" || cfg.LogLevel != slog.LevelInfo ||
		!cfg.MigrateOnStart || cfg.ShutdownTimeout != 20*time.Second || cfg.BodyLimit != 1<<20 || cfg.DBMaxConns != 20 {
		t.Fatalf("defaults = %+v", cfg)
	}
}

func TestPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "latchkey.yaml")
	yaml := "listen: \":7000\"\nlog_level: debug\nlog_format: json\ndb_max_conns: 5\nmigrate_on_start: false\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := load(t, []string{"--config", file, "--listen", "127.0.0.1:9000"},
		map[string]string{"LATCHKEY_LISTEN": ":8000", "LATCHKEY_LOG_LEVEL": "warn"}, Needs{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:9000" { // flag beats env beats file
		t.Errorf("listen = %q; want the flag's value", cfg.Listen)
	}
	if cfg.LogLevel != slog.LevelWarn { // env beats file
		t.Errorf("log level = %v; want warn from the environment", cfg.LogLevel)
	}
	if cfg.LogFormat != "json" || cfg.DBMaxConns != 5 || cfg.MigrateOnStart { // file beats default
		t.Errorf("file values not applied: %+v", cfg)
	}
}

func TestDatabaseURL(t *testing.T) {
	tests := []struct {
		in      string
		backend Backend
		dsn     string
	}{
		{"latchkey.db", SQLite, "latchkey.db"},
		{"/var/lib/latchkey/data.db", SQLite, "/var/lib/latchkey/data.db"},
		{"sqlite:///var/data.db", SQLite, "/var/data.db"},
		{"file:data.db", SQLite, "data.db"},
		{"postgres://u:p@db:5432/latchkey?sslmode=require", Postgres, "postgres://u:p@db:5432/latchkey?sslmode=require"},
		{"postgresql://db/latchkey", Postgres, "postgresql://db/latchkey"},
	}
	for _, tc := range tests {
		cfg, err := load(t, nil, map[string]string{"LATCHKEY_DATABASE_URL": tc.in, "LATCHKEY_SECRET_KEY": strings.Repeat("s", 32)}, Needs{SecretKey: true})
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if cfg.Backend != tc.backend || cfg.DatabaseDSN != tc.dsn {
			t.Errorf("%q: backend %s dsn %q; want %s %q", tc.in, cfg.Backend, cfg.DatabaseDSN, tc.backend, tc.dsn)
		}
	}
}

// TestEveryProblemReported: one run lists every bad setting, each naming
// where its value came from.
func TestEveryProblemReported(t *testing.T) {
	_, err := load(t, []string{"--log-format", "xml"}, map[string]string{
		"LATCHKEY_DATABASE_URL":     "mysql://db/x",
		"LATCHKEY_LISTEN":           "nonsense",
		"LATCHKEY_BASE_URL":         "ftp://x",
		"LATCHKEY_LOG_LEVEL":        "loud",
		"LATCHKEY_SHUTDOWN_TIMEOUT": "-1s",
		"LATCHKEY_SHUTDOWN_DRAIN":   "-5s",
		"LATCHKEY_SECRET_KEY":       "short",
		"LATCHKEY_DB_MAX_CONNS":     "0",
		"LATCHKEY_MIGRATE_ON_START": "maybe",
	}, Needs{SecretKey: true})
	var cfgErr *Error
	if !errors.As(err, &cfgErr) {
		t.Fatalf("Load = %v; want *Error", err)
	}
	if len(cfgErr.Problems) != 10 {
		t.Fatalf("problems = %d; want 10:\n%v", len(cfgErr.Problems), err)
	}
	for _, want := range []string{"LATCHKEY_DATABASE_URL", "mysql", "LATCHKEY_LISTEN", "LATCHKEY_BASE_URL", "LATCHKEY_LOG_LEVEL",
		"--log-format", "LATCHKEY_SHUTDOWN_TIMEOUT", "LATCHKEY_SHUTDOWN_DRAIN", "LATCHKEY_SECRET_KEY", "LATCHKEY_DB_MAX_CONNS", "LATCHKEY_MIGRATE_ON_START"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestPostgresNeedsSecretKey(t *testing.T) {
	vars := map[string]string{"LATCHKEY_DATABASE_URL": "postgres://db/latchkey"}
	_, err := load(t, nil, vars, Needs{SecretKey: true})
	if !errors.Is(err, ErrSecretKeyRequired) {
		t.Fatalf("Load = %v; want ErrSecretKeyRequired", err)
	}
	if _, err := load(t, nil, vars, Needs{}); err != nil {
		t.Fatalf("a command that needs no key failed: %v", err)
	}
	vars["LATCHKEY_SECRET_KEY_FILE"] = "/run/secrets/latchkey"
	if _, err := load(t, nil, vars, Needs{SecretKey: true}); err != nil {
		t.Fatalf("a key file should satisfy the requirement: %v", err)
	}
}

func TestConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("listen: \":1\"\nlisten_addr: x\nlog_levle: debug\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := load(t, []string{"--config", bad}, nil, Needs{})
	if err == nil || !strings.Contains(err.Error(), "unknown setting(s) listen_addr, log_levle") {
		t.Fatalf("Load = %v; want the unknown keys named", err)
	}
	_, err = load(t, nil, map[string]string{"LATCHKEY_CONFIG": filepath.Join(dir, "missing.yaml")}, Needs{})
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("Load = %v; want the missing file named", err)
	}
}

func TestSettingsDocumented(t *testing.T) {
	for _, s := range Settings() {
		if s.Help == "" || !strings.HasPrefix(s.Env, "LATCHKEY_") {
			t.Errorf("setting %+v lacks help or an env name", s)
		}
	}
}

func TestDatabaseURLRejects(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@db/x?sslmode=bogus": "sslmode is invalid",
		"postgres://u:secret@db:99999/x":         "not a valid PostgreSQL URL",
		"host=db user=lk dbname=latchkey":        "key=value connection string",
		"mysql://db/x":                           "unsupported database scheme",
		"data.db?mode=ro":                        "plain file path",
	} {
		_, err := load(t, nil, map[string]string{"LATCHKEY_DATABASE_URL": in}, Needs{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v; want an error containing %q", in, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: the error repeats the password: %v", in, err)
		}
	}
}

func TestOAuthTokenLifetime(t *testing.T) {
	cfg, err := load(t, nil, nil, Needs{})
	if err != nil || cfg.OAuthTokenLifetime != time.Hour {
		t.Fatalf("default lifetime = %v, %v; want 1h", cfg.OAuthTokenLifetime, err)
	}
	for v, ok := range map[string]bool{"5m": true, "6h": true, "24h": true, "4m59s": false, "25h": false, "0": false, "hour": false} {
		cfg, err := load(t, nil, map[string]string{"LATCHKEY_OAUTH_TOKEN_LIFETIME": v}, Needs{})
		if (err == nil) != ok {
			t.Errorf("LATCHKEY_OAUTH_TOKEN_LIFETIME=%s: err %v; want accepted %v", v, err, ok)
		}
		if want, _ := time.ParseDuration(v); ok && cfg.OAuthTokenLifetime != want {
			t.Errorf("LATCHKEY_OAUTH_TOKEN_LIFETIME=%s gave %v", v, cfg.OAuthTokenLifetime)
		}
	}
}
