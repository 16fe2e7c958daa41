package gormstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

var _ directory.RateLimitStore = (*Store)(nil)

// takeRatePostgres is one GCRA decision (directory.RateLimitStore) as one
// statement. A new key is admitted (its cost never exceeds the burst); an
// existing one is locked by ON CONFLICT, so concurrent decisions from
// every replica queue on the row and each sees the last one's TAT. A
// refused request keeps the TAT; admitted records the outcome because
// RETURNING cannot see the old row (before PostgreSQL 18). Times are
// microseconds since the Unix epoch. $1 key, $2 now, $3 cost·interval,
// $4 burst·interval; the casts type them for PostgreSQL, which cannot
// infer the type of $2 + $3.
const takeRatePostgres = `INSERT INTO rate_limits (key, tat, admitted) VALUES ($1, CAST($2 AS BIGINT) + CAST($3 AS BIGINT), TRUE)
ON CONFLICT (key) DO UPDATE SET
  tat = CASE WHEN GREATEST(rate_limits.tat, $2) + $3 <= $2 + CAST($4 AS BIGINT)
        THEN GREATEST(rate_limits.tat, $2) + $3 ELSE rate_limits.tat END,
  admitted = GREATEST(rate_limits.tat, $2) + $3 <= $2 + $4
RETURNING tat, admitted`

// takeRateSQLite is the same statement: SQLite's two-argument MAX is
// GREATEST, and ?N is a numbered parameter like $N. One statement is
// atomic there too, also between processes sharing the file.
var takeRateSQLite = strings.NewReplacer("GREATEST(", "MAX(", "$", "?").Replace(takeRatePostgres)

// Forgetting rows: a row whose TAT has passed answers exactly like no row
// (max(TAT, now) = now), so deleting it changes nothing. The margin
// covers replicas whose clocks run behind this one's. About one decision
// in purgeOneIn deletes the passed rows, so the table holds at most
// about purgeOneIn rows beyond the keys in use, with no timer, no state
// and no replica coordinating with another. There is no index on tat:
// one would make every decision an index write too (no HOT update), and
// the occasional scan covers only the keys of the last few minutes.
const (
	purgeOneIn  = 1000
	purgeMargin = time.Minute
)

// TakeRate implements directory.RateLimitStore. It always runs on the
// pool, outside the caller's transaction (if any): a decision stands
// whether or not the request's own work commits.
func (s *Store) TakeRate(ctx context.Context, key string, limit directory.RateLimit, cost int, now time.Time) (directory.RateDecision, error) {
	if err := directory.CheckRate(key, limit); err != nil {
		return directory.RateDecision{}, err
	}
	interval := limit.Interval().Microseconds()
	nowMicros := now.UnixMicro()
	query := takeRatePostgres
	if s.dialect == SQLite {
		query = takeRateSQLite
	}
	var tat int64
	var admitted bool
	err := s.sqlDB.QueryRowContext(ctx, query, key, nowMicros, int64(limit.Cost(cost))*interval,
		int64(limit.Burst)*interval).Scan(&tat, &admitted)
	if err != nil {
		return directory.RateDecision{}, fmt.Errorf("gormstore: take rate: %w", translate(err))
	}
	if rand.IntN(purgeOneIn) == 0 {
		// Best effort: a failure leaves rows that the next purge takes.
		_, _ = s.purgeRates(ctx, now.Add(-purgeMargin))
	}
	if admitted {
		return directory.RateDecision{Allowed: true}, nil
	}
	// Refused, so the kept TAT is after now and the wait is positive.
	wait := tat + int64(limit.Cost(cost))*interval - int64(limit.Burst)*interval - nowMicros
	return directory.RateDecision{RetryAfter: time.Duration(wait) * time.Microsecond}, nil
}

// purgeRates deletes the rows whose TAT is before before.
func (s *Store) purgeRates(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.sqlDB.ExecContext(ctx, s.rebind("DELETE FROM rate_limits WHERE tat < $1"), before.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("gormstore: purge rate limits: %w", translate(err))
	}
	return res.RowsAffected()
}

// rebind turns $N parameters into SQLite's ?N.
func (s *Store) rebind(query string) string {
	if s.dialect == SQLite {
		return strings.ReplaceAll(query, "$", "?")
	}
	return query
}
