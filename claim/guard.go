package claim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// TooManyAttempts is the answer while a source or a code is locked out:
// the person may try again after Wait.
type TooManyAttempts struct{ Wait time.Duration }

func (e *TooManyAttempts) Error() string {
	return fmt.Sprintf("claim: too many failed attempts; try again in %s", e.Wait.Round(time.Second))
}

// GuardOptions bound guessing. An access code has about 2^73 values, so
// the limits are not what keeps it secret; they keep a guesser (or a
// confused person) from hammering the server, and raise the alarm.
type GuardOptions struct {
	// FreeFailures a key may have before delays start (default 5).
	FreeFailures int
	// BaseDelay is the first delay after the free failures; each further
	// failure doubles it, up to MaxDelay (defaults 2s and 1h).
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// Window after which a key's failures are forgotten (default 24h).
	Window time.Duration
	// AlarmThreshold failures across all keys within AlarmWindow log an
	// error once per AlarmWindow (defaults 100 per 5 minutes).
	AlarmThreshold int64
	AlarmWindow    time.Duration
	Now            func() time.Time
	Logger         *slog.Logger
	// Metrics count failures and lock-outs; nil counts nothing.
	Metrics *Metrics
}

// Guard limits failed attempts per source address and per code.
type Guard struct {
	store directory.AttemptStore
	opts  GuardOptions
	// alarmed is when the alarm last fired; only this process's log
	// matters, so it lives in memory.
	mu      sync.Mutex
	alarmed time.Time
}

// NewGuard applies the defaults.
func NewGuard(store directory.AttemptStore, opts GuardOptions) *Guard {
	if opts.FreeFailures <= 0 {
		opts.FreeFailures = 5
	}
	if opts.BaseDelay <= 0 {
		opts.BaseDelay = 2 * time.Second
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = time.Hour
	}
	if opts.Window <= 0 {
		opts.Window = 24 * time.Hour
	}
	if opts.AlarmThreshold <= 0 {
		opts.AlarmThreshold = 100
	}
	if opts.AlarmWindow <= 0 {
		opts.AlarmWindow = 5 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Guard{store: store, opts: opts}
}

// delay is how long a key with failures must wait after its last one.
func (g *Guard) delay(failures int) time.Duration {
	over := failures - g.opts.FreeFailures
	if over < 0 {
		return 0
	}
	d := g.opts.BaseDelay
	for range over {
		d *= 2
		if d >= g.opts.MaxDelay {
			return g.opts.MaxDelay
		}
	}
	return d
}

// check returns *TooManyAttempts when any key must still wait.
func (g *Guard) check(ctx context.Context, keys ...string) error {
	now := g.opts.Now()
	var wait time.Duration
	for _, key := range keys {
		a, err := g.store.AttemptsOf(ctx, key)
		if err != nil {
			return err
		}
		if a.Failures == 0 || now.Sub(a.FirstFailedAt) > g.opts.Window {
			continue
		}
		if w := a.LastFailedAt.Add(g.delay(a.Failures)).Sub(now); w > wait {
			wait = w
		}
	}
	if wait > 0 {
		g.opts.Metrics.failure(keys, reasonLockedOut)
		return &TooManyAttempts{Wait: wait}
	}
	return nil
}

// fail counts a failure of each key, for reason, and raises the alarm
// when failures across all keys pass the threshold.
func (g *Guard) fail(ctx context.Context, reason string, keys ...string) error {
	g.opts.Metrics.failure(keys, reason)
	now := g.opts.Now()
	for _, key := range keys {
		if _, err := g.store.RecordFailure(ctx, key, now, g.opts.Window); err != nil {
			return err
		}
	}
	g.mu.Lock()
	quiet := now.Sub(g.alarmed) < g.opts.AlarmWindow
	g.mu.Unlock()
	if quiet {
		return nil
	}
	total, err := g.store.RecentFailures(ctx, now.Add(-g.opts.AlarmWindow))
	if err != nil {
		return err
	}
	if total >= g.opts.AlarmThreshold {
		g.mu.Lock()
		g.alarmed = now
		g.mu.Unlock()
		g.opts.Logger.ErrorContext(ctx, "access code guessing alarm: many failed claim attempts across all sources",
			"failures", total, "window", g.opts.AlarmWindow.String())
	}
	return nil
}

// RedeemCode resolves a typed access code for a person at source (their
// address), within the attempt limits: a source or a code that failed
// too often gets *TooManyAttempts before anything is looked up. A code
// that does not work counts against both; one that works clears its own
// count (not the source's).
func (v *Inviter) RedeemCode(ctx context.Context, store directory.Store, g *Guard, source, typed string) (directory.Account, error) {
	keys := []string{"source:" + source}
	if code, err := NormalizeCode(typed); err == nil {
		keys = append(keys, "code:"+v.secrets.CodeHash(code)[:32])
	}
	if err := g.check(ctx, keys...); err != nil {
		return directory.Account{}, err
	}
	a, err := v.ResolveCode(ctx, store, typed)
	if err == nil {
		if len(keys) > 1 {
			return a, g.store.ClearFailures(ctx, keys[1])
		}
		return a, nil
	}
	if errors.Is(err, ErrUnknown) || errors.Is(err, ErrExpired) || errors.Is(err, ErrUsed) || errors.Is(err, ErrDeactivated) {
		if ferr := g.fail(ctx, codeFailure(err), keys...); ferr != nil {
			return directory.Account{}, ferr
		}
	}
	return a, err
}
