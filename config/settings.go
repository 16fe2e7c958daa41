package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// setting is one configuration value: its YAML key, from which the
// environment variable (LATCHKEY_ + upper case) and the flag (dashes) are
// named, a default, help text, and how to parse it.
type setting struct {
	key   string
	def   string
	help  string
	flag  bool
	apply func(c *Config, v string) error
}

func (s setting) envName() string  { return "LATCHKEY_" + strings.ToUpper(s.key) }
func (s setting) flagName() string { return strings.ReplaceAll(s.key, "_", "-") }

// Setting describes one setting for documentation and --help.
type Setting struct{ Key, Env, Flag, Default, Help string }

// Settings lists every setting in the order they are documented.
func Settings() []Setting {
	out := make([]Setting, 0, len(settings))
	for _, s := range settings {
		d := Setting{Key: s.key, Env: s.envName(), Default: s.def, Help: s.help}
		if s.flag {
			d.Flag = "--" + s.flagName()
		}
		out = append(out, d)
	}
	return out
}

var settings = []setting{
	{key: "database_url", def: "latchkey.db", flag: true,
		help: "a SQLite file path (the embedded default) or a postgres:// URL", apply: applyDatabaseURL},
	{key: "listen", def: ":8080", flag: true, help: "address the HTTP server binds", apply: applyListen},
	{key: "base_url", def: "http://localhost:8080", flag: true,
		help: "public URL of this server, used in every link it sends", apply: applyBaseURL},
	{key: "secret_key", help: "server key for keyed hashes and signed links, at least 32 characters; generated beside a SQLite database when unset, required with PostgreSQL",
		apply: func(c *Config, v string) error {
			if v != "" && len(v) < 32 {
				return fmt.Errorf("must be at least 32 characters (got %d)", len(v))
			}
			c.SecretKey = []byte(v)
			return nil
		}},
	{key: "secret_key_file", flag: true, help: "file holding the server key (read, or created with mode 0600 when missing); default: the SQLite path + \".key\"",
		apply: func(c *Config, v string) error { c.SecretKeyFile = v; return nil }},
	{key: "log_format", def: "text", flag: true, help: "text or json", apply: applyLogFormat},
	{key: "log_level", def: "info", flag: true, help: "debug, info, warn or error", apply: applyLogLevel},
	{key: "migrate_on_start", def: "true", flag: true, help: "apply pending migrations when serve starts",
		apply: func(c *Config, v string) error { return parseBool(v, &c.MigrateOnStart) }},
	{key: "shutdown_timeout", def: "20s", flag: true, help: "how long in-flight requests may finish after SIGTERM",
		apply: func(c *Config, v string) error { return parseDuration(v, &c.ShutdownTimeout) }},
	{key: "shutdown_drain", def: "0s", flag: true, help: "after SIGTERM, keep serving with /readyz at 503 this long so load balancers move away first",
		apply: func(c *Config, v string) error { return parseDurationAllowZero(v, &c.ShutdownDrain) }},
	{key: "request_timeout", def: "30s", help: "deadline for each request's work; past it the client gets 503 with Retry-After",
		apply: func(c *Config, v string) error { return parseDuration(v, &c.RequestTimeout) }},
	{key: "http_read_header_timeout", def: "10s", help: "how long a client may take to send a request's headers; a slower connection is closed",
		apply: func(c *Config, v string) error {
			return parseDurationRange(v, time.Second, 5*time.Minute, &c.HTTPReadHeaderTimeout)
		}},
	{key: "http_read_timeout", def: "60s", help: "how long a client may take to send a whole request, headers and body; a slower connection is closed",
		apply: func(c *Config, v string) error {
			return parseDurationRange(v, time.Second, time.Hour, &c.HTTPReadTimeout)
		}},
	{key: "http_write_timeout", def: "60s", help: "how long a request may take from its headers to the end of its answer (downloads included); longer than request_timeout",
		apply: func(c *Config, v string) error {
			return parseDurationRange(v, time.Second, time.Hour, &c.HTTPWriteTimeout)
		}},
	{key: "http_idle_timeout", def: "120s", help: "how long a kept-alive connection may wait for its next request",
		apply: func(c *Config, v string) error {
			return parseDurationRange(v, time.Second, time.Hour, &c.HTTPIdleTimeout)
		}},
	{key: "db_connect_timeout", def: "30s", help: "how long start-up keeps retrying an unreachable database",
		apply: func(c *Config, v string) error { return parseDuration(v, &c.DBConnectTimeout) }},
	{key: "db_max_conns", def: "20", help: "PostgreSQL connection pool size, at least 2: migrating at start holds one for its lock (SQLite always uses one)",
		apply: func(c *Config, v string) error { return parseInt(v, 2, 1000, &c.DBMaxConns) }},
	{key: "scim_rate_limit", def: "100", help: "SCIM requests per second allowed per token (bursts up to twice that); more get 429 with Retry-After",
		apply: func(c *Config, v string) error { return parseInt(v, 1, 100000, &c.ScimRateLimit) }},
	{key: "admin_rate_limit", def: "20", help: "admin API requests per second allowed per admin token (bursts up to twice that); more get 429 with Retry-After",
		apply: func(c *Config, v string) error { return parseInt(v, 1, 100000, &c.AdminRateLimit) }},
	{key: "oauth_token_lifetime", def: "1h", help: "how long an access token from POST /oauth/token works, from 5m to 24h (Entra ID's gallery expects 1h to 6h)",
		apply: func(c *Config, v string) error {
			return parseDurationRange(v, 5*time.Minute, 24*time.Hour, &c.OAuthTokenLifetime)
		}},
	{key: "smtp_url", help: "SMTP server for invitations: smtp://[user:pass@]host:port (STARTTLS when offered; ?starttls=required insists) or smtps://host:465; unset keeps messages in the outbox (GET /admin/v1/outbox)",
		apply: applySMTPURL},
	{key: "mail_from", help: "sender of every email, such as \"Acme IT <it@acme.example>\"; default Latchkey <no-reply@ the base URL's host>",
		apply: func(c *Config, v string) error { c.MailFrom = v; return nil }},
	{key: "claim_link_ttl", def: "14d", help: "how long a claim link works after the invitation, e.g. 14d or 72h",
		apply: func(c *Config, v string) error {
			return parseLongDuration(v, time.Hour, 365*24*time.Hour, &c.ClaimLinkTTL)
		}},
	{key: "access_code_ttl", def: "90d", help: "how long an access code works after it is issued",
		apply: func(c *Config, v string) error {
			return parseLongDuration(v, time.Hour, 365*24*time.Hour, &c.AccessCodeTTL)
		}},
	{key: "reminders", def: "3d,5d", help: "when unclaimed invitations are reminded, after the invitation, comma-separated; \"none\" for never",
		apply: applyReminders},
	{key: "export_dir", help: "directory for employee export files, shared by every replica (a network volume); unset keeps them in the database",
		apply: func(c *Config, v string) error { c.ExportDir = v; return nil }},
	{key: "export_ttl", def: "4d", help: "how long an employee export and its emailed download link are kept, e.g. 4d or 48h",
		apply: func(c *Config, v string) error {
			return parseLongDuration(v, time.Hour, 30*24*time.Hour, &c.ExportTTL)
		}},
	{key: "job_workers", def: "10", help: "background jobs (emails, reminders, back-fills) run at once by this process",
		apply: func(c *Config, v string) error { return parseInt(v, 1, 1000, &c.JobWorkers) }},
	{key: "job_rescue_after", def: "15m", help: "after a crash, background jobs that were running are run again once they have been running this long; keep it above the longest job (an export may take up to 10m)",
		apply: func(c *Config, v string) error {
			return parseDurationRange(v, 10*time.Second, 24*time.Hour, &c.JobRescueAfter)
		}},
	{key: "body_limit", def: "1048576", help: "largest request body in bytes; larger requests get 413",
		apply: func(c *Config, v string) error {
			var n int
			err := parseInt(v, 1024, 64<<20, &n)
			c.BodyLimit = int64(n)
			return err
		}},
}

