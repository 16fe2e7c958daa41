package storetest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// exportAdmin creates an admin for exports to belong to.
func exportAdmin(t *testing.T, s directory.Store, orgID, email string) directory.Admin {
	t.Helper()
	a := directory.Admin{OrgID: orgID, Email: email, Role: directory.RoleAccountManager}
	noErr(t, "CreateAdmin "+email, s.CreateAdmin(ctx(t), &a))
	return a
}

func newExport(orgID, adminID string, expires time.Time) directory.Export {
	return directory.Export{OrgID: orgID, AdminID: adminID, Status: directory.JobQueued,
		Storage: directory.ExportInDatabase, ExpiresAt: expires}
}

// testExports: exports round-trip, are updated in place, listed newest
// first and never across organizations; invalid ones are refused; the
// file's parts are replaced, read back byte for byte and deleted; the
// clean-up finds expired exports of every organization.
func testExports(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	adm := exportAdmin(t, s, org.ID, "ada@acme.example")
	otherAdm := exportAdmin(t, s, other.ID, "bob@other.example")

	e := newExport(org.ID, adm.ID, at(5, 7))
	e.Params = json.RawMessage(`{"status":"invited","department":"Sales"}`)
	e.Options = json.RawMessage(`{"bom":true}`)
	noErr(t, "CreateExport", s.CreateExport(ctx(t), &e))
	if e.ID == "" || e.CreatedAt.IsZero() {
		t.Fatalf("CreateExport assigned id %q, created %v", e.ID, e.CreatedAt)
	}
	got, err := s.Export(ctx(t), org.ID, e.ID)
	noErr(t, "Export", err)
	sameJSON(t, "params", got.Params, e.Params)
	sameJSON(t, "options", got.Options, e.Options)
	got.Params, got.Options = e.Params, e.Options
	if !reflect.DeepEqual(got, e) {
		t.Fatalf("Export = %+v; want %+v", got, e)
	}
	_, err = s.Export(ctx(t), other.ID, e.ID)
	wantErr(t, "Export from another org", err, directory.ErrNotFound)

	plain := newExport(org.ID, adm.ID, at(6, 0))
	noErr(t, "CreateExport without params", s.CreateExport(ctx(t), &plain))
	sameJSON(t, "empty params", plain.Params, []byte(`{}`))

	checkExportValidation(t, s, org.ID, adm.ID, otherAdm.ID)
	checkExportUpdate(t, s, e, other.ID)
	checkExportList(t, s, org.ID, other.ID, otherAdm.ID, []string{plain.ID, e.ID})
	checkExportChunks(t, s, e, plain, other.ID)
	checkExpiredExports(t, s, org.ID, adm.ID, other.ID, otherAdm.ID)
}

func checkExportValidation(t *testing.T, s directory.Store, orgID, adminID, otherAdminID string) {
	t.Helper()
	for _, bad := range []struct {
		name   string
		change func(e *directory.Export)
		want   error
	}{
		{"no admin", func(e *directory.Export) { e.AdminID = "" }, directory.ErrInvalid},
		{"no expiry", func(e *directory.Export) { e.ExpiresAt = time.Time{} }, directory.ErrInvalid},
		{"unknown status", func(e *directory.Export) { e.Status = "paused" }, directory.ErrInvalid},
		{"unknown storage", func(e *directory.Export) { e.Storage = "s3" }, directory.ErrInvalid},
		{"params not JSON", func(e *directory.Export) { e.Params = json.RawMessage(`{"status":`) }, directory.ErrInvalid},
		{"negative rows", func(e *directory.Export) { e.RowsDone = -1 }, directory.ErrInvalid},
		{"error with NUL", func(e *directory.Export) { e.Error = "a\x00b" }, directory.ErrInvalid},
		{"admin of another org", func(e *directory.Export) { e.AdminID = otherAdminID }, directory.ErrNotFound},
	} {
		e := newExport(orgID, adminID, at(5, 0))
		bad.change(&e)
		wantErr(t, "CreateExport "+bad.name, s.CreateExport(ctx(t), &e), bad.want)
	}
}

func checkExportUpdate(t *testing.T, s directory.Store, e directory.Export, otherOrgID string) {
	t.Helper()
	started, finished := at(5, 8), at(5, 9)
	e.Status, e.RowsTotal, e.RowsDone, e.Size = directory.JobSucceeded, 1200, 1200, 345678
	e.Storage, e.Error, e.StartedAt, e.FinishedAt = directory.ExportInDirectory, "", &started, &finished
	noErr(t, "UpdateExport", s.UpdateExport(ctx(t), &e))
	got, err := s.Export(ctx(t), e.OrgID, e.ID)
	noErr(t, "Export after update", err)
	if got.Status != e.Status || got.RowsTotal != 1200 || got.RowsDone != 1200 || got.Size != 345678 ||
		got.Storage != directory.ExportInDirectory {
		t.Fatalf("updated export = %+v", got)
	}
	sameTime(t, "started", got.StartedAt, &started)
	sameTime(t, "finished", got.FinishedAt, &finished)
	sameJSON(t, "params after update", got.Params, e.Params)

	e.Status, e.Error, e.FinishedAt = directory.JobFailed, "the filter is invalid", nil
	noErr(t, "UpdateExport to failed", s.UpdateExport(ctx(t), &e))
	got, _ = s.Export(ctx(t), e.OrgID, e.ID)
	if got.Status != directory.JobFailed || got.Error != "the filter is invalid" || got.FinishedAt != nil {
		t.Fatalf("failed export = %+v", got)
	}

	missing := e
	missing.ID = "no-such-export"
	wantErr(t, "UpdateExport unknown", s.UpdateExport(ctx(t), &missing), directory.ErrNotFound)
	elsewhere := e
	elsewhere.OrgID = otherOrgID
	wantErr(t, "UpdateExport in another org", s.UpdateExport(ctx(t), &elsewhere), directory.ErrNotFound)
}

