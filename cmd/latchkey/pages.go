package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/claim/pages"
	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/console"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/sso"
)

// sessionCleanupEvery is how often `serve` deletes ended sessions (the
// pages also delete each ended one they meet). Every replica does it;
// the DELETE is idempotent and cheap.
const sessionCleanupEvery = 15 * time.Minute

// newPages builds the person-facing pages: claim links and codes, the
// first-access steps, sign-in, SAML single sign-on and the mobile claim
// API.
func newPages(cfg config.Config, log *slog.Logger, store *gormstore.Store, inviter *claim.Inviter, secrets claim.Secrets, metrics *claim.Metrics) (*pages.Pages, error) {
	sp, err := sso.New(sso.Options{BaseURL: cfg.BaseURL.String(), Store: store, Logger: log})
	if err != nil {
		return nil, err
	}
	return pages.New(pages.Options{Store: store, Inviter: inviter, Secrets: secrets, SSO: sp, Metrics: metrics,
		Guard: claim.NewGuard(store, claim.GuardOptions{Logger: log, Metrics: metrics}), BaseURL: cfg.BaseURL.String(), Logger: log})
}

// newConsole builds the admin console on the admin API, and lets the
// pages' SAML ACS finish admins' single sign-on in it.
func newConsole(cfg config.Config, log *slog.Logger, store *gormstore.Store, api console.API, p *pages.Pages, secrets claim.Secrets, metrics *claim.Metrics) (*console.Console, error) {
	k, err := console.New(console.Options{Store: store, API: api, SSO: p, Secrets: secrets,
		Guard: claim.NewGuard(store, claim.GuardOptions{Logger: log, Metrics: metrics}), BaseURL: cfg.BaseURL.String(), Logger: log})
	if err != nil {
		return nil, err
	}
	p.OnAdminSignIn(k.FinishSSO)
	return k, nil
}

// sessionCleaner deletes the sessions that have ended (the pages' and
// the console's).
type sessionCleaner interface {
	CleanUp(ctx context.Context) (int, error)
}

// cleanSessions deletes ended sessions every sessionCleanupEvery until
// ctx ends; the returned function stops it and waits.
func cleanSessions(ctx context.Context, log *slog.Logger, cleaners ...sessionCleaner) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(sessionCleanupEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				for _, p := range cleaners {
					if n, err := p.CleanUp(ctx); err != nil {
						log.Warn("deleting ended sessions failed", "err", err)
					} else if n > 0 {
						log.Debug("deleted ended sessions", "sessions", n)
					}
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}
