package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/export"
	"github.com/latchkeyhq/latchkey/internal/testdb"
	"github.com/latchkeyhq/latchkey/migrations"
)

var backends = []struct {
	name    string
	dialect gormstore.Dialect
	url     func(t testing.TB) string
}{
	{"sqlite", gormstore.SQLite, testdb.SQLitePath},
	{"postgres", gormstore.Postgres, func(t testing.TB) string { return testdb.PostgresURL(t, os.Getenv) }},
}

// env is a migrated store with an organization, an admin and people.
type env struct {
	store  *gormstore.Store
	org    directory.Organization
	admin  directory.Admin
	people []directory.Account
}

func eachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s, err := gormstore.Open(t.Context(), gormstore.Options{URL: b.url(t), Dialect: b.dialect})
			must(t, err)
			t.Cleanup(func() { _ = s.Close() })
			_, err = migrations.Up(t.Context(), s.DB(), migrations.Dialect(b.dialect))
			must(t, err)
			e := &env{store: s, org: directory.Organization{Slug: "acme", Name: "Acme"}}
			must(t, s.CreateOrganization(t.Context(), &e.org))
			e.admin = directory.Admin{OrgID: e.org.ID, Email: "ada@acme.example", Role: directory.RoleSystemAdmin}
			must(t, s.CreateAdmin(t.Context(), &e.admin))
			e.seed(t, 40)
			fn(t, e)
		})
	}
}

// seed stores n people; every third has no email, titles are long enough
// that a few rows fill a small part.
func (e *env) seed(t *testing.T, n int) {
	for i := range n {
		a := directory.Account{OrgID: e.org.ID, UserName: fmt.Sprintf("user%03d", i), DisplayName: fmt.Sprintf("User, %d", i),
			Title: strings.Repeat("t", 300), Department: []string{"Sales", "Support"}[i%2],
			Active: true, State: directory.StateNotInvited}
		if i%3 != 0 {
			a.Emails = []directory.Email{{Type: "work", Value: fmt.Sprintf("user%03d@acme.example", i), Primary: true}}
		}
		must(t, e.store.CreateAccount(t.Context(), &a))
		e.people = append(e.people, a)
	}
}

func (e *env) newExport(t *testing.T, storage string) directory.Export {
	x := directory.Export{OrgID: e.org.ID, AdminID: e.admin.ID, Status: directory.JobRunning, Storage: storage,
		ExpiresAt: time.Now().Add(time.Hour)}
	must(t, e.store.CreateExport(t.Context(), &x))
	return x
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type noLinks struct{}

func (noLinks) ClaimLink(directory.Account) string  { return "" }
func (noLinks) AccessCode(directory.Account) string { return "" }

func readAll(t *testing.T, e *env, dir string, x directory.Export) []byte {
	t.Helper()
	r, err := export.Open(t.Context(), e.store, dir, x)
	must(t, err)
	defer r.Close()
	b, err := io.ReadAll(r)
	must(t, err)
	return b
}

// TestBuild: a file of several parts read back is the header and one
// record per matching account in id order; progress grows to the total;
// a rebuild replaces the file, leaving nothing of a longer earlier one.
func TestBuild(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		x := e.newExport(t, directory.ExportInDatabase)
		must(t, e.store.PutExportChunk(t.Context(), x.OrgID, x.ID, 99, []byte("left by a crashed attempt")))
		sales := directory.Compare{Attr: directory.AttrDepartment, Op: directory.OpEq, Value: "Sales"}
		var progress []int64
		res, err := export.Build(t.Context(), export.Job{Store: e.store, Links: noLinks{}, Export: x, Filter: sales,
			BOM: true, PageSize: 7, PartSize: 2048,
			Progress: func(_ context.Context, rows int64) error { progress = append(progress, rows); return nil }})
		must(t, err)
		if res.Rows != 20 || len(progress) < 3 || progress[len(progress)-1] != 20 {
			t.Fatalf("rows %d, progress %v; want 20 rows in several parts", res.Rows, progress)
		}
		for i := 1; i < len(progress); i++ {
			if progress[i] < progress[i-1] {
				t.Fatalf("progress went back: %v", progress)
			}
		}
		if _, err := e.store.ExportChunk(t.Context(), x.OrgID, x.ID, 99); !errors.Is(err, directory.ErrNotFound) {
			t.Fatalf("a stale part survived the rebuild: %v", err)
		}
		file := readAll(t, e, "", x)
		if int64(len(file)) != res.Size || !bytes.HasPrefix(file, []byte("\xEF\xBB\xBFID,")) {
			t.Fatalf("file of %d bytes (result says %d) starts %q", len(file), res.Size, file[:min(len(file), 10)])
		}
		records, err := csv.NewReader(bytes.NewReader(file[3:])).ReadAll()
		must(t, err)
		var want []string
		for _, a := range e.people {
			if a.Department == "Sales" {
				want = append(want, a.ID)
			}
		}
		if len(records) != len(want)+1 {
			t.Fatalf("%d records; want a header and %d rows", len(records), len(want))
		}
		for i, id := range want { // seeded in id order (ids are time-ordered)
			if rec := records[i+1]; rec[0] != id || rec[2] != e.people[indexOf(e.people, id)].DisplayName {
				t.Fatalf("row %d = %q; want the account %s", i, rec[:3], id)
			}
		}
	})
}

