package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/export"
)

// TestExportDownloadAccess: only the requester downloads, by token or
// by the emailed link as sent; any change to the link, another
// export's link, or a requester since disabled is refused.
func TestExportDownloadAccess(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		e.person("ann", "ann@acme.example", nil)
		ada := e.token(e.org.ID, "ada@acme.example", directory.RoleAccountManager)
		root := e.token(e.org.ID, "root@acme.example", directory.RoleSystemAdmin)
		reader := e.token(e.org.ID, "reader@acme.example", directory.RoleReader)
		doc := e.requestExport(ada, nil)
		path := downloadPath(doc)
		link := e.exportEmailLink("ada@acme.example")
		mine := e.requestExport(root, map[string]any{"status": "not_invited"})
		rootLink := e.exportEmailLink("root@acme.example")

		u, err := url.Parse(link)
		must(t, err)
		q := u.Query()
		tamper := func(name, value string) string {
			changed := url.Values{}
			for k, v := range q {
				changed[k] = v
			}
			changed.Set(name, value)
			return u.Path + "?" + changed.Encode()
		}
		sig := q.Get("sig")
		flipped := sig[:len(sig)-1] + map[bool]string{true: "A", false: "B"}[sig[len(sig)-1] != 'A']
		expires := q.Get("expires")
		rootPath := downloadPath(mine)
		for _, tc := range []struct {
			name, path, token string
			status            int
			code              string
		}{
			{"another admin, even a system admin", path, root, http.StatusForbidden, "not_requester"},
			{"a reader", path, reader, http.StatusForbidden, "forbidden"},
			{"no token, no link", path, "", http.StatusUnauthorized, "unauthorized"},
			{"signature changed", tamper("sig", flipped), "", http.StatusUnauthorized, "invalid_link"},
			{"expiry moved", tamper("expires", expires+"0"), "", http.StatusUnauthorized, "invalid_link"},
			{"another org", tamper("org", "00000000-0000-0000-0000-000000000000"), "", http.StatusUnauthorized, "invalid_link"},
			{"expiry unreadable", tamper("expires", "soon"), "", http.StatusUnauthorized, "invalid_link"},
			{"the link on another export", rootPath + "?" + u.RawQuery, "", http.StatusUnauthorized, "invalid_link"},
			{"no such export", "/admin/v1/exports/00000000-0000-0000-0000-000000000000/download", ada, http.StatusNotFound, "not_found"},
		} {
			r := e.do(http.MethodGet, tc.path, tc.token, nil)
			if r.Status != tc.status || r.JSON()["code"] != tc.code {
				t.Errorf("%s: %d %s; want %d %s", tc.name, r.Status, r.Body, tc.status, tc.code)
			}
		}
		if r := e.do(http.MethodGet, rootLink, "", nil); r.Status != http.StatusOK {
			t.Fatalf("the system admin's own link: %d %s", r.Status, r.Body)
		}
		if r := e.do(http.MethodGet, link, root, nil); r.Status != http.StatusForbidden {
			t.Fatalf("a token with someone else's link: %d; want the token to decide (403)", r.Status)
		}

		adaID := e.meID(ada)
		must(t, e.store.DisableAdmin(t.Context(), e.org.ID, adaID, time.Now()))
		if r := e.do(http.MethodGet, link, "", nil); r.Status != http.StatusForbidden || r.JSON()["code"] != "admin_disabled" {
			t.Fatalf("the link of a disabled admin: %d %s", r.Status, r.Body)
		}
	})
}

// TestExportNotReady: a download before the file is built is 409, and
// the export shows queued without a download_url.
func TestExportNotReady(t *testing.T) {
	eachBackendWith(t, envOptions{noWorkers: true}, func(t *testing.T, e *adminEnv) {
		token := e.token(e.org.ID, "ada@acme.example", directory.RoleAccountManager)
		r := e.do(http.MethodPost, "/admin/v1/exports", token, nil)
		doc := r.JSON()
		if r.Status != http.StatusAccepted || doc["download_url"] != nil || doc["percent"] != 0.0 {
			t.Fatalf("POST /exports = %d %s", r.Status, r.Body)
		}
		id := doc["id"].(string)
		if r := e.do(http.MethodGet, "/admin/v1/exports/"+id+"/download", token, nil); r.Status != http.StatusConflict || r.JSON()["code"] != "not_ready" {
			t.Fatalf("download of a queued export: %d %s", r.Status, r.Body)
		}
		status, list := e.get(token, "/admin/v1/exports")
		items, _ := list["items"].([]any)
		if status != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["id"] != id {
			t.Fatalf("GET /exports = %d %v", status, list)
		}
	})
}

