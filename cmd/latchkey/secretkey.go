package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/credential"
)

// secretKey returns the server key: LATCHKEY_SECRET_KEY when set, else the
// key file. On SQLite (one process, one machine) a missing key file is
// created with a random key and mode 0600, so the embedded default needs
// no set-up; with PostgreSQL every replica must share one key, so it is
// never generated.
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
	key, err := os.ReadFile(path)
	switch {
	case err == nil:
		warnIfReadableByOthers(path, log)
		key = []byte(strings.TrimSpace(string(key)))
		if len(key) < credential.MinKeyLength {
			return nil, fmt.Errorf("secret key file %s holds %d bytes; it needs at least %d", path, len(key), credential.MinKeyLength)
		}
		return key, nil
	case errors.Is(err, fs.ErrNotExist) && (cfg.Backend == config.SQLite || cfg.SecretKeyFile != ""):
		return createKeyFile(path, log)
	default:
		return nil, fmt.Errorf("read secret key file: %w", err)
	}
}

func createKeyFile(path string, log *slog.Logger) ([]byte, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("generate secret key: %w", err)
	}
	key := []byte(hex.EncodeToString(raw))
	// O_EXCL: never overwrite a key another process just wrote.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return secretKey(config.Config{SecretKeyFile: path}, log)
	}
	if err != nil {
		return nil, fmt.Errorf("create secret key file: %w", err)
	}
	if _, err := f.Write(append(key, '\n')); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("write secret key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write secret key file: %w", err)
	}
	log.Info("generated a secret key; back it up with the database", "path", path)
	return key, nil
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
