package console_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/export"
)

// exportID is the id at the end of an export page's URL.
func exportID(t *testing.T, pageURL string) string {
	t.Helper()
	u, err := url.Parse(pageURL)
	must(t, err)
	id, ok := strings.CutPrefix(u.Path, "/admin/exports/")
	if !ok || id == "" || strings.Contains(id, "/") {
		t.Fatalf("%s is not an export's page", pageURL)
	}
	return id
}

// waitForExport waits until the API says the export has finished, and
// returns its status.
func (e *env) waitForExport(token, id string) string {
	e.t.Helper()
	var status string
	e.waitFor("export "+id+" to finish", func() bool {
		code, doc := e.api(http.MethodGet, "/admin/v1/exports/"+id, token, nil)
		if code != http.StatusOK {
			e.t.Fatalf("GET export %s: %d %v", id, code, doc)
		}
		status, _ = doc["status"].(string)
		return status != "queued" && status != "running"
	})
	return status
}

// exportCount is how many exports the organization has, by the API.
func (e *env) exportCount(token string) int {
	e.t.Helper()
	code, doc := e.api(http.MethodGet, "/admin/v1/exports?limit=100", token, nil)
	if code != http.StatusOK {
		e.t.Fatalf("GET exports: %d %v", code, doc)
	}
	items, _ := doc["items"].([]any)
	return len(items)
}

// TestExports: the whole round trip in the console. The People page's
// filters are posted, the export page shows it, the list shows it with
// its size and a Download button once it is built, the download through
// the console is the CSV, and the email has both links.
func TestExports(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, ada := e.signedInAs("ada@acme.example", directory.RoleAccountManager)
		token := e.token(ada)
		sales := func(a *directory.Account) { a.Department, a.Title = "Sales", "Rep" }
		ann := e.person("ann", "ann@acme.example", sales)
		e.person("fran", "", sales) // no email: not selected
		e.person("bob", "bob@acme.example", func(a *directory.Account) { a.Department = "Support" })

		r := c.get("/admin/exports")
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "No exports yet.") ||
			!strings.Contains(text(r.body), "Export employee information") || strings.Contains(r.body, "data-live") {
			t.Fatalf("empty exports page: %d\n%s", r.status, text(r.body))
		}

		// The People page's "…" menu posts its filters (and unset ones empty).
		r = c.post("/admin/exports", url.Values{"department": {"Sales"}, "has_email": {"true"}, "bom": {"1"},
			"title": {""}, "q": {""}, "status": {""}})
		id := exportID(t, r.url)
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "The export has started.") ||
			!strings.Contains(text(r.body), "What the file contains") || !strings.Contains(text(r.body), "department: Sales, with an email address") {
			t.Fatalf("after the post: %d at %s\n%s", r.status, r.url, text(r.body))
		}
		_, doc := e.api(http.MethodGet, "/admin/v1/exports/"+id, token, nil)
		filter, _ := doc["filter"].(map[string]any)
		if filter["department"] != "Sales" || filter["has_email"] != true || len(filter) != 2 || doc["bom"] != true {
			t.Fatalf("the API's export: %v", doc)
		}
		if status := e.waitForExport(token, id); status != "succeeded" {
			t.Fatalf("the export %s", status)
		}

		r = c.get("/admin/exports")
		body := text(r.body)
		download := `href="/admin/exports/` + id + `/download"`
		if r.status != http.StatusOK || !strings.Contains(body, "department: Sales, with an email address") || !strings.Contains(body, "Ready") ||
			!strings.Contains(body, "bytes") || !strings.Contains(r.body, download) || strings.Contains(r.body, "data-live") {
			t.Fatalf("exports list: %d\n%s", r.status, body)
		}
		r = c.get("/admin/exports/" + id)
		if r.status != http.StatusOK || !strings.Contains(r.body, download) || !strings.Contains(text(r.body), "We also emailed the download link to ada@acme.example") ||
			strings.Contains(r.body, "data-live") {
			t.Fatalf("export page: %d\n%s", r.status, text(r.body))
		}

		r = c.get("/admin/exports/" + id + "/download")
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment;") || !strings.HasPrefix(r.body, "\xEF\xBB\xBF") {
			t.Fatalf("download: %d %v\n%.200s", r.status, r.header, r.body)
		}
		records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix([]byte(r.body), []byte("\xEF\xBB\xBF")))).ReadAll()
		must(t, err)
		if strings.Join(records[0], ",") != strings.Join(export.Columns, ",") {
			t.Fatalf("header row: %q", records[0])
		}
		if len(records) != 2 || records[1][0] != ann.ID || records[1][1] != "ann" || !strings.Contains(strings.Join(records[1], ","), "ann@acme.example") {
			t.Fatalf("rows: %q", records[1:])
		}
		if !e.audited("export.download") {
			t.Error("the download is not audited")
		}

		var mail string
		e.waitFor("the export-ready email", func() bool {
			for _, m := range e.smtp.Messages() {
				if len(m.To) == 1 && m.To[0] == "ada@acme.example" && strings.Contains(m.Subject, "export is ready") {
					mail = m.Text + "\n" + m.HTML
					return true
				}
			}
			return false
		})
		for _, link := range []string{"Open it in the admin console: " + e.base + "/admin/exports/" + id, e.base + "/admin/v1/exports/" + id + "/download?"} {
			if !strings.Contains(mail, link) {
				t.Errorf("the email lacks %s:\n%s", link, mail)
			}
		}
		if !strings.Contains(mail, `<a href="`+e.base+"/admin/exports/"+id+`">`) {
			t.Errorf("the email's HTML does not link the console page:\n%s", mail)
		}
	})
}