func applyDatabaseURL(c *Config, v string) error {
	c.DatabaseURL = v
	switch {
	case v == "":
		return fmt.Errorf("must not be empty")
	case strings.HasPrefix(v, "postgres://"), strings.HasPrefix(v, "postgresql://"):
		// pgconn is the parser the driver itself uses, so every option it
		// would reject at connect time (sslmode, ports, ...) is caught now.
		if _, err := pgconn.ParseConfig(v); err != nil {
			return fmt.Errorf("is not a valid PostgreSQL URL (want postgres://user:password@host:5432/dbname): %s", redactedParseError(err))
		}
		c.Backend, c.DatabaseDSN = Postgres, v
		return nil
	case keywordDSN.MatchString(v):
		return fmt.Errorf("looks like a key=value connection string; write it as a postgres:// URL")
	}
	path := v
	for _, prefix := range []string{"sqlite://", "sqlite:", "file:"} {
		path = strings.TrimPrefix(path, prefix)
	}
	if i := strings.Index(path, "://"); i > 0 {
		return fmt.Errorf("unsupported database scheme %q: use postgres://... or a SQLite file path", path[:i])
	}
	if path == "" || strings.ContainsAny(path, "?#") {
		return fmt.Errorf("SQLite path %q must be a plain file path without ? or #", path)
	}
	c.Backend, c.DatabaseDSN = SQLite, path
	return nil
}

