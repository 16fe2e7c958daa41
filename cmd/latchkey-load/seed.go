package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
)

// Seeding goes through the real store (gormstore.CreateAccount in batched
// transactions) so the rows are exactly what the server writes. On
// PostgreSQL that path does four statements per user (savepoint, account,
// email, release) and manages about 420 users/s on this 2-core machine, so
// a million would take 40 minutes; the "copy" mode streams the same rows
// (built by the same seedAccount, with the column rules of gormstore's
// fromAccount) with COPY instead, many times faster.

type seedOptions struct {
	databaseURL     string
	org             string
	users, groups   int
	membersPerGroup int
	workers, batch  int
	mode            string // auto, store or copy
	// department puts every user in one department (the invite
	// benchmark's rule matches it); "" spreads them over 50.
	department string
}

type seedResult struct {
	Mode          string
	Users         int
	Groups        int
	Members       int
	Elapsed       time.Duration // users only
	GroupsElapsed time.Duration
	Vacuum        time.Duration
}

func (r seedResult) rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Users) / r.Elapsed.Seconds()
}

func (o *seedOptions) validate() error {
	switch {
	case o.users < 1 || o.users > 10_000_000:
		return usagef("--users must be between 1 and 10,000,000")
	case o.groups < 0 || o.groups > 1000:
		return usagef("--groups must be between 0 and 1,000")
	case o.membersPerGroup < 0 || o.membersPerGroup > 100_000:
		return usagef("--members-per-group must be between 0 and 100,000")
	case o.batch < 0 || o.batch > 10_000:
		return usagef("--batch must be between 1 and 10,000 (0: the mode's default)")
	case o.workers < 1 || o.workers > 32:
		return usagef("--workers must be between 1 and 32")
	case o.org == "":
		return usagef("--org must not be empty")
	}
	switch o.mode {
	case "auto":
		o.mode = "store"
		if isPostgresURL(o.databaseURL) {
			o.mode = "copy"
		}
	case "store":
	case "copy":
		if !isPostgresURL(o.databaseURL) {
			return usagef("--mode copy needs PostgreSQL; SQLite seeds through the store")
		}
	default:
		return usagef("--mode must be auto, store or copy")
	}
	if !isPostgresURL(o.databaseURL) {
		o.workers = 1 // the store keeps one SQLite connection; more workers only queue
	}
	if o.batch == 0 {
		o.batch = defaultBatch(o.mode)
	}
	if err := checkDatabaseTarget(o.databaseURL); err != nil {
		return &usageError{msg: err.Error()}
	}
	return nil
}

// defaultBatch is the users per transaction. The store path runs each
// CreateAccount under a savepoint; past 64 subtransactions a PostgreSQL
// transaction's subxid cache overflows and every other backend's
// visibility checks fall back to pg_subtrans (SubtransSLRU waits): 1,000
// per transaction on 3 workers ran at 110 users/s instead of 420. COPY
// has no savepoints.
func defaultBatch(mode string) int {
	if mode == "copy" {
		return 1000
	}
	return 50
}

func runSeed(ctx context.Context, env *cli, args []string) error {
	fs := newFlagSet(env, "seed", "seed --database-url URL --users N [--groups M] [flags]")
	o := seedOptions{}
	fs.StringVar(&o.databaseURL, "database-url", "", "postgres://... on this machine, or a SQLite file path (migrated first with `latchkey migrate`)")
	fs.IntVar(&o.users, "users", 0, "how many users to create (user%07d@load.example, ext-%07d)")
	fs.IntVar(&o.groups, "groups", 10, "how many groups (load-group-%03d)")
	fs.IntVar(&o.membersPerGroup, "members-per-group", 1000, "members of each group")
	fs.StringVar(&o.org, "org", "default", "organization slug")
	fs.IntVar(&o.workers, "workers", 3, "parallel writers (PostgreSQL; SQLite always uses one)")
	fs.IntVar(&o.batch, "batch", 0, "users per transaction (default 50 through the store, 1,000 with COPY)")
	fs.StringVar(&o.mode, "mode", "auto", "store (through gormstore), copy (PostgreSQL COPY) or auto (copy on PostgreSQL)")
	fs.StringVar(&o.department, "department", "", "put every user in this department (default: Department 00 to Department 49)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := o.validate(); err != nil {
		return err
	}
	res, err := seed(ctx, env, o)
	if err != nil {
		return err
	}
	printSeedResult(env, res)
	return nil
}

func printSeedResult(env *cli, r seedResult) {
	fmt.Fprintf(env.stdout, "Seeded %s users in %s (%s/s, %s mode), %d groups with %s memberships in %s",
		thousands(int64(r.Users)), r.Elapsed.Round(time.Millisecond), thousands(int64(r.rate())), r.Mode,
		r.Groups, thousands(int64(r.Members)), r.GroupsElapsed.Round(time.Millisecond))
	if r.Vacuum > 0 {
		fmt.Fprintf(env.stdout, "; VACUUM ANALYZE %s", r.Vacuum.Round(time.Millisecond))
	}
	fmt.Fprintln(env.stdout, ".")
}

