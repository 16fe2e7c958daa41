package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pusher is an identity provider pushing people the way Entra ID does:
// look the user up by userName, create them when absent, otherwise PATCH
// them to what it holds; and it retries any failed step (a refused
// connection, a 5xx, a 429) until it succeeds, as IdPs do, so that a
// server crash mid-push tests that retries converge.
type pusher struct {
	base, token string
	client      *http.Client
	// sent[i] is the last attributes sent for person i (set before the
	// request, so a lost response still counts as sent).
	mu   sync.Mutex
	sent map[int]pushedUser
	// done counts people whose last step succeeded; retries counts
	// retried requests.
	done, retries atomic.Int64
}

type pushedUser struct {
	UserName, Title, Department, Email string
}

func newPusher(base, token string) *pusher {
	return &pusher{base: base, token: token, sent: map[int]pushedUser{},
		client: &http.Client{Timeout: 30 * time.Second}}
}

// push sends people 0..n-1 with workers goroutines. Every fifth person
// is changed right after creation (title "v2"), so "the last sent
// attributes" differ from the first. due marks who falls under the
// invitation rule (department "Invite").
func (p *pusher) push(ctx context.Context, n, workers int, due func(i int) bool) error {
	next := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := p.one(ctx, i, due(i)); err != nil {
					errs <- err
					return
				}
				p.done.Add(1)
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range n {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	return <-errs
}

func (p *pusher) one(ctx context.Context, i int, due bool) error {
	u := pushedUser{UserName: fmt.Sprintf("push%05d@acme.test", i), Title: "v1", Department: "Push",
		Email: fmt.Sprintf("push%05d@mail.acme.test", i)}
	if due {
		u.Department = "Invite"
	}
	if err := p.upsert(ctx, i, u); err != nil {
		return err
	}
	if i%5 == 0 {
		u.Title = "v2"
		return p.upsert(ctx, i, u)
	}
	return nil
}

// upsert is Entra's sequence for one person, retried as a whole until
// it succeeds or ctx ends.
func (p *pusher) upsert(ctx context.Context, i int, u pushedUser) error {
	p.mu.Lock()
	p.sent[i] = u
	p.mu.Unlock()
	for attempt := 0; ; attempt++ {
		err := p.try(ctx, u)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: gave up: %w (last: %v)", u.UserName, ctx.Err(), err)
		}
		p.retries.Add(1)
		time.Sleep(min(time.Duration(attempt+1)*100*time.Millisecond, time.Second))
	}
}

// try is one pass: lookup, then create or update. Any answer but the
// expected ones is an error, and the pass is retried from the lookup.
func (p *pusher) try(ctx context.Context, u pushedUser) error {
	filter := url.QueryEscape(fmt.Sprintf(`userName eq "%s"`, u.UserName))
	var found struct {
		Resources []struct{ ID string } `json:"Resources"`
	}
	if err := p.call(ctx, "GET", "/scim/v2/Users?filter="+filter, nil, http.StatusOK, &found); err != nil {
		return err
	}
	if len(found.Resources) == 0 {
		return p.call(ctx, "POST", "/scim/v2/Users", userBody(u), http.StatusCreated, nil)
	}
	patch := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []map[string]any{
			{"op": "Replace", "path": "title", "value": u.Title},
			{"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": u.Department},
		}}
	return p.call(ctx, "PATCH", "/scim/v2/Users/"+found.Resources[0].ID, patch, http.StatusOK, nil)
}

func userBody(u pushedUser) map[string]any {
	return map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		"userName": u.UserName, "active": true, "title": u.Title, "displayName": u.UserName,
		"name":   map[string]any{"givenName": "Push", "familyName": u.UserName},
		"emails": []any{map[string]any{"value": u.Email, "type": "work", "primary": true}},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": u.Department},
	}
}

func (p *pusher) call(ctx context.Context, method, path string, body any, want int, out any) error {
	var reader io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, reader)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("User-Agent", "Microsoft.Identity.Provisioning (latchkey test)")
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s = %d: %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// lastSent is a copy of what was last sent for each person.
func (p *pusher) lastSent() map[int]pushedUser {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[int]pushedUser, len(p.sent))
	for k, v := range p.sent {
		out[k] = v
	}
	return out
}

// scimUsers walks every user through SCIM list pages.
func scimUsers(t *testing.T, base, token string) []map[string]any {
	t.Helper()
	api := &apiClient{t: t, base: base, token: token}
	var all []map[string]any
	for start := 1; ; {
		page := api.want(http.StatusOK, "GET", fmt.Sprintf("/scim/v2/Users?startIndex=%d&count=500", start), nil)
		items, _ := page["Resources"].([]any)
		start += len(items)
		for _, it := range items {
			all = append(all, it.(map[string]any))
		}
		if len(items) == 0 || len(all) >= int(page["totalResults"].(float64)) {
			return all
		}
	}
}
