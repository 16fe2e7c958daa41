package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/mailer/mailtest"
)

// publicBase is the base URL serve is told it has; links in emails start
// with it and the test rewrites them to the loopback address it got.
const publicBase = "https://latchkey.test"

// TestAdminEndToEnd drives `latchkey serve` as an IT team would, on each
// backend with a real SMTP server: an IdP pushes people over SCIM, an admin
// (created with the CLI) bulk-invites Sales, lists the invited, exports
// them, follows the emailed download link without a token; every claim
// link in the CSV opens the claim page, and the access code in it claims
// the email-less account through the mobile API, which then signs in.
// The audit log shows it all.
func TestAdminEndToEnd(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			smtp := mailtest.NewServer(t, mailtest.Options{})
			env := b.env(t)
			env["LATCHKEY_SMTP_URL"] = "smtp://" + smtp.Addr()
			env["LATCHKEY_BASE_URL"] = publicBase
			env["LATCHKEY_REMINDERS"] = "none"
			srv := startServer(t, env)
			api := &apiClient{t: t, base: srv.baseURL}

			api.token = mustRun(t, env, "scim-token", "create", "--org", "default", "--name", "Okta").lastLine()
			for i, p := range []struct{ user, dept, email string }{
				{"ann", "Sales", "ann@acme.test"}, {"bob", "Sales", "bob@acme.test"},
				{"cy", "Sales", ""}, {"dee", "Support", "dee@acme.test"},
			} {
				user := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User",
					"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
					"userName": p.user + "@acme.test", "displayName": strings.ToUpper(p.user[:1]) + p.user[1:] + " Example",
					"name":   map[string]any{"givenName": p.user, "familyName": "Example"},
					"active": true,
					"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{
						"department": p.dept, "employeeNumber": fmt.Sprint(100 + i)}}
				if p.email != "" {
					user["emails"] = []any{map[string]any{"value": p.email, "type": "work", "primary": true}}
				}
				api.want(http.StatusCreated, "POST", "/scim/v2/Users", user)
			}

			api.token = mustRun(t, env, "admin", "create", "--org", "default", "--email", "it@acme.test", "--role", "account_manager").lastLine()
			// cy has no email: invited with an access code as soon as pushed.
			counts := api.want(http.StatusOK, "GET", "/admin/v1/people/counts?department=Sales", nil)
			if counts["not_invited"] != 2.0 || counts["invited"] != 1.0 || counts["total"] != 3.0 {
				t.Fatalf("counts of Sales = %v", counts)
			}
			bulk := api.want(http.StatusAccepted, "POST", "/admin/v1/bulk-actions",
				map[string]any{"action": "invite", "status": "not_invited", "department": "Sales"})
			api.waitDone("/admin/v1/bulk-actions/" + bulk["id"].(string))
			smtp.Wait(2) // ann and bob

			invited := api.want(http.StatusOK, "GET", "/admin/v1/people?status=invited&sort=userName", nil)
			if got := userNames(invited["items"]); got != "ann@acme.test bob@acme.test cy@acme.test" {
				t.Fatalf("invited people = %s", got)
			}

			export := api.want(http.StatusAccepted, "POST", "/admin/v1/exports", map[string]any{"status": "invited"})
			api.waitDone("/admin/v1/exports/" + export["id"].(string))
			mail := waitForMail(t, smtp, "it@acme.test")
			link := regexp.MustCompile(publicBase + `/admin/v1/exports/\S+`).FindString(mail.Text)
			if link == "" {
				t.Fatalf("no download link in the export email:\n%s", mail.Text)
			}
			rows := fetchCSV(t, srv.baseURL+strings.TrimPrefix(link, publicBase))
			if len(rows) != 4 {
				t.Fatalf("export has %d lines; want a header and 3 people:\n%v", len(rows), rows)
			}
			header := strings.Join(rows[0], ",")
			linkCol, codeCol := column(t, rows[0], "claim link"), column(t, rows[0], "access code")
			codes := 0
			for _, row := range rows[1:] {
				if row[linkCol] == "" {
					t.Fatalf("row of an invited person without claim link (%s):\n%v", header, row)
				}
				checkClaimPage(t, srv.baseURL+strings.TrimPrefix(row[linkCol], publicBase))
				if row[codeCol] != "" { // cy, who has no email
					codes++
					claimWithCode(t, srv.baseURL, row[codeCol], "cy.field", "a long and unguessable passphrase 42")
				}
			}
			if codes != 1 {
				t.Fatalf("%d access codes in the export; want cy's", codes)
			}
			signIn(t, srv.baseURL, "cy.field", "a long and unguessable passphrase 42")

			// The audit log covers the IdP's writes, the admin's actions,
			// the export and its download, the claim and the sign-in.
			audit := api.want(http.StatusOK, "GET", "/admin/v1/audit?limit=1000", nil)
			got := actions(audit["items"])
			for _, want := range []string{"user.create", "bulk_action.create", "account.invite", "export.request",
				"export.download", "account.claim", "session.sign_in"} {
				if !strings.Contains(" "+got+" ", " "+want+" ") {
					t.Errorf("the audit log has no %s: %s", want, got)
				}
			}
		})
	}
}

