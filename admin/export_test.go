package admin

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/export"
)

// exportClock is a clock tests move forward (the export's expiry).
type exportClock struct {
	mu sync.Mutex
	at time.Time
}

func newExportClock() *exportClock { return &exportClock{at: time.Now()} }

func (c *exportClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *exportClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
}

// exportPeople is the seeded population of the export tests.
type exportPeople struct {
	boss, ann, bob, fran, gone, zed directory.Account
	// formulas are people whose names a spreadsheet would run.
	formulas []directory.Account
}

// formulaNames are cells OWASP lists as CSV injection.
var formulaNames = []string{"=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1:A2)", "\tTabbed", "\rReturned"}

// seedExportPeople stores people of every kind an export treats apart,
// inviting through the real inviter so their links and codes are real.
func (e *adminEnv) seedExportPeople() exportPeople {
	e.t.Helper()
	claimedAt := time.Now().Add(-time.Hour).UTC()
	var p exportPeople
	p.boss = e.person("boss", "boss@acme.example", func(a *directory.Account) {
		a.DisplayName, a.EmployeeNumber, a.Department = "Big Boss", "M-1", "Sales"
		a.State, a.InvitedAt, a.ClaimedAt = directory.StateClaimed, &claimedAt, &claimedAt
	})
	sales := func(title string) func(a *directory.Account) {
		return func(a *directory.Account) {
			a.Department, a.Title, a.ManagerID, a.GivenName, a.FamilyName = "Sales", title, p.boss.ID, "Given", "Family"
		}
	}
	p.ann = e.invite(e.person("ann", "ann@acme.example", sales("Rep")))
	p.bob = e.person("bob", "bob@acme.example", sales("Rep"))
	p.fran = e.invite(e.person("fran", "", sales("Cashier")))
	p.gone = e.invite(e.person("gone", "gone@acme.example", sales("Former")))
	p.gone.Active = false
	must(e.t, e.store.UpdateAccount(e.t.Context(), &p.gone))
	p.zed = e.invite(e.person("zed", "zed@acme.example", func(a *directory.Account) { a.Department = "Support" }))
	for i, name := range formulaNames {
		a := e.person("formula"+string(rune('a'+i)), "", func(a *directory.Account) {
			sales(name)(a)
			a.DisplayName, a.EmployeeNumber = name, name
		})
		p.formulas = append(p.formulas, e.invite(a))
	}
	return p
}

// invite invites a through the real inviter, as an admin action does.
func (e *adminEnv) invite(a directory.Account) directory.Account {
	e.t.Helper()
	ctx := e.t.Context()
	must(e.t, e.store.InTx(ctx, func(tx directory.Store) error {
		fresh, err := tx.AccountForUpdate(ctx, a.OrgID, a.ID)
		if err != nil {
			return err
		}
		if err := e.inviter.Invite(ctx, tx, directory.Actor{Type: directory.ActorCLI, Name: "test"}, &fresh, "", false); err != nil {
			return err
		}
		a = fresh
		return nil
	}))
	stored, err := e.store.Account(ctx, a.OrgID, a.ID)
	must(e.t, err)
	return stored
}

// requestExport asks for an export and waits until it is no longer
// queued or running.
func (e *adminEnv) requestExport(token string, body any) map[string]any {
	e.t.Helper()
	r := e.do(http.MethodPost, "/admin/v1/exports", token, body)
	created := r.JSON()
	if r.Status != http.StatusAccepted || created["status"] != "queued" || r.Header.Get("Location") != "/admin/v1/exports/"+created["id"].(string) {
		e.t.Fatalf("POST /exports = %d %s (Location %q)", r.Status, r.Body, r.Header.Get("Location"))
	}
	var doc map[string]any
	e.waitFor("the export to finish", func() bool {
		_, doc = e.get(token, "/admin/v1/exports/"+created["id"].(string))
		return doc["status"] != "queued" && doc["status"] != "running"
	})
	return doc
}

// downloadPath is the download endpoint of an export, as a path.
func downloadPath(doc map[string]any) string {
	u, _ := url.Parse(doc["download_url"].(string))
	return u.Path
}

