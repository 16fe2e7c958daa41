package jobqueue

import (
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// Backoff is the queue's retry policy: after its n-th failure a job waits
// n⁴ Units, at most Max, give or take a tenth at random so jobs that
// failed together do not all come back in the same instant. The zero
// value is the default: Unit 1s, Max 15 minutes.
//
// The default (with DefaultMaxAttempts) was chosen for
// invitation emails during an SMTP outage. River's own policy, n⁴ seconds
// without a cap, leaves ever longer gaps (38 minutes, then 78, then 146):
// an invitation held back by an hour's outage could wait another 40
// minutes after the mail server returned, and ten tries gave up after
// about 4 hours. Capped at 15 minutes, a job is tried at least every
// quarter hour once the first tries (1s, 16s, 81s, 4m16s, 10m25s) are
// spent, and 40 tries span about 8¾ hours: a night's outage loses nothing,
// and an hour's is over for every recipient within 15 minutes of the
// server coming back.
type Backoff struct {
	// Unit scales the curve: the first retry comes after one Unit
	// (default 1s).
	Unit time.Duration
	// Max caps the wait between two tries (default 15 minutes).
	Max time.Duration
}

// DefaultMaxAttempts is how often a job is tried when Options.MaxAttempts
// is unset; with the default Backoff the last try comes about 8¾ hours
// after the first.
const DefaultMaxAttempts = 40

// jitter is the largest fraction of a delay added or removed at random.
const jitter = 0.1

// Delay is the wait after the n-th failure (n ≥ 1), before jitter.
func (b Backoff) Delay(n int) time.Duration {
	unit, limit := orDefault(b.Unit, time.Second), orDefault(b.Max, 15*time.Minute)
	n = max(n, 1)
	// In float64: n⁴ Units overflows a Duration for large n.
	d := float64(n) * float64(n) * float64(n) * float64(n) * float64(unit)
	if d >= float64(limit) {
		return limit
	}
	return time.Duration(d)
}

// NextRetry implements river.ClientRetryPolicy. Like River's policy it
// counts failures by the job's recorded errors, which a snooze does not
// add to.
func (b Backoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := float64(b.Delay(len(job.Errors) + 1))
	d *= 1 - jitter + 2*jitter*rand.Float64()
	return time.Now().UTC().Add(time.Duration(d))
}
