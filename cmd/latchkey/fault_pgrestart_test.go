package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/pgcluster"
)

// TestPostgresRestartUnderLoad runs `latchkey serve` on a private
// PostgreSQL while four SCIM clients create and read users, and takes the
// database away twice: a crash restart (pg_ctl restart -m immediate), then
// a crash followed by two seconds down. Every failed request is a 503
// with Retry-After and a SCIM error body, never a 500 or a dropped
// connection; the server serves again by itself within seconds of the
// database; every user created before, between or after the outages is
// there exactly once with all its attributes, and a create refused with
// 503 left either nothing or the whole user.
func TestPostgresRestartUnderLoad(t *testing.T) {
	pg := pgcluster.New(t, os.Getenv)
	env := map[string]string{
		"LATCHKEY_DATABASE_URL":    pg.URL(),
		"LATCHKEY_SECRET_KEY":      "test-secret-key-of-at-least-32-characters",
		"LATCHKEY_SCIM_RATE_LIMIT": "100000",
		"LATCHKEY_REQUEST_TIMEOUT": "10s",
		"LATCHKEY_REMINDERS":       "none",
	}
	srv := startServer(t, env)
	token := mustRun(t, env, "scim-token", "create", "--org", "default", "--name", "load").lastLine()
	load := startLoad(t, srv.baseURL, token, 4)
	load.waitFor(t, "creates before the outages", time.Time{}, 20, http.StatusCreated)

	down := time.Now()
	pg.Restart(pgcluster.Immediate)
	load.logRecovery(t, "crash restart", down, time.Now())

	down = time.Now()
	pg.Stop(pgcluster.Immediate)
	load.waitFor(t, "503s while PostgreSQL is down", down, 8, http.StatusServiceUnavailable)
	time.Sleep(time.Until(down.Add(2 * time.Second))) // down a while: pools keep failing to connect
	pg.Start()
	load.logRecovery(t, "crash, down 2s", down, time.Now())

	load.waitFor(t, "creates after the outages", time.Now(), 20, http.StatusCreated)
	load.stop()
	if !load.checkResponses(t) {
		logFailedRequests(t, srv.stderr.String())
	}
	load.checkUsers(t, listUsers(t, srv.baseURL, token))
}

// recoveryBound is how soon after PostgreSQL accepts connections again
// the server must create users again. Generous: the machine is shared.
const recoveryBound = 30 * time.Second

// loadResult is one request of the load.
type loadResult struct {
	create     bool   // POST /Users (else GET /Users/{id})
	userName   string // the user posted or read
	id         string // the id a 201 answered
	status     int    // 0: no HTTP answer (err)
	err        error
	retryAfter string
	body       map[string]any
	start, end time.Time
}

// load is SCIM clients creating users, each read back once created.
type load struct {
	base, token string
	client      *http.Client
	done        chan struct{}
	wg          sync.WaitGroup
	stopOnce    sync.Once

	mu      sync.Mutex
	results []loadResult
}

// maxRequestsPerClient bounds the load should a wait never end.
const maxRequestsPerClient = 5000

func startLoad(t *testing.T, base, token string, clients int) *load {
	l := &load{base: base, token: token, done: make(chan struct{}),
		client: &http.Client{Timeout: 20 * time.Second}}
	for c := range clients {
		l.wg.Add(1)
		go l.run(c)
	}
	t.Cleanup(l.stop)
	return l
}

func (l *load) stop() {
	l.stopOnce.Do(func() { close(l.done) })
	l.wg.Wait()
}

func (l *load) run(client int) {
	defer l.wg.Done()
	for i := range maxRequestsPerClient {
		select {
		case <-l.done:
			return
		case <-time.After(5 * time.Millisecond): // leave the shared CPUs some air
		}
		userName := fmt.Sprintf("load-%d-%04d@acme.test", client, i)
		created := l.send(true, userName, http.MethodPost, "/scim/v2/Users", loadUser(userName))
		if created.status == http.StatusCreated {
			l.send(false, userName, http.MethodGet, "/scim/v2/Users/"+created.id, nil)
		}
	}
}