// readExportCSV parses a downloaded file, without its BOM.
func readExportCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil {
		t.Fatalf("the export is not CSV: %v", err)
	}
	if len(records) == 0 || strings.Join(records[0], ",") != strings.Join(export.Columns, ",") {
		t.Fatalf("header = %q; want %q", records[0], export.Columns)
	}
	return records
}

// column is a record's cell by header name.
func column(rec []string, name string) string {
	for i, c := range export.Columns {
		if c == name {
			return rec[i]
		}
	}
	panic("no column " + name)
}

func (e *adminEnv) meID(token string) string {
	e.t.Helper()
	_, me := e.get(token, "/admin/v1/me")
	return me["id"].(string)
}

// TestExport: the whole round trip. An export of Sales is built in the
// background; its CSV holds exactly Sales, row by row as stored, with a
// working claim link for every invited active person, an access code
// for the one without email, and formulas neutralised; the emailed link
// downloads the same file without a token; both downloads are audited.
func TestExport(t *testing.T) {
	clock := newExportClock()
	eachBackendWith(t, envOptions{now: clock.now}, func(t *testing.T, e *adminEnv) {
		people := e.seedExportPeople()
		token := e.token(e.org.ID, "ada@acme.example", directory.RoleAccountManager)
		doc := e.requestExport(token, map[string]any{"department": "Sales"})
		if doc["status"] != "succeeded" || doc["percent"] != 100.0 || doc["rows_done"] != 11.0 || doc["rows_total"] != 11.0 ||
			doc["requested_by"] != e.meID(token) || doc["download_url"] == nil {
			t.Fatalf("finished export = %v", doc)
		}

		r := e.do(http.MethodGet, downloadPath(doc), token, nil)
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!regexp.MustCompile(`^attachment; filename="employees-acme-\d{4}-\d\d-\d\d\.csv"$`).MatchString(r.Header.Get("Content-Disposition")) ||
			r.Header.Get("Cache-Control") != "no-store" || int64(len(r.Body)) != int64(doc["size"].(float64)) {
			t.Fatalf("download = %d %v (%d bytes)", r.Status, r.Header, len(r.Body))
		}
		e.checkExportRows(readExportCSV(t, r.Body), people)

		link := e.exportEmailLink("ada@acme.example")
		byLink := e.do(http.MethodGet, link, "", nil)
		if byLink.Status != http.StatusOK || !bytes.Equal(byLink.Body, r.Body) {
			t.Fatalf("the emailed link downloads %d (%d bytes); want the same %d bytes", byLink.Status, len(byLink.Body), len(r.Body))
		}
		var hows []any
		for _, ev := range e.exportAudit("export.download") {
			hows = append(hows, exportDetails(t, ev)["how"])
		}
		if !reflect.DeepEqual(hows, []any{"link", "token"}) {
			t.Fatalf("audited downloads (newest first): %v", hows)
		}
		req := e.exportAudit("export.request")
		if len(req) != 1 || req[0].ActorID != e.meID(token) ||
			!reflect.DeepEqual(exportDetails(t, req[0])["filter"], map[string]any{"department": "Sales"}) {
			t.Fatalf("audited request: %+v", req)
		}
	})
}

// checkExportRows compares the file with the seeded Sales people.
func (e *adminEnv) checkExportRows(records [][]string, p exportPeople) {
	e.t.Helper()
	sales := append([]directory.Account{p.boss, p.ann, p.bob, p.fran, p.gone}, p.formulas...)
	if len(records)-1 != len(sales) {
		e.t.Fatalf("%d rows; want %d (Sales only)", len(records)-1, len(sales))
	}
	byID := map[string][]string{}
	for i, rec := range records[1:] {
		if i > 0 && rec[0] <= records[i][0] {
			e.t.Fatalf("rows are not in id order: %q after %q", rec[0], records[i][0])
		}
		byID[rec[0]] = rec
	}
	for _, a := range sales {
		rec, ok := byID[a.ID]
		if !ok {
			e.t.Fatalf("%s is missing from the export", a.UserName)
		}
		e.checkExportRow(rec, a, a.ManagerID == p.boss.ID)
	}
}

