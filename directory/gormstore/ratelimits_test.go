package gormstore

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/storetest"
	"github.com/latchkeyhq/latchkey/internal/testdb"
	"github.com/latchkeyhq/latchkey/migrations"
)

// TestRateLimitConformance runs the rate-limit suite on both backends,
// with every replica a Store of its own (its own pool) on one database:
// one PostgreSQL schema, or one SQLite file.
func TestRateLimitConformance(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			storetest.RunRateLimits(t, func(t *testing.T, n int) []directory.RateLimitStore {
				url := b.url(t)
				out := []directory.RateLimitStore{openMigrated(t, b.dialect, url)}
				for len(out) < n {
					out = append(out, openEmpty(t, b.dialect, url))
				}
				return out
			})
		})
	}
}

// TestMemoryRatesConformance holds the in-memory limiter a single SQLite
// server uses to the same answers (its "replicas" are one limiter shared
// by goroutines, as handlers in one process share it).
func TestMemoryRatesConformance(t *testing.T) {
	storetest.RunRateLimits(t, func(t *testing.T, n int) []directory.RateLimitStore {
		m := directory.NewMemoryRates()
		out := make([]directory.RateLimitStore, n)
		for i := range out {
			out[i] = m
		}
		return out
	})
}

// TestPurgeRates: only rows whose TAT has passed are deleted, and a key
// whose row went answers as before.
func TestPurgeRates(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s := openMigrated(t, b.dialect, b.url(t))
			l := directory.RateLimit{PerSecond: 1, Burst: 2}
			t0 := time.Date(2026, time.March, 1, 9, 0, 0, 0, time.UTC)
			for i := range 5 {
				if _, err := s.TakeRate(t.Context(), fmt.Sprintf("idle:%d", i), l, 1, t0); err != nil {
					t.Fatal(err)
				}
			}
			busy := t0.Add(time.Hour)
			for range 2 {
				if _, err := s.TakeRate(t.Context(), "busy", l, 1, busy); err != nil {
					t.Fatal(err)
				}
			}
			n, err := s.purgeRates(t.Context(), busy)
			if err != nil || n != 5 {
				t.Fatalf("purgeRates = %d, %v; want the 5 idle rows", n, err)
			}
			d, err := s.TakeRate(t.Context(), "busy", l, 1, busy)
			if err != nil || d.Allowed || d.RetryAfter != time.Second {
				t.Fatalf("busy key after the purge: %+v, %v; want refused for 1s", d, err)
			}
			d, err = s.TakeRate(t.Context(), "idle:0", l, 1, busy)
			if err != nil || !d.Allowed {
				t.Fatalf("purged key: %+v, %v; want allowed", d, err)
			}
		})
	}
}

// BenchmarkTakeRate is one limiter decision on PostgreSQL (the check
// every SCIM, admin and token request pays on a replicated deployment):
// one statement, one round trip. "serial" is one caller; "parallel" is
// GOMAXPROCS callers on one key, queueing on its row as a busy token's
// requests do. "roundtrip" is SELECT 1 on the same pool, the floor any
// statement pays, to read the others against.
func BenchmarkTakeRate(b *testing.B) {
	s, err := Open(b.Context(), Options{URL: testdb.PostgresURL(b, os.Getenv), Dialect: Postgres})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	if _, err := migrations.Up(b.Context(), s.DB(), migrations.Postgres); err != nil {
		b.Fatal(err)
	}
	l := directory.RateLimit{PerSecond: 1e6, Burst: 1e6} // every request admitted: each one writes
	b.Run("roundtrip", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.DB().ExecContext(b.Context(), "SELECT 1"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.TakeRate(b.Context(), "bench:serial", l, 1, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.TakeRate(b.Context(), "bench:parallel", l, 1, time.Now()); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
