package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/latchkeyhq/latchkey/config"
)

// runBackup writes a consistent copy of the SQLite database with VACUUM
// INTO, which reads one snapshot and so is safe while a server runs and
// writes. PostgreSQL has its own tools (pg_dump), which the error names.
func runBackup(ctx context.Context, env *cli, args []string) error {
	fs := newFlagSet(env, "backup", "backup --to FILE [flags]")
	to := fs.String("to", "", "file to write the copy to; it must not exist yet")
	flags := settingsFlags(env, fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := requireNoArgs("backup", rest); err != nil {
		return err
	}
	if *to == "" {
		return usagef("latchkey backup: --to FILE is required")
	}
	cfg, log, err := loadConfig(env, flags, config.Needs{})
	if err != nil {
		return err
	}
	if cfg.Backend != config.SQLite {
		return errors.New("backup copies SQLite databases only; back up PostgreSQL with pg_dump -Fc (see docs/operations.md)")
	}
	// Opening a missing file would create an empty database and back that up.
	if _, err := os.Stat(cfg.DatabaseDSN); err != nil {
		return fmt.Errorf("backup: database %s: %w", cfg.DatabaseDSN, err)
	}
	if _, err := os.Lstat(*to); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file", *to)
	}
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	size, err := vacuumInto(ctx, func(ctx context.Context, path string) error {
		_, err := store.DB().ExecContext(ctx, "VACUUM INTO ?", path)
		return err
	}, *to)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(env.stdout, "Backed up %s to %s (%d bytes).\n", cfg.DatabaseDSN, *to, size)
	fmt.Fprintln(env.stdout, keyReminder(cfg))
	return nil
}

// vacuumInto has vacuum write to a temporary file beside to, syncs it and
// links it into place, so that to is either absent or a whole copy, and
// a file created meanwhile is never overwritten.
func vacuumInto(ctx context.Context, vacuum func(context.Context, string) error, to string) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(to), "."+filepath.Base(to)+".partial-*")
	if err != nil {
		return 0, err
	}
	// VACUUM INTO accepts an existing file only if it is empty, as this is.
	_ = tmp.Close()
	defer func() { _ = os.Remove(tmp.Name()) }()
	if err := vacuum(ctx, tmp.Name()); err != nil {
		return 0, err
	}
	size, err := syncFile(tmp.Name())
	if err != nil {
		return 0, err
	}
	if err := os.Link(tmp.Name(), to); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return 0, fmt.Errorf("%s was created while the backup ran; choose a new file", to)
		}
		return 0, err
	}
	return size, syncDir(filepath.Dir(to))
}

func syncFile(path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }()
	if err := f.Sync(); err != nil {
		return 0, err
	}
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

// syncDir makes the new directory entry durable too.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }()
	return d.Sync()
}

// keyReminder says where the server key lives: the backup does not hold
// it, and without it the copy's tokens, claim links and hashes are dead.
func keyReminder(cfg config.Config) string {
	if len(cfg.SecretKey) > 0 {
		return "The server key (LATCHKEY_SECRET_KEY) is not in the backup; keep it too, or tokens, claim links and access codes will not verify after a restore."
	}
	path := cfg.SecretKeyFile
	if path == "" {
		path = cfg.DatabaseDSN + ".key"
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("There is no server key at %s yet; the first `latchkey serve` creates it: back it up then, once.", path)
	}
	return fmt.Sprintf("The server key (%s) is not in the backup; keep a copy of it too, or tokens, claim links and access codes will not verify after a restore.", path)
}
