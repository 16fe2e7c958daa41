package console_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// The browser tests walk the console in Chromium (see
// browser_harness_test.go), on SQLite and, when LATCHKEY_TEST_DATABASE_URL
// is set, on PostgreSQL too, and save a screenshot of every step under
// test-artifacts/screenshots/<test>/.

// TestBrowserSignInAndExports: an admin signs in with their password
// (the sign-in page also at phone width), finds no exports, starts one,
// watches it finish without reloading (console.js's live refresh), and
// signs out.
func TestBrowserSignInAndExports(t *testing.T) {
	eachBrowserBackend(t, func(t *testing.T, e *env, b *browser) {
		ada := e.admin("ada@acme.example", directory.RoleAccountManager)
		sales := func(a *directory.Account) { a.Department = "Sales" }
		e.person("ann", "ann@acme.example", sales)
		e.person("fran", "", sales)
		e.person("bob", "bob@acme.example", nil)

		b.phone()
		b.open("/admin/exports")
		b.want(http.StatusOK, "/admin/signin", "Sign in", "Admin console of Acme")
		if b.overflows() {
			t.Error("the sign-in page is wider than a phone")
		}
		b.shot("signin-phone")
		b.laptop()
		b.shot("signin")
		b.fill("#email", "ada@acme.example")
		b.fill("#password", testPassword)
		b.click(`form[action="/admin/signin"] button[type=submit]`)
		b.want(http.StatusOK, "/admin/exports", "Imports/Exports", "No exports yet.", "Export employee information")
		b.shot("exports-empty")

		b.fill("#export-department", "Sales")
		b.click("#start-export")
		b.waitText("h1", "Employee export")
		id, ok := strings.CutPrefix(withoutQuery(b.location()), e.base+"/admin/exports/")
		if !ok || id == "" {
			t.Fatalf("after starting an export the browser is at %s", b.location())
		}
		b.want(http.StatusOK, "/admin/exports/"+id, "The export has started.", "department: Sales", "What the file contains")
		loaded := b.documents()
		b.waitText("main", "The file is ready: 2 people")
		if b.documents() != loaded {
			t.Errorf("the export page was loaded again; it should update itself:\n%s", b.history())
		}
		if !b.has(`a#download[href="/admin/exports/` + id + `/download"]`) {
			t.Fatal("the finished export has no Download button")
		}
		b.shot("export-ready")

		// An export that runs: the list shows its progress and, when it
		// is done, updates itself (by fetch, with no page load).
		started := time.Now().UTC()
		x := directory.Export{OrgID: e.org.ID, AdminID: ada.ID, Status: directory.JobRunning, Storage: directory.ExportInDatabase,
			RowsTotal: 1200, RowsDone: 300, StartedAt: &started, ExpiresAt: started.Add(time.Hour),
			Params: json.RawMessage(`{"status":"invited"}`), Options: json.RawMessage(`{}`)}
		must(t, e.store.CreateExport(t.Context(), &x))
		b.open("/admin/exports")
		b.want(http.StatusOK, "/admin/exports", "status: invited", "Running", "300 of 1,200")
		if !b.has("main[data-live] progress.progress") {
			t.Fatal("the list of a running export has no live progress bar")
		}
		b.shot("exports-running")
		b.phone()
		if b.overflows() {
			t.Error("the exports page is wider than a phone")
		}
		b.shot("exports-running-phone")
		b.laptop()
		loaded = b.documents()
		finished := time.Now().UTC()
		x.Status, x.RowsDone, x.Size, x.FinishedAt = directory.JobSucceeded, 1200, 150000, &finished
		must(t, e.store.UpdateExport(t.Context(), &x))
		b.waitText("main", "146 KB")
		if b.has("main[data-live]") || strings.Contains(b.text("main"), "Running") || b.documents() != loaded {
			t.Errorf("the list did not update itself in place (%d documents, then %d):\n%s", loaded, b.documents(), b.text("main"))
		}
		b.shot("exports-done")

		b.click(`form[action="/admin/signout"] button[type=submit]`)
		b.want(http.StatusOK, "/admin/signin", "Sign in")
		b.open("/admin/exports")
		b.want(http.StatusOK, "/admin/signin", "Sign in")
	})
}
