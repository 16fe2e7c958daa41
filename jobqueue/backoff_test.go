package jobqueue

import (
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// TestBackoffDelays: n⁴ Units, capped at Max; the zero value is 1s and
// 15 minutes.
func TestBackoffDelays(t *testing.T) {
	for _, tc := range []struct {
		policy Backoff
		n      int
		want   time.Duration
	}{
		{Backoff{}, 0, time.Second},
		{Backoff{}, 1, time.Second},
		{Backoff{}, 2, 16 * time.Second},
		{Backoff{}, 3, 81 * time.Second},
		{Backoff{}, 4, 256 * time.Second},
		{Backoff{}, 5, 625 * time.Second},
		{Backoff{}, 6, 15 * time.Minute}, // 1296s, capped
		{Backoff{}, 39, 15 * time.Minute},
		{Backoff{}, 1 << 20, 15 * time.Minute}, // n⁴ Units would overflow
		{Backoff{Unit: 10 * time.Millisecond, Max: time.Second}, 2, 160 * time.Millisecond},
		{Backoff{Unit: 10 * time.Millisecond, Max: time.Second}, 4, time.Second},
	} {
		if got := tc.policy.Delay(tc.n); got != tc.want {
			t.Errorf("%+v.Delay(%d) = %s; want %s", tc.policy, tc.n, got, tc.want)
		}
	}
}

// TestBackoffNextRetry: the n-th failure is the job's n-1 recorded errors
// plus this one; the delay is within a tenth of Delay(n).
func TestBackoffNextRetry(t *testing.T) {
	for errors := range 8 {
		job := &rivertype.JobRow{Errors: make([]rivertype.AttemptError, errors)}
		want := Backoff{}.Delay(errors + 1)
		for range 20 {
			before := time.Now()
			got := Backoff{}.NextRetry(job).Sub(before)
			if got < want*9/10-time.Millisecond || got > want*11/10+time.Millisecond {
				t.Fatalf("after %d errors: retry in %s; want %s ± 10%%", errors, got, want)
			}
		}
	}
}

// TestDefaultRetrySchedule: without Options a queue retries with Backoff
// for DefaultMaxAttempts tries, spanning a night; an hour's outage is over
// for every job within Max of its end.
func TestDefaultRetrySchedule(t *testing.T) {
	cfg, err := riverConfig(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.RetryPolicy.(Backoff); !ok || cfg.MaxAttempts != DefaultMaxAttempts {
		t.Fatalf("default policy %T, %d attempts; want Backoff, %d", cfg.RetryPolicy, cfg.MaxAttempts, DefaultMaxAttempts)
	}
	var span, longestGap time.Duration
	for n := 1; n < DefaultMaxAttempts; n++ { // a failure before every try but the first
		d := Backoff{}.Delay(n)
		span += d
		longestGap = max(longestGap, d)
	}
	if span < 8*time.Hour || span > 9*time.Hour || longestGap > 15*time.Minute {
		t.Fatalf("tries span %s with gaps up to %s; want 8h to 9h, gaps at most 15m", span, longestGap)
	}
}
