package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/credential"
)

// secretKey returns the server key: LATCHKEY_SECRET_KEY when set, else the
// key file. On SQLite (one process, one machine) a missing key file is
// created with a random key and mode 0600, so the embedded default needs
// no set-up. With PostgreSQL every replica must share one key, so it is
// never generated: a missing file is an error, never a new key.
func secretKey(cfg config.Config, log *slog.Logger) ([]byte, error) {
	if len(cfg.SecretKey) > 0 {
		return cfg.SecretKey, nil
	}
	path := cfg.SecretKeyFile
	if path == "" {
		if cfg.Backend != config.SQLite {
			return nil, config.ErrSecretKeyRequired
		}
		path = cfg.DatabaseDSN + ".key"
	}
	key, err := readKeyFile(path, log)
	if errors.Is(err, fs.ErrNotExist) {
		if cfg.Backend != config.SQLite {
			return nil, fmt.Errorf("secret key file %s does not exist; with PostgreSQL every replica must read the same key: create it once (openssl rand -hex 32 > %s; chmod 600 %s) and share it", path, path, path)
		}
		return createKeyFile(path, log)
	}
	return key, err
}

func readKeyFile(path string, log *slog.Logger) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read secret key file: %w", err)
	}
	warnIfReadableByOthers(path, log)
	key = []byte(strings.TrimSpace(string(key)))
	if len(key) < credential.MinKeyLength {
		return nil, fmt.Errorf("secret key file %s holds %d bytes; it needs at least %d", path, len(key), credential.MinKeyLength)
	}
	return key, nil
}

// createKeyFile writes a new key so that no reader ever sees a partial
// file and a crash never leaves an empty one: the key goes to a private
// temporary file, is synced, then linked into place. Link fails if another
// process won the race, and then its key is the one to use.
func createKeyFile(path string, log *slog.Logger) ([]byte, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("generate secret key: %w", err)
	}
	key := []byte(hex.EncodeToString(raw))
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".latchkey-key-*")
	if err != nil {
		return nil, fmt.Errorf("create secret key file: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if err := writeSynced(tmp, append(key, '\n')); err != nil {
		return nil, fmt.Errorf("write secret key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKeyFile(path, log)
		}
		return nil, fmt.Errorf("create secret key file: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the new name durable
		_ = d.Close()
	}
	log.Info("generated a secret key; back it up with the database", "path", path)
	return key, nil
}

// writeSynced writes data with mode 0600 (CreateTemp's default), syncs and
// closes f.
func writeSynced(f *os.File, data []byte) error {
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func warnIfReadableByOthers(path string, log *slog.Logger) {
	info, err := os.Stat(path)
	if err == nil && info.Mode().Perm()&0o077 != 0 {
		log.Warn("secret key file is readable by other users; run chmod 600", "path", path, "mode", info.Mode().Perm().String())
	}
}

func newHasher(cfg config.Config, log *slog.Logger) (credential.Hasher, error) {
	key, err := secretKey(cfg, log)
	if err != nil {
		return credential.Hasher{}, err
	}
	return credential.NewHasher(key)
}
