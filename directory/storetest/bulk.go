package storetest

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func testBulkActions(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	admin := bulkAdmin(t, s, org.ID)

	b := directory.BulkAction{OrgID: org.ID, AdminID: admin.ID, Action: "invite", Status: directory.JobQueued,
		Params: json.RawMessage(`{"status":"not_invited","department":"Sales"}`), Total: 3}
	noErr(t, "CreateBulkAction", s.CreateBulkAction(ctx(t), &b))
	if b.ID == "" || b.CreatedAt.IsZero() || b.Cursor != "" || b.StartedAt != nil {
		t.Fatalf("created bulk action = %+v", b)
	}
	sameJSON(t, "options of a bulk action created without", b.Options, []byte(`{}`))
	sameJSON(t, "errors of a new bulk action", b.Errors, []byte(`[]`))

	got, err := s.BulkAction(ctx(t), org.ID, b.ID)
	noErr(t, "BulkAction", err)
	sameJSON(t, "params", got.Params, b.Params)
	if got.Action != "invite" || got.Status != directory.JobQueued || got.Total != 3 || got.AdminID != admin.ID || !got.CreatedAt.Equal(b.CreatedAt) {
		t.Fatalf("read back = %+v; want %+v", got, b)
	}

	started, finished := at(2, 1), at(2, 2)
	got.Status, got.StartedAt, got.FinishedAt = directory.JobSucceeded, &started, &finished
	got.Done, got.Changed, got.Skipped, got.Failed, got.Cursor = 3, 1, 1, 1, "0190-last"
	got.Errors = json.RawMessage(`[{"account_id":"x","reason":"no email"}]`)
	noErr(t, "UpdateBulkAction", s.UpdateBulkAction(ctx(t), &got))
	again, err := s.BulkAction(ctx(t), org.ID, b.ID)
	noErr(t, "BulkAction after update", err)
	if again.Status != directory.JobSucceeded || again.Done != 3 || again.Changed != 1 || again.Skipped != 1 ||
		again.Failed != 1 || again.Cursor != "0190-last" {
		t.Fatalf("after update = %+v", again)
	}
	sameTime(t, "started", again.StartedAt, &started)
	sameTime(t, "finished", again.FinishedAt, &finished)
	sameJSON(t, "errors", again.Errors, got.Errors)
	sameJSON(t, "params are not rewritten", again.Params, b.Params)

	for _, bad := range []struct {
		what   string
		change func(*directory.BulkAction)
	}{
		{"no action", func(b *directory.BulkAction) { b.Action = "" }},
		{"no admin", func(b *directory.BulkAction) { b.AdminID = "" }},
		{"an export's status", func(b *directory.BulkAction) { b.Status = directory.JobExpired }},
		{"params that are not JSON", func(b *directory.BulkAction) { b.Params = json.RawMessage(`{`) }},
		{"a negative count", func(b *directory.BulkAction) { b.Done = -1 }},
	} {
		x := b
		x.ID = ""
		bad.change(&x)
		wantErr(t, "create with "+bad.what, s.CreateBulkAction(ctx(t), &x), directory.ErrInvalid)
		y := again
		bad.change(&y)
		wantErr(t, "update with "+bad.what, s.UpdateBulkAction(ctx(t), &y), directory.ErrInvalid)
	}
	stranger := directory.BulkAction{OrgID: org.ID, AdminID: "no-such-admin", Action: "invite", Status: directory.JobQueued}
	wantErr(t, "create for an admin the org lacks", s.CreateBulkAction(ctx(t), &stranger), directory.ErrNotFound)

	_, err = s.BulkAction(ctx(t), other.ID, b.ID)
	wantErr(t, "another org's bulk action", err, directory.ErrNotFound)
	_, err = s.BulkActionForUpdate(ctx(t), other.ID, b.ID)
	wantErr(t, "another org's bulk action for update", err, directory.ErrNotFound)
	elsewhere := again
	elsewhere.OrgID = other.ID
	wantErr(t, "update in another org", s.UpdateBulkAction(ctx(t), &elsewhere), directory.ErrNotFound)

	second := directory.BulkAction{OrgID: org.ID, AdminID: admin.ID, Action: "remind", Status: directory.JobQueued}
	noErr(t, "CreateBulkAction second", s.CreateBulkAction(ctx(t), &second))
	list, err := s.ListBulkActions(ctx(t), org.ID, 10)
	noErr(t, "ListBulkActions", err)
	if len(list) != 2 || list[0].ID != second.ID || list[1].ID != b.ID {
		t.Fatalf("list = %+v; want the remind, then the invite", list)
	}
	if list, _ := s.ListBulkActions(ctx(t), org.ID, 1); len(list) != 1 || list[0].ID != second.ID {
		t.Fatalf("list with limit 1 = %+v", list)
	}
	if list, _ := s.ListBulkActions(ctx(t), other.ID, 10); len(list) != 0 {
		t.Fatalf("other org's list = %+v", list)
	}

	testBulkActionTurns(t, s, second)
}

// testBulkActionTurns: runs of one bulk action that each read, under
// BulkActionForUpdate, the counts and cursor the previous left and move
// them on lose nothing.
func testBulkActionTurns(t *testing.T, s directory.Store, b directory.BulkAction) {
	const runs = 6
	var wg sync.WaitGroup
	errs := make(chan error, runs)
	for range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.InTx(ctx(t), func(tx directory.Store) error {
				cur, err := tx.BulkActionForUpdate(ctx(t), b.OrgID, b.ID)
				if err != nil {
					return err
				}
				cur.Done++
				cur.Cursor += "x"
				return tx.UpdateBulkAction(ctx(t), &cur)
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		noErr(t, "locked read-modify-write of a bulk action", err)
	}
	got, err := s.BulkAction(ctx(t), b.OrgID, b.ID)
	noErr(t, "BulkAction", err)
	if got.Done != runs || len(got.Cursor) != runs {
		t.Fatalf("after %d locked runs: done %d, cursor %q", runs, got.Done, got.Cursor)
	}
	_, err = s.BulkActionForUpdate(ctx(t), b.OrgID, "00000000-0000-0000-0000-000000000000")
	wantErr(t, "BulkActionForUpdate of a missing one", err, directory.ErrNotFound)
}

func bulkAdmin(t *testing.T, s directory.Store, orgID string) directory.Admin {
	t.Helper()
	a := directory.Admin{OrgID: orgID, Email: "bulk@acme.com", Role: directory.RoleAccountManager}
	noErr(t, "CreateAdmin", s.CreateAdmin(ctx(t), &a))
	return a
}
