package pages_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
)

// apiClient is the mobile app: JSON, a bearer claim token, no cookies.
type apiClient struct {
	e     *env
	token string
}

type apiAnswer struct {
	status int
	header http.Header
	body   map[string]any
}

func (a apiAnswer) errorCode() string {
	e, _ := a.body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func (a apiAnswer) errorField() string {
	e, _ := a.body["error"].(map[string]any)
	field, _ := e["field"].(string)
	return field
}

func (c *apiClient) call(method, path, contentType string, body io.Reader) apiAnswer {
	c.e.t.Helper()
	req, _ := http.NewRequest(method, c.e.base+"/api/v1/claim"+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.e.server.Client().Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if len(resp.Cookies()) > 0 {
		c.e.t.Fatalf("%s %s set cookies: %v", method, path, resp.Cookies())
	}
	out := apiAnswer{status: resp.StatusCode, header: resp.Header}
	if err := json.NewDecoder(resp.Body).Decode(&out.body); err != nil {
		c.e.t.Fatalf("%s %s: %d, not JSON: %v", method, path, resp.StatusCode, err)
	}
	return out
}

func (c *apiClient) post(path string, body any) apiAnswer {
	c.e.t.Helper()
	raw, _ := json.Marshal(body)
	return c.call(http.MethodPost, path, "application/json", bytes.NewReader(raw))
}

func (c *apiClient) get(path string) apiAnswer {
	c.e.t.Helper()
	return c.call(http.MethodGet, path, "", nil)
}

// want checks the status and, for errors, the code and field.
func (a apiAnswer) want(t *testing.T, what string, status int, codeAndField ...string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: status %d; want %d: %v", what, a.status, status, a.body)
	}
	if len(codeAndField) > 0 && a.errorCode() != codeAndField[0] {
		t.Fatalf("%s: error code %q; want %q: %v", what, a.errorCode(), codeAndField[0], a.body)
	}
	if len(codeAndField) > 1 && a.errorField() != codeAndField[1] {
		t.Fatalf("%s: error field %q; want %q: %v", what, a.errorField(), codeAndField[1], a.body)
	}
}

func (a apiAnswer) nextStep() string { s, _ := a.body["next_step"].(string); return s }

// TestClaimAPI: the mobile app's claim by access code, every step as
// JSON, with the errors an app must handle.
func TestClaimAPI(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		terms := e.publishTerms("Be kind.")
		group := e.group("Everyone", directory.GroupFlags{Default: true})
		e.user(person{userName: "taken", email: "taken@acme.example", given: "Other", family: "Person"})
		sam := e.user(person{userName: "E1234", given: "Sam", family: "Field", frontline: true, invited: true})
		app := &apiClient{e: e}

		app.post("/code", map[string]string{"code": "ABCD-EFGH-JKLM-NPQR"}).want(t, "unknown code", http.StatusNotFound, "unknown", "code")
		app.post("/code", "not an object").want(t, "bad JSON", http.StatusBadRequest, "invalid")
		start := app.post("/code", map[string]string{"code": e.code(sam)})
		start.want(t, "redeem", http.StatusOK)
		app.token, _ = start.body["claim_token"].(string)
		if len(app.token) < 43 || start.nextStep() != "terms" {
			t.Fatalf("redeem answered %v", start.body)
		}
		if acc, _ := start.body["account"].(map[string]any); acc["username"] != "E1234" {
			t.Fatalf("account = %v", start.body["account"])
		}
		if s, err := e.session(app.token); err != nil || s.Purpose != directory.PurposeClaim {
			t.Fatalf("the claim token is no claim session: %+v %v", s, err)
		}

		state := app.get("")
		state.want(t, "state", http.StatusOK)
		if state.body["claim_token"] != nil || state.nextStep() != "terms" {
			t.Fatalf("state = %v", state.body)
		}
		app.post("/profile", map[string]string{"phone": "555 0100"}).want(t, "out of order", http.StatusConflict, "step_order")
		app.post("/skip", map[string]string{"step": "terms"}).want(t, "skip required terms", http.StatusBadRequest, "step_required")
		app.post("/terms", map[string]any{"accept": true, "version": terms.Version + 1}).want(t, "stale terms", http.StatusBadRequest, "invalid", "accept")
		if got := app.post("/terms", map[string]any{"accept": true, "version": terms.Version}); got.nextStep() != "profile" {
			t.Fatalf("after terms: %v", got.body)
		}
		app.post("/profile", map[string]string{"phone": "call me"}).want(t, "bad phone", http.StatusBadRequest, "invalid", "phone")
		app.post("/profile", map[string]string{"phone": "555 0100"}).want(t, "profile", http.StatusOK)

		raw := app.call(http.MethodPost, "/picture", "image/png", bytes.NewReader(pngPicture(t, 80)))
		raw.want(t, "raw picture", http.StatusOK)
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		fw, _ := w.CreateFormFile("picture", "me.png")
		_, _ = fw.Write(pngPicture(t, 90))
		_ = w.Close()
		multi := app.call(http.MethodPost, "/picture", w.FormDataContentType(), &body)
		multi.want(t, "multipart picture", http.StatusOK)
		if multi.nextStep() != "username" {
			t.Fatalf("after the picture: %v", multi.body)
		}
		app.post("/username", map[string]string{"username": "Taken"}).want(t, "taken", http.StatusConflict, "username_taken", "username")
		chosen := app.post("/username", map[string]string{"username": "sam.field"})
		chosen.want(t, "username", http.StatusOK)
		if acc, _ := chosen.body["account"].(map[string]any); acc["username"] != "sam.field" {
			t.Fatalf("account after choosing a username = %v", chosen.body["account"])
		}
		app.post("/password", map[string]string{"password": "12345678", "confirm": "12345678"}).want(t, "weak", http.StatusBadRequest, "invalid", "password")
		app.post("/password", map[string]string{"password": "plum harbour kettle", "confirm": "plum harbour kettle"}).want(t, "password", http.StatusOK)
		groups := app.get("/groups")
		groups.want(t, "groups", http.StatusOK)
		if list, _ := groups.body["groups"].([]any); len(list) != 1 || list[0].(map[string]any)["id"] != group.ID {
			t.Fatalf("groups = %v", groups.body)
		}
		app.post("/complete", nil).want(t, "complete early", http.StatusConflict, "steps_left")
		closed := e.group("Board", directory.GroupFlags{})
		for _, id := range []string{closed.ID, "not-an-id"} {
			app.post("/groups", map[string][]string{"groups": {id}}).want(t, "closed group "+id, http.StatusBadRequest, "invalid", "groups")
		}
		if n, _ := e.store.CountMembers(t.Context(), e.org.ID, closed.ID); n != 0 {
			t.Fatal("joined a closed group")
		}
		if got := app.post("/groups", map[string][]string{"groups": {group.ID}}); got.nextStep() != "" {
			t.Fatalf("after the groups: %v", got.body)
		}
		done := app.post("/complete", nil)
		done.want(t, "complete", http.StatusOK)
		if done.body["claimed"] != true || done.body["session_token"] == "" || done.body["session_token"] == app.token {
			t.Fatalf("complete answered %v", done.body)
		}
		if acc, _ := done.body["account"].(map[string]any); acc["username"] != "sam.field" {
			t.Fatalf("claimed account = %v", done.body["account"])
		}
		// The chosen name is a sign-in name; the IdP's userName stays.
		if got := e.account(sam.ID); got.State != directory.StateClaimed || got.UserName != "E1234" ||
			got.SignInName != "sam.field" || got.PictureID == "" {
			t.Fatalf("after the claim: %+v", got)
		}
		app.get("").want(t, "claim token after the claim", http.StatusUnauthorized, "session_ended")
		app.token = "not-a-token"
		app.get("").want(t, "bad token", http.StatusUnauthorized, "session_ended")
	})
}

