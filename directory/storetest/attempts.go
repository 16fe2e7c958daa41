package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

func testAttempts(t *testing.T, s directory.Store) {
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	got, err := s.AttemptsOf(ctx(t), "source:192.0.2.1")
	noErr(t, "AttemptsOf before any failure", err)
	if got.Failures != 0 {
		t.Fatalf("failures before any = %d", got.Failures)
	}
	for i := range 3 {
		got, err = s.RecordFailure(ctx(t), "source:192.0.2.1", t0.Add(time.Duration(i)*time.Minute), time.Hour)
		noErr(t, "RecordFailure", err)
	}
	if got.Failures != 3 || !got.FirstFailedAt.Equal(t0) || !got.LastFailedAt.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("after 3 failures: %+v", got)
	}
	got, err = s.RecordFailure(ctx(t), "source:192.0.2.1", t0.Add(2*time.Hour), time.Hour)
	noErr(t, "RecordFailure after the window", err)
	if got.Failures != 1 {
		t.Fatalf("a failure after the window counts %d; want 1 (a new window)", got.Failures)
	}
	_, err = s.RecordFailure(ctx(t), "code:abc", t0.Add(2*time.Hour), time.Hour)
	noErr(t, "RecordFailure of another key", err)
	sum, err := s.RecentFailures(ctx(t), t0.Add(time.Hour))
	noErr(t, "RecentFailures", err)
	if sum != 2 {
		t.Fatalf("recent failures = %d; want 2", sum)
	}
	noErr(t, "ClearFailures", s.ClearFailures(ctx(t), "source:192.0.2.1"))
	if got, _ := s.AttemptsOf(ctx(t), "source:192.0.2.1"); got.Failures != 0 {
		t.Fatalf("failures after clearing = %d", got.Failures)
	}

	const n = 10
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := s.RecordFailure(ctx(t), "source:198.51.100.7", t0, time.Hour)
			noErr(t, "concurrent RecordFailure", err)
		})
	}
	wg.Wait()
	if got, _ := s.AttemptsOf(ctx(t), "source:198.51.100.7"); got.Failures != n {
		t.Fatalf("%d concurrent failures counted as %d", n, got.Failures)
	}
}
