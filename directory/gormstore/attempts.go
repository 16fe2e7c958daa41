package gormstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/latchkeyhq/latchkey/directory"
)

type attemptRow struct {
	Key           string    `gorm:"column:key;primaryKey"`
	Failures      int       `gorm:"column:failures"`
	FirstFailedAt time.Time `gorm:"column:first_failed_at"`
	LastFailedAt  time.Time `gorm:"column:last_failed_at"`
}

func (attemptRow) TableName() string { return "claim_attempts" }

func (r attemptRow) toDomain() directory.Attempts {
	return directory.Attempts{Failures: r.Failures, FirstFailedAt: r.FirstFailedAt.UTC(), LastFailedAt: r.LastFailedAt.UTC()}
}

// RecordFailure implements directory.AttemptStore. The row is locked for
// the read-modify-write (PostgreSQL), or the single SQLite connection
// serialises it, so concurrent failures all count.
func (s *Store) RecordFailure(ctx context.Context, key string, at time.Time, window time.Duration) (directory.Attempts, error) {
	at = at.UTC().Truncate(time.Microsecond)
	var out attemptRow
	err := s.ctx(ctx).Transaction(func(tx *gorm.DB) error {
		// Insert-or-nothing first, so concurrent first failures meet on
		// one row instead of one of them failing on the primary key.
		fresh := attemptRow{Key: key, Failures: 0, FirstFailedAt: at, LastFailedAt: at}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&fresh).Error; err != nil {
			return err
		}
		q := tx
		if s.dialect == Postgres {
			q = tx.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var row attemptRow
		if err := first(q.Where("key = ?", key), &row); err != nil {
			return err
		}
		out = row
		if at.Sub(row.FirstFailedAt) > window {
			out.Failures, out.FirstFailedAt = 0, at
		}
		out.Failures++
		out.LastFailedAt = at
		return tx.Model(&attemptRow{}).Where("key = ?", key).Updates(map[string]any{
			"failures": out.Failures, "first_failed_at": out.FirstFailedAt, "last_failed_at": out.LastFailedAt,
		}).Error
	})
	if err != nil {
		return directory.Attempts{}, fmt.Errorf("gormstore: record failure: %w", translate(err))
	}
	return out.toDomain(), nil
}

// AttemptsOf implements directory.AttemptStore.
func (s *Store) AttemptsOf(ctx context.Context, key string) (directory.Attempts, error) {
	var row attemptRow
	err := first(s.ctx(ctx).Where("key = ?", key), &row)
	if errors.Is(err, directory.ErrNotFound) {
		return directory.Attempts{}, nil
	}
	if err != nil {
		return directory.Attempts{}, fmt.Errorf("gormstore: attempts: %w", err)
	}
	return row.toDomain(), nil
}

// ClearFailures implements directory.AttemptStore.
func (s *Store) ClearFailures(ctx context.Context, key string) error {
	if err := s.ctx(ctx).Where("key = ?", key).Delete(&attemptRow{}).Error; err != nil {
		return fmt.Errorf("gormstore: clear failures: %w", translate(err))
	}
	return nil
}

// RecentFailures implements directory.AttemptStore.
func (s *Store) RecentFailures(ctx context.Context, since time.Time) (int64, error) {
	var sum *int64
	err := s.ctx(ctx).Model(&attemptRow{}).Where("last_failed_at > ?", since.UTC()).Select("SUM(failures)").Scan(&sum).Error
	if err != nil {
		return 0, fmt.Errorf("gormstore: recent failures: %w", translate(err))
	}
	if sum == nil {
		return 0, nil
	}
	return *sum, nil
}
