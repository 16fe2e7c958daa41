package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
)

// session is an administrative command's connection to the database.
type session struct {
	env   *cli
	cfg   config.Config
	log   *slog.Logger
	store *gormstore.Store
}

// commandFlags are the flags every organization-scoped command shares.
type commandFlags struct {
	fs       *flag.FlagSet
	settings *config.FlagValues
	org      *string
}

func newCommandFlags(env *cli, name, usage string, withOrg bool) *commandFlags {
	fs := newFlagSet(env, name, usage)
	c := &commandFlags{fs: fs, settings: settingsFlags(env, fs)}
	if withOrg {
		c.org = fs.String("org", directory.DefaultOrganizationSlug, "organization slug")
	}
	return c
}

// parse parses args and returns the positional arguments.
func (c *commandFlags) parse(args []string) ([]string, error) { return parseFlags(c.fs, args) }

// connect loads the settings and opens a store whose schema is current.
func (c *commandFlags) connect(ctx context.Context, env *cli, needs config.Needs) (*session, error) {
	cfg, log, err := loadConfig(env, c.settings, needs)
	if err != nil {
		return nil, err
	}
	store, err := openCurrentStore(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	return &session{env: env, cfg: cfg, log: log, store: store}, nil
}

func (s *session) close() { _ = s.store.Close() }

func (s *session) organization(ctx context.Context, slug string) (directory.Organization, error) {
	org, err := s.store.OrganizationBySlug(ctx, slug)
	if errors.Is(err, directory.ErrNotFound) {
		return org, fmt.Errorf("organization %q not found; `latchkey org list` shows the slugs", slug)
	}
	return org, err
}

// actor names the person at the terminal in audit records.
func (s *session) actor() string {
	if user := s.env.getenv("USER"); user != "" {
		return user
	}
	return "unknown"
}

func (s *session) audit(ctx context.Context, tx directory.Store, orgID, action, targetType, targetID string, details string) error {
	e := directory.AuditEvent{
		OrgID: orgID, ActorType: directory.ActorCLI, ActorName: s.actor(),
		Action: action, TargetType: targetType, TargetID: targetID,
	}
	if details != "" {
		e.Details = []byte(details)
	}
	return tx.AppendAudit(ctx, &e)
}

// parseExpiry reads "90d", "12h", "45m" or "never" into an expiry time.
func parseExpiry(v string, now time.Time) (*time.Time, error) {
	if v == "never" {
		return nil, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 3650 {
			return nil, usagef("--expires %q: want a number of days from 1 to 3650, e.g. 90d", v)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		parsed, err := time.ParseDuration(v)
		if err != nil || parsed <= 0 {
			return nil, usagef("--expires %q: want e.g. 90d, 12h or never", v)
		}
		d = parsed
	}
	t := now.Add(d).UTC()
	return &t, nil
}

func formatTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func required(flagName, value string) error {
	if strings.TrimSpace(value) == "" {
		return usagef("--%s is required", flagName)
	}
	return nil
}