func indexOf(people []directory.Account, id string) int {
	for i, a := range people {
		if a.ID == id {
			return i
		}
	}
	return -1
}

// TestBuildDirectory: a file in the export directory holds the same
// bytes as one in the database, appears only when complete, and Remove
// deletes it (ErrGone after).
func TestBuildDirectory(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		dir := t.TempDir()
		inDB := e.newExport(t, directory.ExportInDatabase)
		inDir := e.newExport(t, directory.ExportInDirectory)
		for _, x := range []directory.Export{inDB, inDir} {
			_, err := export.Build(t.Context(), export.Job{Store: e.store, Links: noLinks{}, Export: x, Dir: dir, PartSize: 4096})
			must(t, err)
		}
		if a, b := readAll(t, e, dir, inDB), readAll(t, e, dir, inDir); !bytes.Equal(a, b) {
			t.Fatalf("the directory file (%d bytes) differs from the database one (%d bytes)", len(b), len(a))
		}
		entries, err := os.ReadDir(filepath.Join(dir, e.org.ID))
		must(t, err)
		if len(entries) != 1 || entries[0].Name() != inDir.ID+".csv" {
			t.Fatalf("export directory holds %v; want only %s.csv", entries, inDir.ID)
		}
		for _, x := range []directory.Export{inDB, inDir} {
			must(t, export.Remove(t.Context(), e.store, dir, x))
			if _, err := export.Open(t.Context(), e.store, dir, x); !errors.Is(err, export.ErrGone) {
				t.Fatalf("Open after Remove (%s) = %v; want ErrGone", x.Storage, err)
			}
			must(t, export.Remove(t.Context(), e.store, dir, x)) // again: nothing to do
		}
	})
}

// TestBuildFails: a build that fails leaves no file behind in the
// directory, and reports the error.
func TestBuildFails(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		dir := t.TempDir()
		x := e.newExport(t, directory.ExportInDirectory)
		boom := errors.New("progress could not be recorded")
		_, err := export.Build(t.Context(), export.Job{Store: e.store, Links: noLinks{}, Export: x, Dir: dir, PartSize: 1024,
			Progress: func(context.Context, int64) error { return boom }})
		if !errors.Is(err, boom) {
			t.Fatalf("Build = %v; want the progress error", err)
		}
		entries, _ := os.ReadDir(filepath.Join(dir, e.org.ID))
		if len(entries) != 0 {
			t.Fatalf("a failed build left %v", entries)
		}
		bad := directory.Compare{Attr: "password", Op: directory.OpEq, Value: "x"}
		_, err = export.Build(t.Context(), export.Job{Store: e.store, Links: noLinks{}, Export: x, Dir: dir, Filter: bad})
		if !errors.Is(err, directory.ErrInvalid) {
			t.Fatalf("Build with a bad filter = %v; want ErrInvalid", err)
		}
	})
}