// TestExportRefused: a filter the API refuses is told on the list page,
// and no export starts.
func TestExportRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c, ada := e.signedInAs("ada@acme.example", directory.RoleSystemAdmin)
		token := e.token(ada)
		for _, tc := range []struct {
			name   string
			form   url.Values
			notice string
		}{
			{"status", url.Values{"status": {"bogus"}}, "Check the filters: status must be not_invited, invited, claimed or deactivated"},
			{"date", url.Values{"created_after": {"yesterday"}}, "created_after must be an RFC 3339 time"},
			{"has_email", url.Values{"has_email": {"maybe"}}, "has_email must be true or false"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := c.post("/admin/exports", tc.form)
				if r.status != http.StatusBadRequest || !strings.HasSuffix(r.url, "/admin/exports") ||
					!strings.Contains(text(r.body), "The export was not started") || !strings.Contains(text(r.body), tc.notice) {
					t.Fatalf("%d at %s\n%s", r.status, r.url, text(r.body))
				}
			})
		}
		if n := e.exportCount(token); n != 0 {
			t.Fatalf("%d exports started", n)
		}
		// The list page's own form shows the error next to its field.
		r := c.post("/admin/exports", url.Values{"status": {"bogus"}, "department": {"Sales"}})
		if !strings.Contains(r.body, `id="export-status" name="status" aria-invalid="true"`) || !strings.Contains(r.body, `value="Sales"`) {
			t.Fatalf("the form does not mark the field:\n%s", r.body)
		}
	})
}

// TestExportsNeedAccountsManage: a reader has no link to the section,
// cannot open it and cannot start an export.
func TestExportsNeedAccountsManage(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		_, root := e.signedInAs("root@acme.example", directory.RoleSystemAdmin)
		reader, _ := e.signedInAs("reader@acme.example", directory.RoleReader)
		r := reader.get("/admin/account")
		if strings.Contains(r.body, `href="/admin/exports"`) {
			t.Error("a reader's page links to the exports")
		}
		for name, r := range map[string]response{
			"list":  reader.get("/admin/exports"),
			"start": reader.post("/admin/exports", url.Values{"department": {"Sales"}}),
		} {
			if r.status != http.StatusForbidden || !strings.Contains(text(r.body), "Not allowed") {
				t.Errorf("%s by a reader: %d\n%s", name, r.status, text(r.body))
			}
		}
		if n := e.exportCount(e.token(root)); n != 0 {
			t.Fatalf("a reader started %d exports", n)
		}
	})
}

// TestExportNotDownloadable: another admin's export is listed without a
// Download button and its download is refused; an expired export says so;
// an unknown one is not found.
func TestExportNotDownloadable(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ada, adaAdm := e.signedInAs("ada@acme.example", directory.RoleAccountManager)
		bob, _ := e.signedInAs("bob@acme.example", directory.RoleAccountManager)
		e.person("ann", "ann@acme.example", nil)
		token := e.token(adaAdm)
		id := exportID(t, ada.post("/admin/exports", url.Values{}).url)
		if status := e.waitForExport(token, id); status != "succeeded" {
			t.Fatalf("the export %s", status)
		}

		r := bob.get("/admin/exports")
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "by another admin") || !strings.Contains(text(r.body), "everyone") ||
			strings.Contains(r.body, "/download") {
			t.Fatalf("bob's list: %d\n%s", r.status, text(r.body))
		}
		r = bob.get("/admin/exports/" + id)
		if r.status != http.StatusOK || !strings.Contains(text(r.body), "Only the admin who asked for this export can download it") || strings.Contains(r.body, "/download") {
			t.Fatalf("bob's export page: %d\n%s", r.status, text(r.body))
		}
		r = bob.get("/admin/exports/" + id + "/download")
		if r.status != http.StatusForbidden || !strings.Contains(text(r.body), "Not allowed") || strings.Contains(r.header.Get("Content-Type"), "csv") {
			t.Fatalf("bob's download: %d %s\n%s", r.status, r.header.Get("Content-Type"), text(r.body))
		}
		if r := ada.get("/admin/exports/00000000-0000-0000-0000-000000000000/download"); r.status != http.StatusNotFound {
			t.Fatalf("download of no export: %d", r.status)
		}

		x, err := e.store.Export(t.Context(), e.org.ID, id)
		must(t, err)
		x.Status = directory.JobExpired
		must(t, e.store.UpdateExport(t.Context(), &x))
		r = ada.get("/admin/exports/" + id + "/download")
		if r.status != http.StatusGone || !strings.Contains(text(r.body), "This export has expired") || !strings.Contains(text(r.body), "start a new one") {
			t.Fatalf("download of an expired export: %d\n%s", r.status, text(r.body))
		}
		r = ada.get("/admin/exports")
		if !strings.Contains(text(r.body), "Expired") || strings.Contains(r.body, "/download") {
			t.Fatalf("the list offers an expired export:\n%s", text(r.body))
		}
	})
}