// loadUser is the user the load posts; checkUsers expects exactly this.
func loadUser(userName string) map[string]any {
	return map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		"userName":    userName,
		"displayName": "Display " + userName,
		"name":        map[string]any{"givenName": "Given " + userName, "familyName": "Load"},
		"emails":      []any{map[string]any{"value": userName, "type": "work", "primary": true}},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{
			"department": "Dept " + userName, "employeeNumber": "E-" + userName},
	}
}

func (l *load) send(create bool, userName, method, path string, body any) loadResult {
	r := loadResult{create: create, userName: userName, start: time.Now()}
	var reader io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		reader = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, l.base+path, reader)
	req.Header.Set("Authorization", "Bearer "+l.token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := l.client.Do(req)
	if err != nil {
		r.err = err
	} else {
		r.status, r.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
		_ = json.NewDecoder(resp.Body).Decode(&r.body)
		_ = resp.Body.Close()
		if id, ok := r.body["id"].(string); ok && create {
			r.id = id
		}
	}
	r.end = time.Now()
	l.mu.Lock()
	l.results = append(l.results, r)
	l.mu.Unlock()
	return r
}

// count is how many requests that started after since got status.
func (l *load) count(since time.Time, create bool, status int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.results {
		if !r.start.Before(since) && r.status == status && (r.create || !create) {
			n++
		}
	}
	return n
}

