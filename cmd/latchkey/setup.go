package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/server"
)

// settingsFlags adds the shared settings (database, logging, ...) to fs and
// a help footer listing every environment variable.
func settingsFlags(env *cli, fs *flag.FlagSet) *config.FlagValues {
	flags := config.Flags(fs)
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		printSettings(env.stdout)
	}
	return flags
}

func printSettings(w io.Writer) {
	fmt.Fprintln(w, "\nSettings (flag > environment > --config YAML file > default):")
	for _, s := range config.Settings() {
		def := s.Default
		if def == "" {
			def = "none"
		}
		fmt.Fprintf(w, "  %-28s %s (default %s)\n", s.Env, s.Help, def)
	}
}

// loadConfig validates every setting at once and builds the logger.
func loadConfig(env *cli, flags *config.FlagValues, needs config.Needs) (config.Config, *slog.Logger, error) {
	cfg, err := config.Load(flags, env.getenv, needs)
	if err != nil {
		var cfgErr *config.Error
		if errors.As(err, &cfgErr) {
			return config.Config{}, nil, &usageError{msg: err.Error()}
		}
		return config.Config{}, nil, err
	}
	return cfg, newLogger(cfg, env.stderr), nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(server.NewLogHandler(h))
}

// requireNoArgs refuses stray positional arguments (a common typo is a
// missing "--" before a flag value).
func requireNoArgs(cmd string, args []string) error {
	if len(args) > 0 {
		return usagef("latchkey %s: unexpected argument(s) %s", cmd, strings.Join(args, " "))
	}
	return nil
}
