package claim_test

import (
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestAccessCodeGuessingIsBounded: wrong codes from one source lock that
// source out with growing delays, a code tried too often is locked for
// everyone, others are unaffected, and many failures raise the alarm.
func TestAccessCodeGuessingIsBounded(t *testing.T) {
	eachBackend(t, envOptions{noWorkers: true}, func(t *testing.T, e *env) {
		c := &clock{now: time.Now()}
		guard := claim.NewGuard(e.store, claim.GuardOptions{FreeFailures: 3, BaseDelay: time.Minute, AlarmThreshold: 6,
			Now: c.Now, Logger: slog.New(slog.NewTextHandler(e.logs, nil))})
		lin := e.user("E-1042", "", "Warehouse", nil)
		code := e.inviter.AccessCode(lin)
		redeem := func(source, typed string) error {
			_, err := e.inviter.RedeemCode(t.Context(), e.store, guard, source, typed)
			return err
		}
		wrong := "AAAA-BBBB-CCCC-DDDD"
		for i := range 3 {
			if err := redeem("192.0.2.1", wrong); !errors.Is(err, claim.ErrUnknown) {
				t.Fatalf("wrong code %d: %v; want ErrUnknown", i, err)
			}
		}
		var locked *claim.TooManyAttempts
		if err := redeem("192.0.2.1", code); !errors.As(err, &locked) {
			t.Fatalf("after 3 failures even the right code from that source: %v; want TooManyAttempts", err)
		}
		if err := redeem("198.51.100.9", code); err != nil {
			t.Fatalf("the right code from another source: %v", err)
		}
		c.advance(2 * time.Minute)
		if err := redeem("192.0.2.1", code); err != nil {
			t.Fatalf("the right code after the delay: %v", err)
		}
		// Delays grow: one more failure past the free ones waits longer.
		for range 2 {
			c.advance(time.Hour)
			_ = redeem("192.0.2.1", wrong)
		}
		c.advance(3 * time.Minute)
		if err := redeem("192.0.2.1", code); !errors.As(err, &locked) || locked.Wait <= 0 {
			t.Fatalf("the fifth failure should still hold the source: %v", err)
		}
		// The same wrong code from many sources is locked for everyone.
		for i := range 3 {
			_ = redeem("203.0.113."+string(rune('1'+i)), wrong)
		}
		if err := redeem("203.0.113.9", wrong); !errors.As(err, &locked) {
			t.Fatalf("a code tried from many sources: %v; want TooManyAttempts", err)
		}
		if !strings.Contains(e.logs.String(), "access code guessing alarm") {
			t.Fatal("no alarm in the log after many failures")
		}
		if strings.Contains(e.logs.String(), strings.ReplaceAll(code, "-", "")) || strings.Contains(e.logs.String(), code) {
			t.Fatal("the log contains an access code")
		}
		if dump := e.dumpDatabase(); strings.Contains(dump, strings.ReplaceAll(code, "-", "")) {
			t.Fatal("the database contains the access code")
		}
		if a, err := e.store.Account(t.Context(), e.org.ID, lin.ID); err != nil || a.State != directory.StateInvited {
			t.Fatalf("the account changed: %v", err)
		}
	})
}
