package storetest

import (
	"strings"
	"sync"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

// testForUpdate: read-modify-write cycles that load with AccountForUpdate
// or GroupForUpdate inside InTx all succeed and none is lost.
func testForUpdate(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	a := mustAccount(t, s, org.ID, "counter")
	g := mustGroup(t, s, org.ID, "Counter")
	const writers = 6
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers)
	for range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			errs <- s.InTx(ctx(t), func(tx directory.Store) error {
				cur, err := tx.AccountForUpdate(ctx(t), org.ID, a.ID)
				if err != nil {
					return err
				}
				cur.Title += "x"
				return tx.UpdateAccount(ctx(t), &cur)
			})
		}()
		go func() {
			defer wg.Done()
			errs <- s.InTx(ctx(t), func(tx directory.Store) error {
				cur, err := tx.GroupForUpdate(ctx(t), org.ID, g.ID)
				if err != nil {
					return err
				}
				cur.DisplayName += "x"
				return tx.UpdateGroup(ctx(t), &cur)
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		noErr(t, "locked read-modify-write", err)
	}
	got, err := s.Account(ctx(t), org.ID, a.ID)
	noErr(t, "Account", err)
	if got.Title != strings.Repeat("x", writers) || got.Version != 1+writers {
		t.Fatalf("after %d locked updates: title %q version %d; want %d x and version %d", writers, got.Title, got.Version, writers, 1+writers)
	}
	gotG, err := s.Group(ctx(t), org.ID, g.ID)
	noErr(t, "Group", err)
	if gotG.DisplayName != "Counter"+strings.Repeat("x", writers) {
		t.Fatalf("after %d locked group updates: %q", writers, gotG.DisplayName)
	}

	_, err = s.AccountForUpdate(ctx(t), org.ID, "00000000-0000-0000-0000-000000000000")
	wantErr(t, "AccountForUpdate of a missing account", err, directory.ErrNotFound)
	_, err = s.GroupForUpdate(ctx(t), org.ID, "00000000-0000-0000-0000-000000000000")
	wantErr(t, "GroupForUpdate of a missing group", err, directory.ErrNotFound)
	other := mustOrg(t, s, "other")
	_, err = s.AccountForUpdate(ctx(t), other.ID, a.ID)
	wantErr(t, "AccountForUpdate across organizations", err, directory.ErrNotFound)
}