func checkExportList(t *testing.T, s directory.Store, orgID, otherOrgID, otherAdminID string, newestFirst []string) {
	t.Helper()
	theirs := newExport(otherOrgID, otherAdminID, at(5, 0))
	noErr(t, "CreateExport in other org", s.CreateExport(ctx(t), &theirs))
	list, err := s.ListExports(ctx(t), orgID, 10)
	noErr(t, "ListExports", err)
	var ids []string
	for _, e := range list {
		ids = append(ids, e.ID)
	}
	if !reflect.DeepEqual(ids, newestFirst) {
		t.Fatalf("ListExports = %v; want %v (newest first, this org only)", ids, newestFirst)
	}
	one, err := s.ListExports(ctx(t), orgID, 1)
	noErr(t, "ListExports limit 1", err)
	if len(one) != 1 || one[0].ID != newestFirst[0] {
		t.Fatalf("ListExports limit 1 = %+v", one)
	}
}

func checkExportChunks(t *testing.T, s directory.Store, e, second directory.Export, otherOrgID string) {
	t.Helper()
	big := bytes.Repeat([]byte("id,userName\r\n\x00\xff\xfe"), 1<<16) // ~1 MiB, not UTF-8
	parts := [][]byte{[]byte("\xef\xbb\xbfid,userName\r\n"), big, {}}
	for seq, p := range parts {
		noErr(t, "PutExportChunk", s.PutExportChunk(ctx(t), e.OrgID, e.ID, seq, []byte("first draft")))
		noErr(t, "PutExportChunk again", s.PutExportChunk(ctx(t), e.OrgID, e.ID, seq, p))
	}
	noErr(t, "PutExportChunk of another export", s.PutExportChunk(ctx(t), second.OrgID, second.ID, 0, []byte("theirs")))
	for seq, want := range parts {
		got, err := s.ExportChunk(ctx(t), e.OrgID, e.ID, seq)
		noErr(t, "ExportChunk", err)
		if !bytes.Equal(got, want) {
			t.Fatalf("part %d: %d bytes back; want the %d put last", seq, len(got), len(want))
		}
	}
	_, err := s.ExportChunk(ctx(t), e.OrgID, e.ID, len(parts))
	wantErr(t, "ExportChunk past the end", err, directory.ErrNotFound)
	_, err = s.ExportChunk(ctx(t), otherOrgID, e.ID, 0)
	wantErr(t, "ExportChunk from another org", err, directory.ErrNotFound)
	wantErr(t, "PutExportChunk of no export", s.PutExportChunk(ctx(t), e.OrgID, "no-such-export", 0, []byte("x")), directory.ErrNotFound)
	wantErr(t, "PutExportChunk negative", s.PutExportChunk(ctx(t), e.OrgID, e.ID, -1, []byte("x")), directory.ErrInvalid)

	noErr(t, "DeleteExportChunks", s.DeleteExportChunks(ctx(t), e.OrgID, e.ID))
	_, err = s.ExportChunk(ctx(t), e.OrgID, e.ID, 0)
	wantErr(t, "ExportChunk after delete", err, directory.ErrNotFound)
	noErr(t, "DeleteExportChunks again", s.DeleteExportChunks(ctx(t), e.OrgID, e.ID))
	if got, err := s.ExportChunk(ctx(t), second.OrgID, second.ID, 0); err != nil || string(got) != "theirs" {
		t.Fatalf("another export's part after delete = %q, %v", got, err)
	}
}

func checkExpiredExports(t *testing.T, s directory.Store, orgID, adminID, otherOrgID, otherAdminID string) {
	t.Helper()
	now := time.Date(2030, time.January, 10, 12, 0, 0, 0, time.UTC)
	mk := func(org, adm string, expires time.Time, status directory.JobStatus) string {
		e := newExport(org, adm, expires)
		e.Status = status
		noErr(t, "CreateExport", s.CreateExport(ctx(t), &e))
		return e.ID
	}
	later := mk(orgID, adminID, now.Add(-time.Hour), directory.JobSucceeded)
	earlier := mk(otherOrgID, otherAdminID, now.Add(-48*time.Hour), directory.JobFailed)
	mk(orgID, adminID, now.Add(-72*time.Hour), directory.JobExpired)
	mk(orgID, adminID, now.Add(time.Hour), directory.JobSucceeded)
	mk(orgID, adminID, now, directory.JobSucceeded) // expires at now: not before it

	// The exports made earlier in the test expired in 2026.
	old, err := s.ExpiredExports(ctx(t), time.Date(2027, time.January, 1, 0, 0, 0, 0, time.UTC), 100)
	noErr(t, "ExpiredExports (2027)", err)
	all, err := s.ExpiredExports(ctx(t), now, 100)
	noErr(t, "ExpiredExports", err)
	var ids []string
	for _, e := range all[len(old):] {
		ids = append(ids, e.ID)
	}
	if want := []string{earlier, later}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("ExpiredExports = %v; want %v (soonest expired first, every org, none already expired)", ids, want)
	}
	first, err := s.ExpiredExports(ctx(t), now, 1)
	noErr(t, "ExpiredExports limit 1", err)
	if len(first) != 1 || (len(old) == 0 && first[0].ID != earlier) {
		t.Fatalf("ExpiredExports limit 1 = %+v", first)
	}
}
