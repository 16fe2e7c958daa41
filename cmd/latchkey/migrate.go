package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/jobqueue"
	"github.com/latchkeyhq/latchkey/migrations"
)

func runMigrate(ctx context.Context, env *cli, args []string) error {
	status := len(args) > 0 && args[0] == "status"
	if status {
		args = args[1:]
	}
	fs := newFlagSet(env, "migrate", "migrate [status] [flags]")
	flags := settingsFlags(env, fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := requireNoArgs("migrate", rest); err != nil {
		return err
	}
	cfg, log, err := loadConfig(env, flags, config.Needs{})
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	if status {
		return printMigrationStatus(ctx, env, store)
	}
	applied, err := migrate(ctx, store, log)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(env.stdout, "Database is up to date; nothing to apply.")
		return nil
	}
	for _, m := range applied {
		fmt.Fprintf(env.stdout, "Applied %s\n", m.Name)
	}
	return nil
}

func printMigrationStatus(ctx context.Context, env *cli, store *gormstore.Store) error {
	list, err := migrations.Status(ctx, store.DB(), migrations.Dialect(store.Dialect()))
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "VERSION\tNAME\tSTATE")
	for _, m := range list {
		state := "pending"
		if m.Applied {
			state = "applied"
		}
		fmt.Fprintf(w, "%05d\t%s\t%s\n", m.Version, m.Name, state)
	}
	return w.Flush()
}

func checkSchema(ctx context.Context, store *gormstore.Store) error {
	if err := migrations.Check(ctx, store.DB(), migrations.Dialect(store.Dialect())); err != nil {
		return err
	}
	return jobqueue.Check(ctx, jobqueue.Dialect(store.Dialect()), store.DB())
}