// TestExportRefused: bad filters and unknown fields are 400s naming the
// fields, and nothing is recorded or queued.
func TestExportRefused(t *testing.T) {
	eachBackendWith(t, envOptions{noWorkers: true}, func(t *testing.T, e *adminEnv) {
		token := e.token(e.org.ID, "ada@acme.example", directory.RoleAccountManager)
		for _, tc := range []struct {
			name   string
			body   any
			fields []string
		}{
			{"bad status and date", map[string]any{"status": "gone", "created_after": "yesterday"}, []string{"status", "created_after"}},
			{"bad SCIM filter", map[string]any{"filter": `password eq "x"`}, []string{"filter"}},
			{"unknown field", map[string]any{"departement": "Sales"}, []string{"departement"}},
			{"bom not a boolean", `{"bom": "yes"}`, []string{"bom"}},
		} {
			r := e.do(http.MethodPost, "/admin/v1/exports", token, tc.body)
			var p problem
			_ = json.Unmarshal(r.Body, &p)
			var fields []string
			for _, f := range p.Errors {
				fields = append(fields, f.Field)
			}
			if r.Status != http.StatusBadRequest || strings.Join(fields, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("%s: %d %s; want 400 naming %v", tc.name, r.Status, r.Body, tc.fields)
			}
		}
		for _, q := range []string{"?limit=0", "?limit=101", "?limit=x", "?sort=id"} {
			if r := e.do(http.MethodGet, "/admin/v1/exports"+q, token, nil); r.Status != http.StatusBadRequest {
				t.Errorf("GET /exports%s: %d", q, r.Status)
			}
		}
		if list, err := e.store.ListExports(t.Context(), e.org.ID, 10); err != nil || len(list) != 0 {
			t.Fatalf("refused requests left exports: %v, %v", list, err)
		}
		if n := len(e.exportAudit("export.request")); n != 0 {
			t.Fatalf("refused requests were audited: %d", n)
		}
	})
}

// TestExportExpiry: after the expiry the file is refused (410) by token
// and link, the clean-up deletes it (the database's parts, or the
// directory's file) and marks the export expired, audited.
func TestExportExpiry(t *testing.T) {
	for _, storage := range []string{directory.ExportInDatabase, directory.ExportInDirectory} {
		t.Run(storage, func(t *testing.T) {
			clock := newExportClock()
			opts := envOptions{now: clock.now}
			if storage == directory.ExportInDirectory {
				opts.exportDir = t.TempDir()
			}
			eachBackendWith(t, opts, func(t *testing.T, e *adminEnv) {
				e.person("ann", "ann@acme.example", nil)
				token := e.token(e.org.ID, "ada@acme.example", directory.RoleAccountManager)
				doc := e.requestExport(token, map[string]any{"bom": true})
				link := e.exportEmailLink("ada@acme.example")
				x, err := e.store.Export(t.Context(), e.org.ID, doc["id"].(string))
				must(t, err)
				if x.Storage != storage || doc["bom"] != true {
					t.Fatalf("export kept in %q (bom %v); want %q", x.Storage, doc["bom"], storage)
				}
				r := e.do(http.MethodGet, downloadPath(doc), token, nil)
				if r.Status != http.StatusOK || !bytes.HasPrefix(r.Body, []byte("\xEF\xBB\xBFID,User name,")) {
					t.Fatalf("download with a BOM: %d %q", r.Status, r.Body[:min(len(r.Body), 20)])
				}
				if storage == directory.ExportInDirectory {
					onDisk, err := os.ReadFile(filepath.Join(opts.exportDir, e.org.ID, x.ID+".csv"))
					if err != nil || !bytes.Equal(onDisk, r.Body) {
						t.Fatalf("the export directory's file (%d bytes, %v) is not what was downloaded", len(onDisk), err)
					}
				}
				if n, err := e.handler.cleanExports(t.Context(), clock.now()); n != 0 || err != nil {
					t.Fatalf("clean-up before the expiry cleaned %d, %v", n, err)
				}

				clock.advance(DefaultExportTTL + time.Second)
				if _, doc := e.get(token, "/admin/v1/exports/"+x.ID); doc["download_url"] != nil {
					t.Fatalf("an expired export offers a download: %v", doc)
				}
				for name, r := range map[string]response{
					"token": e.do(http.MethodGet, downloadPath(doc), token, nil), "link": e.do(http.MethodGet, link, "", nil),
				} {
					if r.Status != http.StatusGone || r.JSON()["code"] != "expired" {
						t.Errorf("download by %s after the expiry: %d %s", name, r.Status, r.Body)
					}
				}
				if n, err := e.handler.cleanExports(t.Context(), clock.now()); n != 1 || err != nil {
					t.Fatalf("clean-up cleaned %d, %v; want 1", n, err)
				}
				if _, err := export.Open(t.Context(), e.store, opts.exportDir, x); !errors.Is(err, export.ErrGone) {
					t.Fatalf("the file after the clean-up: %v; want it gone", err)
				}
				if _, doc := e.get(token, "/admin/v1/exports/"+x.ID); doc["status"] != "expired" {
					t.Fatalf("export after the clean-up: %v", doc)
				}
				if ev := e.exportAudit("export.expire"); len(ev) != 1 || ev[0].ActorType != directory.ActorSystem || ev[0].TargetID != x.ID {
					t.Fatalf("audited expiry: %+v", ev)
				}
			})
		})
	}
}