// checkExportRow compares one record with the stored account, and
// follows its claim link.
func (e *adminEnv) checkExportRow(rec []string, a directory.Account, managed bool) {
	e.t.Helper()
	stored, err := e.store.Account(e.t.Context(), a.OrgID, a.ID)
	must(e.t, err)
	want := map[string]string{
		"User name": a.UserName, "Full name": export.Neutralise(a.DisplayName), "Given name": a.GivenName,
		"Family name": a.FamilyName, "Email": a.PrimaryEmail(), "Employee number": export.Neutralise(a.EmployeeNumber),
		"Title": export.Neutralise(a.Title), "Department": a.Department, "Sign-in method": "password",
		"Status": string(directory.StatusOf(stored)), "Access code": e.inviter.AccessCode(stored),
	}
	if managed {
		want["Manager name"], want["Manager employee number"] = "Big Boss", "M-1"
	}
	for name, at := range map[string]*time.Time{"Invited at": stored.InvitedAt, "Claimed at": stored.ClaimedAt} {
		if at != nil {
			want[name] = at.UTC().Format(time.RFC3339)
		}
	}
	for name, value := range want {
		if got := column(rec, name); got != value {
			e.t.Errorf("%s: %s = %q; want %q", a.UserName, name, got, value)
		}
	}
	if strings.HasPrefix(a.DisplayName, "=") && !strings.HasPrefix(column(rec, "Full name"), "'=") {
		e.t.Errorf("%s: a formula was not neutralised: %q", a.UserName, column(rec, "Full name"))
	}
	e.checkClaimLink(column(rec, "Claim link"), stored)
	if (column(rec, "Access code") != "") != (stored.PrimaryEmail() == "" && directory.StatusOf(stored) == directory.StatusInvited) {
		e.t.Errorf("%s: access code %q; want one exactly for invited people without email", a.UserName, column(rec, "Access code"))
	}
}

// checkClaimLink: a link is there exactly for invited, active people,
// and it is theirs: resolving it finds the account.
func (e *adminEnv) checkClaimLink(link string, a directory.Account) {
	e.t.Helper()
	wantLink := directory.StatusOf(a) == directory.StatusInvited
	if (link != "") != wantLink {
		e.t.Errorf("%s (%s): claim link %q", a.UserName, directory.StatusOf(a), link)
		return
	}
	if !wantLink {
		return
	}
	token, ok := strings.CutPrefix(link, testBaseURL+"/claim/")
	if !ok {
		e.t.Fatalf("%s: claim link %q is not under %s/claim/", a.UserName, link, testBaseURL)
	}
	got, err := e.inviter.ResolveLink(e.t.Context(), e.store, token)
	if err != nil || got.ID != a.ID {
		e.t.Errorf("%s: the exported claim link resolves to %q, %v", a.UserName, got.ID, err)
	}
}

var downloadLinkPattern = regexp.MustCompile(regexp.QuoteMeta(testBaseURL) + `(/admin/v1/exports/[^\s]+/download\?[^\s]+)`)

// exportEmailLink waits for the export-ready email to recipient and
// returns its download link as a path with query.
func (e *adminEnv) exportEmailLink(recipient string) string {
	e.t.Helper()
	var link string
	e.waitFor("the export-ready email", func() bool {
		for _, m := range e.smtp.Messages() {
			if len(m.To) == 1 && m.To[0] == recipient && strings.Contains(m.Subject, "export is ready") {
				if match := downloadLinkPattern.FindStringSubmatch(m.Text); match != nil {
					link = match[1]
					return true
				}
				e.t.Fatalf("the export-ready email has no download link:\n%s", m.Text)
			}
		}
		return false
	})
	return link
}

// exportAudit lists the org's audit events of action, newest first.
func (e *adminEnv) exportAudit(action string) []directory.AuditEvent {
	e.t.Helper()
	events, err := e.store.ListAudit(e.t.Context(), e.org.ID, directory.AuditQuery{Action: action, Limit: 100})
	must(e.t, err)
	return events
}

// exportDetails decodes an audit event's details.
func exportDetails(t *testing.T, ev directory.AuditEvent) map[string]any {
	t.Helper()
	var d map[string]any
	must(t, json.Unmarshal(ev.Details, &d))
	return d
}
