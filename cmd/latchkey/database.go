package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/jobqueue"
	"github.com/latchkeyhq/latchkey/migrations"
)

// openStore connects to the configured database, retrying with
// exponential backoff for up to cfg.DBConnectTimeout, so a server started
// alongside its database waits for it instead of crashing.
func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*gormstore.Store, error) {
	if cfg.Backend == config.SQLite {
		if err := requireDir(cfg.DatabaseDSN); err != nil {
			return nil, err
		}
	}
	opts := gormstore.Options{
		URL:            cfg.DatabaseDSN,
		Dialect:        gormstore.Dialect(cfg.Backend),
		MaxOpenConns:   cfg.DBMaxConns,
		ConnectTimeout: min(5*time.Second, cfg.DBConnectTimeout),
	}
	deadline := time.Now().Add(cfg.DBConnectTimeout)
	delay := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		store, err := gormstore.Open(ctx, opts)
		if err == nil {
			return store, nil
		}
		if !errors.Is(err, directory.ErrUnavailable) || time.Now().Add(delay).After(deadline) {
			return nil, fmt.Errorf("database %s unreachable after %d attempt(s) in %s: %w; check LATCHKEY_DATABASE_URL and that the database is running",
				cfg.Backend, attempt, cfg.DBConnectTimeout, err)
		}
		log.Warn("database not reachable yet; retrying", "attempt", attempt, "retry_in", delay.String(), "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*2, 5*time.Second)
	}
}

func requireDir(path string) error {
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() {
		return fmt.Errorf("folder %q for the SQLite database does not exist; create it or set LATCHKEY_DATABASE_URL", dir)
	}
	return nil
}

// openCurrentStore opens the store for a command that needs the schema to be
// exactly what this binary expects (everything except serve and migrate).
func openCurrentStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*gormstore.Store, error) {
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if err := checkSchema(ctx, store); err != nil {
		_ = store.Close()
		return nil, err
	}
	return store, nil
}

// migrate applies pending migrations, Latchkey's and then River's, under
// one lock so replicas starting at once take turns, then makes sure a fresh
// database has its default organization, so `--org default` works right
// away. A database a newer binary migrated is refused and left unchanged.
func migrate(ctx context.Context, store *gormstore.Store, log *slog.Logger) ([]migrations.Migration, error) {
	applied, err := migrations.UpWith(ctx, store.DB(), migrations.Dialect(store.Dialect()), migrations.Options{
		Waiting: func() { log.Info("waiting for another process to finish migrating", "lock", migrations.LockKey) },
		Then: func(ctx context.Context) error {
			n, err := jobqueue.Migrate(ctx, jobqueue.Dialect(store.Dialect()), store.DB())
			if n > 0 {
				log.Info("applied job queue migrations", "count", n)
			}
			return err
		},
	})
	for _, m := range applied {
		log.Info("applied migration", "version", m.Version, "name", m.Name)
	}
	if err != nil {
		return applied, err
	}
	return applied, ensureDefaultOrganization(ctx, store)
}

func ensureDefaultOrganization(ctx context.Context, store directory.Store) error {
	orgs, err := store.ListOrganizations(ctx)
	if err != nil || len(orgs) > 0 {
		return err
	}
	return store.InTx(ctx, func(tx directory.Store) error {
		org := directory.Organization{Slug: directory.DefaultOrganizationSlug, Name: "Default organization"}
		err := tx.CreateOrganization(ctx, &org)
		if errors.Is(err, directory.ErrConflict) {
			return nil // another replica created it first
		}
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &directory.AuditEvent{
			OrgID: org.ID, ActorType: directory.ActorSystem, ActorName: "migrate",
			Action: "organization.create", TargetType: "organization", TargetID: org.ID,
		})
	})
}