// TestExportFailures: an export whose filters no longer compile fails
// at once with a reason, and cannot be downloaded.
func TestExportFailures(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		token := e.token(e.org.ID, "ada@acme.example", directory.RoleAccountManager)
		x := directory.Export{OrgID: e.org.ID, AdminID: e.meID(token), Status: directory.JobQueued,
			Storage: directory.ExportInDatabase, Params: json.RawMessage(`{"status":"archived"}`), ExpiresAt: time.Now().Add(time.Hour)}
		must(t, e.store.CreateExport(t.Context(), &x))
		must(t, e.store.InTx(t.Context(), func(tx directory.Store) error {
			return e.handler.jobs.Enqueue(t.Context(), tx, exportArgs{OrgID: x.OrgID, ExportID: x.ID}, nil)
		}))
		var doc map[string]any
		e.waitFor("the export to fail", func() bool {
			_, doc = e.get(token, "/admin/v1/exports/"+x.ID)
			return doc["status"] == "failed"
		})
		if reason, _ := doc["error"].(string); !strings.Contains(reason, "no longer accepted") || !strings.Contains(reason, "status") {
			t.Fatalf("failed export = %v", doc)
		}
		if r := e.do(http.MethodGet, "/admin/v1/exports/"+x.ID+"/download", token, nil); r.Status != http.StatusConflict ||
			r.JSON()["code"] != "export_failed" {
			t.Fatalf("download of a failed export: %d %s", r.Status, r.Body)
		}
	})
}

// TestExportUnwritableDirectory: an export whose directory cannot be
// written fails with a reason naming the setting.
func TestExportUnwritableDirectory(t *testing.T) {
	eachBackendWith(t, envOptions{noWorkers: true, exportDir: "/dev/null/exports"}, func(t *testing.T, e *adminEnv) {
		token := e.token(e.org.ID, "ada@acme.example", directory.RoleAccountManager)
		doc := e.do(http.MethodPost, "/admin/v1/exports", token, nil).JSON()
		args := exportArgs{OrgID: e.org.ID, ExportID: doc["id"].(string)}
		err := e.handler.runExport(context.Background(), args)
		if err == nil {
			t.Fatal("an export into an unwritable directory succeeded")
		}
		must(t, e.handler.failExport(context.Background(), args, err, true))
		_, doc = e.get(token, "/admin/v1/exports/"+args.ExportID)
		if reason, _ := doc["error"].(string); doc["status"] != "failed" || !strings.Contains(reason, "export_dir") {
			t.Fatalf("export into an unwritable directory = %v", doc)
		}
	})
}

// TestExportBuiltPastItsExpiry: a build that ends after the export's
// expiry (a backlog, retries) leaves no file behind and no "succeeded"
// export, whether or not the clean-up already ran.
func TestExportBuiltPastItsExpiry(t *testing.T) {
	clock := newExportClock()
	eachBackendWith(t, envOptions{noWorkers: true, now: clock.now}, func(t *testing.T, e *adminEnv) {
		e.person("ann", "ann@acme.example", nil)
		token := e.token(e.org.ID, "ada@acme.example", directory.RoleAccountManager)
		r := e.do(http.MethodPost, "/admin/v1/exports", token, map[string]any{})
		id, _ := r.JSON()["id"].(string)
		if r.Status != http.StatusAccepted {
			t.Fatalf("POST /exports = %d %s", r.Status, r.Body)
		}
		clock.advance(DefaultExportTTL + time.Minute)
		must(t, e.handler.runExport(t.Context(), exportArgs{OrgID: e.org.ID, ExportID: id}))
		x, err := e.store.Export(t.Context(), e.org.ID, id)
		must(t, err)
		if x.Status != directory.JobExpired {
			t.Fatalf("an export built past its expiry is %s; want expired", x.Status)
		}
		if _, err := export.Open(t.Context(), e.store, "", x); !errors.Is(err, export.ErrGone) {
			t.Fatalf("its file: %v; want it gone", err)
		}
	})
}