func applyListen(c *Config, v string) error {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Errorf("want host:port or :port, got %q", v)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	c.Listen = v
	return nil
}

func applyBaseURL(c *Config, v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an absolute http(s) URL such as https://latchkey.example.com, got %q", v)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("must not carry a query, fragment or credentials")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	c.BaseURL = u
	return nil
}

func applyLogFormat(c *Config, v string) error {
	if v != "text" && v != "json" {
		return fmt.Errorf("want text or json, got %q", v)
	}
	c.LogFormat = v
	return nil
}

func applyLogLevel(c *Config, v string) error {
	if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
		return fmt.Errorf("want debug, info, warn or error, got %q", v)
	}
	if c.LogLevel != slog.LevelDebug && c.LogLevel != slog.LevelInfo && c.LogLevel != slog.LevelWarn && c.LogLevel != slog.LevelError {
		return fmt.Errorf("want debug, info, warn or error, got %q", v)
	}
	return nil
}

func parseBool(v string, dst *bool) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("want true or false, got %q", v)
	}
	*dst = b
	return nil
}

func parseDuration(v string, dst *time.Duration) error {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("want a positive duration such as 30s or 2m, got %q", v)
	}
	*dst = d
	return nil
}

func parseDurationAllowZero(v string, dst *time.Duration) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return fmt.Errorf("want a duration such as 0s, 5s or 1m, got %q", v)
	}
	*dst = d
	return nil
}

func parseDurationRange(v string, lo, hi time.Duration, dst *time.Duration) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		return fmt.Errorf("want a duration from %s to %s such as 1h, got %q", lo, hi, v)
	}
	*dst = d
	return nil
}

func parseInt(v string, lo, hi int, dst *int) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return fmt.Errorf("want a whole number from %d to %d, got %q", lo, hi, v)
	}
	*dst = n
	return nil
}

// keywordDSN matches libpq's "host=db user=x dbname=y" form.
var keywordDSN = regexp.MustCompile(`^\s*[a-z_]+\s*=`)

// redactedParseError keeps pgconn's reason but never echoes the URL, which
// may carry a password.
func redactedParseError(err error) string {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) && pe.Unwrap() != nil {
		return pe.Unwrap().Error()
	}
	return "cannot be parsed"
}

// parseLongDuration accepts Go durations and whole days ("14d").
func parseLongDuration(v string, lo, hi time.Duration, dst *time.Duration) error {
	d, err := time.ParseDuration(v)
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, convErr := strconv.Atoi(days)
		d, err = time.Duration(n)*24*time.Hour, convErr
	}
	if err != nil || d < lo || d > hi {
		return fmt.Errorf("want a duration from %s to %s such as 14d or 72h, got %q", lo, hi, v)
	}
	*dst = d
	return nil
}

func applyReminders(c *Config, v string) error {
	c.Reminders = []time.Duration{}
	if strings.TrimSpace(v) == "none" {
		return nil
	}
	for _, part := range strings.Split(v, ",") {
		var d time.Duration
		if err := parseLongDuration(strings.TrimSpace(part), time.Minute, 90*24*time.Hour, &d); err != nil {
			return fmt.Errorf("each reminder %s", strings.TrimPrefix(err.Error(), "want "))
		}
		c.Reminders = append(c.Reminders, d)
	}
	return nil
}

// applySMTPURL checks the scheme and host; cmd parses the options with
// package mailer, which owns their meaning.
func applySMTPURL(c *Config, v string) error {
	c.SMTPURL = v
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return fmt.Errorf("want smtp://[user:password@]host:port or smtps://host:465")
	}
	return nil
}
