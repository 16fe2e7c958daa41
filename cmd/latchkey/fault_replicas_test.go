package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/mailer/mailtest"
)

// TestTwoReplicas: two `latchkey serve` processes on one PostgreSQL
// database, on different ports, behave as one service. The IdP's writes
// land on either and are read back on the other; a bulk invitation
// asked on one is delivered once whichever replica's workers run it; a
// claim started on one continues on the other; a session signed in on
// one is valid on the other; an export requested on one is followed and
// downloaded on the other; one SCIM token's rate limit is one limit
// across both. Nothing a request needs lives only in the memory of the
// replica that answered the one before.
func TestTwoReplicas(t *testing.T) {
	pg := backends[1]
	if pg.name != "postgres" {
		t.Fatal("backends[1] is not PostgreSQL")
	}
	smtp := mailtest.NewServer(t, mailtest.Options{})
	env := pg.env(t)
	env["LATCHKEY_SMTP_URL"] = "smtp://" + smtp.Addr()
	env["LATCHKEY_BASE_URL"] = publicBase
	env["LATCHKEY_REMINDERS"] = "none"
	env["LATCHKEY_SCIM_RATE_LIMIT"] = "20" // bursts of 40; see the end
	a := startProcess(t, "replica A", env)
	b := startProcess(t, "replica B", env)
	replicas := []*serverProcess{a, b}
	on := func(i int) string { return replicas[i%2].baseURL() }

	// SCIM: create on alternate replicas, read and change on the other.
	token := mustRun(t, env, "scim-token", "create", "--org", "default", "--name", "Entra").lastLine()
	ids := map[string]string{}
	for i := range 10 {
		scim := &apiClient{t: t, base: on(i), token: token}
		u := pushedUser{UserName: fmt.Sprintf("rep%02d@acme.test", i), Title: "v1", Department: "Sales",
			Email: fmt.Sprintf("rep%02d@mail.acme.test", i)}
		if i == 9 {
			u.Email = "" // claims with an access code
		}
		body := userBody(u)
		if u.Email == "" {
			delete(body, "emails")
		}
		created := scim.want(http.StatusCreated, "POST", "/scim/v2/Users", body)
		ids[u.UserName] = created["id"].(string)
		other := &apiClient{t: t, base: on(i + 1), token: token}
		got := other.want(http.StatusOK, "GET", "/scim/v2/Users/"+ids[u.UserName], nil)
		if got["userName"] != u.UserName {
			t.Fatalf("replica %d reads %v for a user created on the other", (i+1)%2, got["userName"])
		}
		other.want(http.StatusOK, "PATCH", "/scim/v2/Users/"+ids[u.UserName], map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []map[string]any{{"op": "Replace", "path": "title", "value": "v2"}}})
	}
	if users := scimUsers(t, b.baseURL(), token); len(users) != 10 {
		t.Fatalf("replica B lists %d users; want 10", len(users))
	}

	// A bulk invitation asked on A: delivered once each, by whichever
	// replica's workers take the jobs.
	admin := &apiClient{t: t, base: a.baseURL(),
		token: mustRun(t, env, "admin", "create", "--org", "default", "--email", "it@acme.test", "--role", "system_admin").lastLine()}
	bulk := admin.want(http.StatusAccepted, "POST", "/admin/v1/bulk-actions",
		map[string]any{"action": "invite", "status": "not_invited", "department": "Sales"})
	(&apiClient{t: t, base: b.baseURL(), token: admin.token}).waitDone("/admin/v1/bulk-actions/" + bulk["id"].(string))
	checkInvitedTo(t, smtp, 9, "rep")

	// The claim link in an email sent by either replica opens on both.
	mail := waitForMail(t, smtp, "rep00@mail.acme.test")
	link := regexp.MustCompile(publicBase + `/claim/\S+`).FindString(mail.Text)
	for _, r := range replicas {
		checkClaimPage(t, r.baseURL()+strings.TrimPrefix(link, publicBase))
	}

	// A claim with an access code, its steps alternating replicas.
	person := admin.want(http.StatusOK, "GET", "/admin/v1/people/"+ids["rep09@acme.test"], nil)
	if person["status"] != "invited" {
		t.Fatalf("the email-less person is %v; want invited with an access code", person["status"])
	}
	secret := (&apiClient{t: t, base: b.baseURL(), token: admin.token}).want(http.StatusOK, "GET",
		"/admin/v1/people/"+ids["rep09@acme.test"]+"/claim", nil)
	accessCode, _ := secret["access_code"].(string)
	if accessCode == "" {
		t.Fatalf("no access code: %v", secret)
	}
	claimAcross(t, replicas, accessCode, "rep09.field", "a long and unguessable passphrase 42")

	// A session signed in on A is valid on B.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := browser.PostForm(a.baseURL()+"/signin", url.Values{"login": {"rep09.field"}, "password": {"a long and unguessable passphrase 42"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = browser.Get(b.baseURL() + "/account")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Signed in as") {
		t.Fatalf("replica B does not know the session from A: %d\n%s", resp.StatusCode, page)
	}

	// An export asked on B, followed on A, downloaded from both.
	onB := &apiClient{t: t, base: b.baseURL(), token: admin.token}
	export := onB.want(http.StatusAccepted, "POST", "/admin/v1/exports", map[string]any{"status": "invited"})
	admin.waitDone("/admin/v1/exports/" + export["id"].(string))
	exportMail := waitForMail(t, smtp, "it@acme.test")
	download := regexp.MustCompile(publicBase + `/admin/v1/exports/\S+`).FindString(exportMail.Text)
	for _, r := range replicas {
		rows := fetchCSV(t, r.baseURL()+strings.TrimPrefix(download, publicBase))
		if len(rows) != 10 { // a header and the 9 invited by email (rep09 claimed)
			t.Fatalf("export from %s has %d lines; want 10", r.name, len(rows))
		}
	}

	// One SCIM token's rate limit holds across both: requests as fast as
	// they go, alternating replicas, are admitted no faster than one
	// replica alone would admit them (a burst of 40, then 20 a second).
	fresh := mustRun(t, env, "scim-token", "create", "--org", "default", "--name", "Okta").lastLine()
	admitted, refused := 0, map[string]int{}
	start := time.Now()
	for i := range 120 {
		resp := rawGet(t, on(i)+"/scim/v2/Users?count=1", fresh)
		switch resp.StatusCode {
		case http.StatusOK:
			admitted++
		case http.StatusTooManyRequests:
			if resp.Header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After from %s", replicas[i%2].name)
			}
			refused[replicas[i%2].name]++
		default:
			t.Fatalf("GET /Users = %d", resp.StatusCode)
		}
	}
	allowed := 40 + int(20*time.Since(start).Seconds()) + 1
	if admitted > allowed || len(refused) != 2 {
		t.Errorf("%d of 120 admitted in %s (one limit allows %d), refusals per replica %v",
			admitted, time.Since(start).Round(time.Millisecond), allowed, refused)
	}
}