// apiClient calls the running server with a bearer token.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func (c *apiClient) want(status int, method, path string, body any) map[string]any {
	c.t.Helper()
	var reader io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, reader)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		c.t.Fatalf("%s %s = %d; want %d\n%s", method, path, resp.StatusCode, status, raw)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

// waitDone polls a background job's status until it succeeded.
func (c *apiClient) waitDone(path string) {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := c.want(http.StatusOK, "GET", path, nil)
		switch got["status"] {
		case "succeeded":
			return
		case "failed":
			c.t.Fatalf("%s failed: %v", path, got)
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s did not finish: %v", path, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitForMail(t *testing.T, smtp *mailtest.Server, to string) mailtest.Message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range smtp.Messages() {
			if len(m.To) == 1 && m.To[0] == to {
				return m
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no email to %s", to)
	return mailtest.Message{}
}

// fetchCSV downloads a CSV without credentials and parses it.
func fetchCSV(t *testing.T, rawURL string) [][]string {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s = %d %s\n%s", rawURL, resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatalf("the export is not RFC 4180 CSV: %v", err)
	}
	return rows
}

func column(t *testing.T, header []string, name string) int {
	t.Helper()
	for i, h := range header {
		if strings.EqualFold(strings.TrimPrefix(h, "\ufeff"), name) {
			return i
		}
	}
	t.Fatalf("no %q column in %v", name, header)
	return -1
}

// checkClaimPage opens a claim link as the person would.
func checkClaimPage(t *testing.T, rawURL string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Get started") {
		t.Fatalf("claim link %s = %d:\n%s", rawURL, resp.StatusCode, page)
	}
}

// claimWithCode claims an account as the mobile app does, with the
// access code, a username and a password, skipping what may be skipped.
func claimWithCode(t *testing.T, base, code, username, password string) {
	t.Helper()
	app := &apiClient{t: t, base: base + "/api/v1/claim"}
	state := app.want(http.StatusOK, "POST", "/code", map[string]string{"code": code})
	app.token, _ = state["claim_token"].(string)
	for step := 0; state["next_step"] != nil && state["next_step"] != "" && step < 10; step++ {
		switch next := state["next_step"].(string); next {
		case "username":
			state = app.want(http.StatusOK, "POST", "/username", map[string]string{"username": username})
		case "password":
			state = app.want(http.StatusOK, "POST", "/password", map[string]string{"password": password, "confirm": password})
		case "complete":
			state = map[string]any{}
		default:
			state = app.want(http.StatusOK, "POST", "/skip", map[string]string{"step": next})
		}
	}
	done := app.want(http.StatusOK, "POST", "/complete", nil)
	if done["claimed"] != true {
		t.Fatalf("claim with the exported access code: %v", done)
	}
}

// signIn posts the sign-in form as a browser would.
func signIn(t *testing.T, base, login, password string) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := client.PostForm(base+"/signin", url.Values{"login": {login}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		page, _ := io.ReadAll(resp.Body)
		t.Fatalf("sign-in = %d:\n%s", resp.StatusCode, page)
	}
}

func userNames(items any) string {
	var names []string
	for _, it := range items.([]any) {
		names = append(names, it.(map[string]any)["userName"].(string))
	}
	return strings.Join(names, " ")
}

func actions(items any) string {
	var names []string
	for _, it := range items.([]any) {
		names = append(names, it.(map[string]any)["action"].(string))
	}
	return strings.Join(names, " ")
}
