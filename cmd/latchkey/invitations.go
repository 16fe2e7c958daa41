package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"log/slog"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/jobqueue"
	"github.com/latchkeyhq/latchkey/mailer"
)

// newInviter builds the invitation policy over an insert-only queue: the
// server's workers, or a later `serve`, run what it enqueues.
func newInviter(ctx context.Context, cfg config.Config, log *slog.Logger, store *gormstore.Store, secrets claim.Secrets) (*claim.Inviter, error) {
	jobs, err := newInserter(ctx, cfg, log, store)
	if err != nil {
		return nil, err
	}
	return newInviterOn(cfg, log, jobs, secrets), nil
}

// newInserter is a queue that only inserts jobs (in the caller's
// transaction); the server's workers run them.
func newInserter(ctx context.Context, cfg config.Config, log *slog.Logger, store *gormstore.Store) (*jobqueue.Queue, error) {
	return jobqueue.New(ctx, jobqueue.Options{Dialect: jobqueue.Dialect(store.Dialect()), DB: store.DB(),
		DatabaseURL: cfg.DatabaseDSN, Logger: log})
}

// newInviterOn builds the invitation policy on jobs.
func newInviterOn(cfg config.Config, log *slog.Logger, jobs claim.Enqueuer, secrets claim.Secrets) *claim.Inviter {
	return claim.NewInviter(claim.Options{Secrets: secrets, Jobs: jobs, BaseURL: cfg.BaseURL.String(),
		LinkTTL: cfg.ClaimLinkTTL, CodeTTL: cfg.AccessCodeTTL, Reminders: cfg.Reminders, Logger: log})
}

// newPostman sends through SMTP when configured, else keeps messages in
// the outbox. An SMTP server that does not answer at start-up is logged,
// not fatal: deliveries retry with backoff.
func newPostman(ctx context.Context, cfg config.Config, log *slog.Logger, store *gormstore.Store) (claim.Postman, func(), error) {
	if cfg.SMTPURL == "" {
		log.Info("no SMTP server configured (LATCHKEY_SMTP_URL): invitations are kept in the outbox, GET /admin/v1/outbox")
		return claim.OutboxPostman{Store: store, Logger: log}, func() {}, nil
	}
	smtpCfg, err := mailer.ParseURL(cfg.SMTPURL)
	if err != nil {
		return nil, nil, err
	}
	from := cfg.MailFrom
	if from == "" {
		from = "Latchkey <no-reply@" + cfg.BaseURL.Hostname() + ">"
	}
	m, err := mailer.New(smtpCfg, mailer.Options{From: from})
	if err != nil {
		return nil, nil, err
	}
	if err := m.Check(ctx); err != nil {
		log.Warn("the SMTP server did not accept a test connection; invitations will be retried", "smtp", smtpCfg, "err", err)
	}
	return claim.SMTPPostman{Sender: m}, func() { _ = m.Close() }, nil
}

// newSecrets derives the claim links' and codes' keys from the server key.
func newSecrets(cfg config.Config, log *slog.Logger) (claim.Secrets, error) {
	key, err := secretKey(cfg, log)
	if err != nil {
		return claim.Secrets{}, err
	}
	return claim.NewSecrets(key)
}

// downloadKey signs the emailed export download links: a subkey of the
// server key, so it can stand in for no other secret.
func downloadKey(cfg config.Config, log *slog.Logger) ([]byte, error) {
	key, err := secretKey(cfg, log)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("latchkey/export-download/v1"))
	return mac.Sum(nil), nil
}

// inviter is newInviter for administrative commands.
func (s *session) inviter(ctx context.Context) (*claim.Inviter, error) {
	secrets, err := newSecrets(s.cfg, s.log)
	if err != nil {
		return nil, err
	}
	return newInviter(ctx, s.cfg, s.log, s.store, secrets)
}