// rawGet sends a GET with a bearer token and returns the answer, body
// closed.
func rawGet(t *testing.T, rawURL, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, rawURL, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp
}

// claimAcross claims with an access code as the mobile app does, each
// step sent to the next replica.
func claimAcross(t *testing.T, replicas []*serverProcess, code, username, password string) {
	t.Helper()
	app := func(i int) *apiClient {
		return &apiClient{t: t, base: replicas[i%len(replicas)].baseURL() + "/api/v1/claim"}
	}
	state := app(0).want(http.StatusOK, "POST", "/code", map[string]string{"code": code})
	token, _ := state["claim_token"].(string)
	step := 1
	for ; state["next_step"] != nil && state["next_step"] != "" && state["next_step"] != "complete" && step < 12; step++ {
		c := app(step)
		c.token = token
		switch next := state["next_step"].(string); next {
		case "username":
			state = c.want(http.StatusOK, "POST", "/username", map[string]string{"username": username})
		case "password":
			state = c.want(http.StatusOK, "POST", "/password", map[string]string{"password": password, "confirm": password})
		default:
			state = c.want(http.StatusOK, "POST", "/skip", map[string]string{"step": next})
		}
	}
	c := app(step)
	c.token = token
	if done := c.want(http.StatusOK, "POST", "/complete", nil); done["claimed"] != true {
		t.Fatalf("claim across replicas: %v", done)
	}
}

// checkInvitedTo waits for want messages to recipients starting with
// prefix and checks none was sent twice.
func checkInvitedTo(t *testing.T, smtp *mailtest.Server, want int, prefix string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		seen := map[string]int{}
		for _, m := range smtp.Messages() {
			if to := strings.Join(m.To, ","); strings.HasPrefix(to, prefix) {
				seen[to]++
			}
		}
		if len(seen) >= want || time.Now().After(deadline) {
			if len(seen) != want {
				t.Fatalf("%d people got an invitation; want %d", len(seen), want)
			}
			for to, n := range seen {
				if n != 1 {
					t.Errorf("%s got %d invitations", to, n)
				}
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
