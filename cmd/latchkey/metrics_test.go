package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/mailer/mailtest"
)

// entraAgent is a User-Agent of Microsoft Entra ID's provisioning service.
const entraAgent = "Microsoft.Identity.Provisioning/1.0"

// TestMetricsEndToEnd drives `latchkey serve` on each backend through
// what the metrics count: an IdP with Entra's agent pushes two people, an
// operator invites one (an email goes out through a real SMTP server and
// a reminder is scheduled), a wrong access code and a wrong password are
// tried, and the other person claims with their code. /metrics then shows
// every family with the labels that say what happened, and the SCIM
// request's access-log record names its organization.
func TestMetricsEndToEnd(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			smtp := mailtest.NewServer(t, mailtest.Options{})
			env := b.env(t)
			env["LATCHKEY_SMTP_URL"] = "smtp://" + smtp.Addr()
			env["LATCHKEY_BASE_URL"] = publicBase
			srv := startServer(t, env)
			api := &apiClient{t: t, base: srv.baseURL}
			api.token = mustRun(t, env, "scim-token", "create", "--org", "default", "--name", "Entra ID").lastLine()

			for _, p := range []struct{ user, email string }{{"ann@acme.test", "ann@acme.test"}, {"E-7", ""}} {
				user := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
					"userName": p.user, "active": true, "name": map[string]any{"givenName": "A", "familyName": "B"}}
				if p.email != "" {
					user["emails"] = []any{map[string]any{"value": p.email, "type": "work", "primary": true}}
				}
				if status := scimAs(t, srv.baseURL, api.token, entraAgent, user); status != http.StatusCreated {
					t.Fatalf("SCIM create %s = %d", p.user, status)
				}
			}
			mustRun(t, env, "invite", "ann@acme.test")
			waitForMail(t, smtp, "ann@acme.test")

			app := &apiClient{t: t, base: srv.baseURL + "/api/v1/claim"}
			app.want(http.StatusNotFound, "POST", "/code", map[string]string{"code": "AAAA-BBBB-CCCC-DDDD"})
			resp, err := http.PostForm(srv.baseURL+"/signin", url.Values{"login": {"nobody"}, "password": {"wrong"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			code := accessCodeInOutput.FindString(mustRun(t, env, "access-code", "issue", "E-7").stdout)
			claimWithCode(t, srv.baseURL, code, "e7.field", "a long and unguessable passphrase 42")

			// Each family, with labels (in the exposition's sorted order)
			// that show the request, job or email it counts.
			want := []string{
				`latchkey_http_requests_total{method="POST",route="/scim/v2/Users",status="201"}`,
				`latchkey_http_request_duration_seconds_count{method="POST",route="/scim/v2/Users"}`,
				`latchkey_http_requests_in_flight `,
				`latchkey_scim_operations_total{client="entra",operation="create",outcome="success",resource="User"} 2`,
				`go_sql_open_connections{db_name="latchkey"}`,
				`latchkey_jobs_completed_total{kind="claim.deliver",outcome="success"}`,
				`latchkey_jobs_queued{kind="claim.deliver",state="scheduled"}`, // ann's reminder
				`latchkey_emails_total{kind="invitation",outcome="sent"} 1`,
				`latchkey_invitation_deliveries_total{message="invitation",outcome="sent"} 1`,
				`latchkey_claims_total{method="access_code"} 1`,
				`latchkey_signin_failures_total{area="access_code",reason="unknown_code"} 1`,
				`latchkey_signin_failures_total{area="signin",reason="wrong_password"} 1`,
			}
			var scrape string
			deadline := time.Now().Add(30 * time.Second)
			for {
				scrape = fetchMetrics(t, srv.baseURL)
				missing := missingLines(scrape, want)
				if len(missing) == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("/metrics lacks %q:\n%s", missing, scrape)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if strings.Contains(scrape, `route="/scim/v2/Users/`) && !strings.Contains(scrape, `route="/scim/v2/Users/:id"`) {
				t.Errorf("a raw path became a route label:\n%s", scrape)
			}
			checkAccessLogOrg(t, srv.stderr.String())
		})
	}
}

// scimAs posts a SCIM User as an IdP with the given agent.
func scimAs(t *testing.T, base, token, agent string, user map[string]any) int {
	t.Helper()
	raw, err := json.Marshal(user)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, base+"/scim/v2/Users", strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	req.Header.Set("User-Agent", agent)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode
}

func fetchMetrics(t *testing.T, base string) string {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics = %d:\n%s", resp.StatusCode, body)
	}
	return string(body)
}

// missingLines returns the wanted prefixes no line of the scrape starts with.
func missingLines(scrape string, want []string) []string {
	var missing []string
	for _, w := range want {
		found := false
		for line := range strings.SplitSeq(scrape, "\n") {
			if strings.HasPrefix(line, w) {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, w)
		}
	}
	return missing
}

// checkAccessLogOrg: the SCIM requests' access records carry org_id.
func checkAccessLogOrg(t *testing.T, logs string) {
	t.Helper()
	for line := range strings.SplitSeq(logs, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "http request" || rec["route"] != "/scim/v2/Users" {
			continue
		}
		if org, _ := rec["org_id"].(string); org == "" {
			t.Errorf("SCIM access record without org_id: %s", line)
		}
		return
	}
	t.Error("no access record of a SCIM request in the logs")
}