// waitFor waits until n requests started after since got status (creates
// only, for 201), failing the test after recoveryBound.
func (l *load) waitFor(t *testing.T, what string, since time.Time, n, status int) time.Duration {
	t.Helper()
	begin := time.Now()
	for l.count(since, status == http.StatusCreated, status) < n {
		if time.Since(begin) > recoveryBound {
			t.Fatalf("%s: %d of %d within %s", what, l.count(since, status == http.StatusCreated, status), n, recoveryBound)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(begin)
}

// logRecovery waits for a create that started after PostgreSQL was back
// (up) to succeed, and logs how long the outage (from down) and the
// recovery took.
func (l *load) logRecovery(t *testing.T, what string, down, up time.Time) {
	t.Helper()
	took := l.waitFor(t, "creates after the "+what, up, 1, http.StatusCreated)
	t.Logf("%s: PostgreSQL away for %s; serving again %s after it accepted connections; %d requests answered 503 so far",
		what, up.Sub(down).Round(time.Millisecond), took.Round(time.Millisecond),
		l.count(time.Time{}, false, http.StatusServiceUnavailable))
}

// checkResponses: every answer is a success or a proper 503, never a 500
// or a connection our server dropped. It reports whether all were.
func (l *load) checkResponses(t *testing.T) bool {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var ok, unavailable, wrong int
	bad := func(format string, args ...any) {
		t.Helper()
		if wrong++; wrong <= 10 { // the first few tell the story
			t.Errorf(format, args...)
		}
	}
	for _, r := range l.results {
		switch {
		case r.err != nil:
			bad("%s: no HTTP answer after %s: %v", r.describe(), r.end.Sub(r.start), r.err)
		case r.status == http.StatusCreated && r.create, r.status == http.StatusOK && !r.create:
			ok++
		case r.status == http.StatusServiceUnavailable:
			unavailable++
			if r.retryAfter == "" || !isSCIMError(r.body, "503") {
				bad("%s: 503 with Retry-After %q and body %v; want Retry-After and a SCIM error", r.describe(), r.retryAfter, r.body)
			}
		default:
			bad("%s: %d %v; want success or 503", r.describe(), r.status, r.body)
		}
	}
	t.Logf("%d requests: %d succeeded, %d answered 503, %d wrong", len(l.results), ok, unavailable, wrong)
	if unavailable == 0 {
		t.Error("no request saw the outage; the test proved nothing")
	}
	return wrong == 0
}

// logFailedRequests shows why the server answered what it did.
func logFailedRequests(t *testing.T, serverLog string) {
	for _, line := range strings.Split(serverLog, "\n") {
		if strings.Contains(line, "request failed") {
			t.Log(line)
		}
	}
}

func (r loadResult) describe() string {
	if r.create {
		return "POST " + r.userName
	}
	return "GET " + r.userName
}

func isSCIMError(body map[string]any, status string) bool {
	schemas, _ := body["schemas"].([]any)
	return body["status"] == status && slices.Contains(schemas, any("urn:ietf:params:scim:api:messages:2.0:Error"))
}

// checkUsers: each 201 is stored once under its id; a create without a
// 201 left nothing or all of it; nothing else is stored.
func (l *load) checkUsers(t *testing.T, stored []map[string]any) {
	t.Helper()
	byName := map[string][]map[string]any{}
	for _, u := range stored {
		name, _ := u["userName"].(string)
		byName[name] = append(byName[name], u)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	posted := map[string]bool{}
	created, leftovers := 0, 0
	for _, r := range l.results {
		if !r.create {
			continue
		}
		posted[r.userName] = true
		found := byName[r.userName]
		switch {
		case len(found) > 1:
			t.Errorf("%s is stored %d times", r.userName, len(found))
		case r.status == http.StatusCreated && len(found) == 0:
			t.Errorf("%s was created (201, id %s) but is gone", r.userName, r.id)
		case r.status == http.StatusCreated && found[0]["id"] != r.id:
			t.Errorf("%s was created as %s but is stored as %v", r.userName, r.id, found[0]["id"])
		}
		if len(found) == 0 {
			continue
		}
		if r.status == http.StatusCreated {
			created++
		} else {
			leftovers++ // committed, but the answer was lost in the outage
		}
		if problem := incomplete(found[0]); problem != "" {
			t.Errorf("%s (create answered %d) is stored half-written: %s", r.userName, r.status, problem)
		}
	}
	for name := range byName {
		if !posted[name] {
			t.Errorf("%s is stored but was never posted", name)
		}
	}
	t.Logf("%d users stored: %d answered 201, %d committed although the answer was 503", len(stored), created, leftovers)
}

// incomplete compares a stored user with what loadUser posted.
func incomplete(u map[string]any) string {
	userName, _ := u["userName"].(string)
	want := loadUser(userName)
	name, _ := u["name"].(map[string]any)
	emails, _ := u["emails"].([]any)
	ext, _ := u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)
	wantExt := want["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)
	switch {
	case u["displayName"] != want["displayName"]:
		return fmt.Sprintf("displayName %v", u["displayName"])
	case name["givenName"] != "Given "+userName || name["familyName"] != "Load":
		return fmt.Sprintf("name %v", name)
	case len(emails) != 1 || emails[0].(map[string]any)["value"] != userName:
		return fmt.Sprintf("emails %v", emails)
	case ext["department"] != wantExt["department"] || ext["employeeNumber"] != wantExt["employeeNumber"]:
		return fmt.Sprintf("enterprise extension %v", ext)
	}
	return ""
}

// listUsers reads every user over SCIM, a page at a time.
func listUsers(t *testing.T, base, token string) []map[string]any {
	t.Helper()
	api := &apiClient{t: t, base: base, token: token}
	var all []map[string]any
	for start := 1; ; {
		q := url.Values{"sortBy": {"userName"}, "startIndex": {fmt.Sprint(start)}, "count": {"200"}}
		page := api.want(http.StatusOK, http.MethodGet, "/scim/v2/Users?"+q.Encode(), nil)
		items, _ := page["Resources"].([]any)
		for _, item := range items {
			all = append(all, item.(map[string]any))
		}
		total, _ := page["totalResults"].(float64)
		start += len(items)
		if len(items) == 0 || start > int(total) {
			if len(all) != int(total) {
				t.Fatalf("read %d users; the server counts %v", len(all), total)
			}
			return all
		}
	}
}