// TestClaimAPIRaces: two claim tokens of one code; when one completes,
// the other gets 409; an expired code gets 410; guessing gets 429.
func TestClaimAPIRaces(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		sam := e.user(person{userName: "E1", given: "Sam", family: "Field", frontline: true, invited: true})
		first, second := &apiClient{e: e}, &apiClient{e: e}
		for _, c := range []*apiClient{first, second} {
			got := c.post("/code", map[string]string{"code": e.code(sam)})
			got.want(t, "redeem", http.StatusOK)
			c.token = got.body["claim_token"].(string)
		}
		for _, step := range []string{"profile", "picture"} {
			first.post("/skip", map[string]string{"step": step}).want(t, "skip "+step, http.StatusOK)
		}
		first.post("/username", map[string]string{"username": "sam.f"}).want(t, "username", http.StatusOK)
		first.post("/password", map[string]string{"password": "plum harbour kettle", "confirm": "plum harbour kettle"}).want(t, "password", http.StatusOK)
		first.post("/complete", nil).want(t, "complete", http.StatusOK)
		second.get("").want(t, "second token", http.StatusConflict, "already_claimed")

		old := e.user(person{userName: "E2", given: "Old", family: "Code", frontline: true, invited: true})
		code := e.code(old)
		e.clock.Advance(claim.DefaultCodeTTL + time.Hour)
		(&apiClient{e: e}).post("/code", map[string]string{"code": code}).want(t, "expired", http.StatusGone, "expired")

		guesser := &apiClient{e: e}
		var last apiAnswer
		for range 10 {
			if last = guesser.post("/code", map[string]string{"code": "ABCDEFGHJKLMNPQR"}); last.status == http.StatusTooManyRequests {
				break
			}
		}
		last.want(t, "guessing", http.StatusTooManyRequests, "too_many_attempts")
		if last.header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	})
}