func openSeedStore(ctx context.Context, o seedOptions) (*gormstore.Store, error) {
	return gormstore.Open(ctx, gormstore.Options{URL: o.databaseURL, Dialect: dialectOf(o.databaseURL), MaxOpenConns: o.workers + 2})
}

// seed fills an empty organization. It refuses one that already has users:
// seeded names would collide, and a half-seeded database measures nothing.
func seed(ctx context.Context, env *cli, o seedOptions) (seedResult, error) {
	store, err := openSeedStore(ctx, o)
	if err != nil {
		return seedResult{}, err
	}
	defer store.Close()
	org, err := store.OrganizationBySlug(ctx, o.org)
	if errors.Is(err, directory.ErrNotFound) {
		return seedResult{}, fmt.Errorf("no organization %q; run `latchkey migrate` first (it creates \"default\")", o.org)
	}
	if err != nil {
		return seedResult{}, err
	}
	if n, err := store.CountAccounts(ctx, org.ID); err != nil || n > 0 {
		if err != nil {
			return seedResult{}, err
		}
		return seedResult{}, fmt.Errorf("organization %q already has %s users; seed a fresh database", o.org, thousands(n))
	}

	res := seedResult{Mode: o.mode, Users: o.users}
	memberIDs := make([]string, min(o.users, o.groups*o.membersPerGroup))
	write := storeWriter(store, org.ID, o.department, memberIDs)
	if o.mode == "copy" {
		cw, err := newCopyWriter(ctx, o.databaseURL, o.workers, org.ID, o.department, memberIDs)
		if err != nil {
			return res, err
		}
		defer cw.close()
		write = cw.write
	}
	start := time.Now()
	bar := startProgress(env.stderr, "seed users", int64(o.users))
	err = inBatches(ctx, o.users, o.batch, o.workers, func(ctx context.Context, from, to int) error {
		if err := write(ctx, from, to); err != nil {
			return err
		}
		bar.add(int64(to - from))
		return nil
	})
	bar.finish()
	res.Elapsed = time.Since(start)
	if err != nil {
		return res, err
	}

	start = time.Now()
	if res.Groups, res.Members, err = seedGroups(ctx, store, org.ID, o.groups, min(o.membersPerGroup, o.users), memberIDs); err != nil {
		return res, err
	}
	res.GroupsElapsed = time.Since(start)
	if store.Dialect() == gormstore.Postgres {
		// A long-lived table has been vacuumed and analyzed by autovacuum;
		// doing it now makes plans and index-only counts deterministic
		// instead of depending on when autovacuum wakes up mid-benchmark.
		start = time.Now()
		if _, err := store.DB().ExecContext(ctx, "VACUUM (ANALYZE) accounts, account_emails, groups, group_members"); err != nil {
			return res, fmt.Errorf("vacuum: %w", err)
		}
		res.Vacuum = time.Since(start)
	}
	return res, nil
}

// storeWriter writes users [from, to) through the real store in one
// transaction, remembering the ids that groups will need.
func storeWriter(store *gormstore.Store, orgID, department string, memberIDs []string) func(ctx context.Context, from, to int) error {
	return func(ctx context.Context, from, to int) error {
		return store.InTx(ctx, func(tx directory.Store) error {
			for i := from; i < to; i++ {
				a := seedAccountIn(orgID, i, department)
				if err := tx.CreateAccount(ctx, &a); err != nil {
					return fmt.Errorf("user %d: %w", i, err)
				}
				if i < len(memberIDs) {
					memberIDs[i] = a.ID // distinct index per user: no lock needed
				}
			}
			return nil
		})
	}
}

// inBatches runs fn over [0, n) in batches on a few workers and stops at
// the first error.
func inBatches(ctx context.Context, n, batch, workers int, fn func(ctx context.Context, from, to int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	starts := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for from := range starts {
				if err := fn(ctx, from, min(from+batch, n)); err != nil {
					cancel(err)
					return
				}
			}
		}()
	}
	func() {
		defer close(starts)
		for from := 0; from < n; from += batch {
			select {
			case starts <- from:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	return context.Cause(ctx)
}

// seedGroups creates the groups and gives group g the members
// g*per, g*per+1, ... (wrapping around the users that have ids).
func seedGroups(ctx context.Context, store *gormstore.Store, orgID string, groups, per int, ids []string) (int, int, error) {
	members := 0
	for g := range groups {
		grp := seedGroup(orgID, g)
		list := make([]directory.Member, 0, per)
		for k := range per {
			if len(ids) > 0 {
				list = append(list, directory.Member{ID: ids[(g*per+k)%len(ids)], Type: directory.MemberUser})
			}
		}
		err := store.InTx(ctx, func(tx directory.Store) error {
			if err := tx.CreateGroup(ctx, &grp); err != nil {
				return err
			}
			n, err := tx.AddMembers(ctx, orgID, grp.ID, list)
			members += n
			return err
		})
		if err != nil {
			return g, members, fmt.Errorf("group %s: %w", grp.DisplayName, err)
		}
	}
	return groups, members, nil
}
