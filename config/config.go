// Package config reads Latchkey's settings from defaults, an optional YAML
// file, LATCHKEY_* environment variables and command-line flags (later
// sources win), and validates them all at once. Only cmd/latchkey imports
// it; everything else receives plain values.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Backend is the kind of database a URL selects.
type Backend string

// The supported databases.
const (
	SQLite   Backend = "sqlite"
	Postgres Backend = "postgres"
)

// Config is every setting, parsed and validated.
type Config struct {
	DatabaseURL string  // as given
	Backend     Backend // derived from DatabaseURL
	// DatabaseDSN is what the driver opens: the postgres URL, or the
	// SQLite file path.
	DatabaseDSN      string
	Listen           string
	BaseURL          *url.URL
	SecretKey        []byte
	SecretKeyFile    string
	LogFormat        string
	LogLevel         slog.Level
	MigrateOnStart   bool
	ShutdownTimeout  time.Duration
	ShutdownDrain    time.Duration
	RequestTimeout   time.Duration
	DBConnectTimeout time.Duration
	DBMaxConns       int
	BodyLimit        int64
	ScimRateLimit    int
	AdminRateLimit   int
	// The HTTP server's connection timeouts (http.Server's fields).
	HTTPReadHeaderTimeout time.Duration
	HTTPReadTimeout       time.Duration
	HTTPWriteTimeout      time.Duration
	HTTPIdleTimeout       time.Duration
	// OAuthTokenLifetime is how long tokens from the OAuth token endpoint last.
	OAuthTokenLifetime time.Duration
	ConfigFile         string
	// SMTPURL is empty when messages go to the outbox.
	SMTPURL       string
	MailFrom      string
	ClaimLinkTTL  time.Duration
	AccessCodeTTL time.Duration
	Reminders     []time.Duration
	// ExportDir is empty when export files live in the database.
	ExportDir  string
	ExportTTL  time.Duration
	JobWorkers int
	// JobRescueAfter is when a job still running is taken for one whose
	// process died (jobqueue.Options.RescueAfter).
	JobRescueAfter time.Duration
}

// Needs says what the running command requires beyond the defaults.
type Needs struct {
	// SecretKey: the command hashes or signs, so on PostgreSQL a key must
	// be configured (on SQLite one is generated beside the database).
	SecretKey bool
}

// Flags binds the settings that have command-line flags to fs. Call Load
// with the result after fs.Parse.
func Flags(fs *flag.FlagSet) *FlagValues {
	v := &FlagValues{fs: fs, values: map[string]*string{}}
	for _, s := range settings {
		if s.flag {
			v.values[s.key] = fs.String(s.flagName(), "", s.help+" (default "+quoteDefault(s.def)+")")
		}
	}
	fs.StringVar(&v.configFile, "config", "", "YAML settings file (env LATCHKEY_CONFIG)")
	return v
}

// FlagValues holds what Flags bound, until Load reads it.
type FlagValues struct {
	fs         *flag.FlagSet
	values     map[string]*string
	configFile string
}

// Load merges every source, validates, and returns every problem at once.
func Load(flags *FlagValues, getenv func(string) string, needs Needs) (Config, error) {
	raw := map[string]sourced{}
	for _, s := range settings {
		raw[s.key] = sourced{value: s.def, source: "default"}
	}
	var problems []error
	file := firstNonEmpty(flags.configFile, getenv("LATCHKEY_CONFIG"))
	if file != "" {
		fromFile, err := readFile(file)
		if err != nil {
			problems = append(problems, err)
		}
		for k, v := range fromFile {
			raw[k] = sourced{value: v, source: file}
		}
	}
	for _, s := range settings {
		if v := getenv(s.envName()); v != "" {
			raw[s.key] = sourced{value: v, source: s.envName()}
		}
	}
	flags.fs.Visit(func(f *flag.Flag) {
		for _, s := range settings {
			if s.flag && f.Name == s.flagName() {
				raw[s.key] = sourced{value: *flags.values[s.key], source: "--" + f.Name}
			}
		}
	})
	cfg := Config{ConfigFile: file}
	for _, s := range settings {
		r := raw[s.key]
		if err := s.apply(&cfg, strings.TrimSpace(r.value)); err != nil {
			problems = append(problems, fmt.Errorf("%s (from %s): %w", s.key, r.source, err))
		}
	}
	problems = append(problems, cfg.crossCheck(needs)...)
	if len(problems) > 0 {
		return Config{}, &Error{Problems: problems}
	}
	return cfg, nil
}

// Error lists every problem found in the settings.
type Error struct{ Problems []error }

func (e *Error) Error() string {
	lines := make([]string, 0, len(e.Problems)+1)
	lines = append(lines, fmt.Sprintf("invalid configuration (%d problem(s)):", len(e.Problems)))
	for _, p := range e.Problems {
		lines = append(lines, "  - "+p.Error())
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes each problem to errors.Is and errors.As.
func (e *Error) Unwrap() []error { return e.Problems }

// ErrSecretKeyRequired: PostgreSQL deployments may run several replicas,
// so the key cannot be generated locally; it must be configured.
var ErrSecretKeyRequired = errors.New("LATCHKEY_SECRET_KEY is required with PostgreSQL (at least 32 characters, the same on every replica; generate one with `openssl rand -hex 32`)")

func (c *Config) crossCheck(needs Needs) []error {
	var problems []error
	if needs.SecretKey && c.Backend == Postgres && len(c.SecretKey) == 0 && c.SecretKeyFile == "" {
		problems = append(problems, ErrSecretKeyRequired)
	}
	// A request stopped at its deadline must still be able to send its 503.
	if c.HTTPWriteTimeout > 0 && c.RequestTimeout > 0 && c.HTTPWriteTimeout <= c.RequestTimeout {
		problems = append(problems, fmt.Errorf("http_write_timeout (%s) must be longer than request_timeout (%s)", c.HTTPWriteTimeout, c.RequestTimeout))
	}
	return problems
}

type sourced struct{ value, source string }

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func quoteDefault(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
