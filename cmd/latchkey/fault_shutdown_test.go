package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestGracefulShutdownUnderLoad: SIGTERM while an IdP creates people as
// fast as it can and invitations are being sent. The process drains
// (readiness turns 503 while requests are still served), every request
// it accepted is answered in full (201, never a 5xx or a cut
// connection), it exits 0 within the shutdown timeout, and nothing is
// half-written: every person it confirmed exists with every attribute,
// a person whose request never reached it does not exist or exists
// whole. Jobs stop at a safe point: after a restart every due
// invitation goes out once and none is left.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			env, smtp := pushEnv(t, b)
			env["LATCHKEY_SHUTDOWN_DRAIN"] = "1s"
			env["LATCHKEY_SHUTDOWN_TIMEOUT"] = "30s"
			srv := startProcess(t, "server", env)
			token := prepareForPush(t, env)

			load := &createLoad{base: srv.baseURL(), token: token}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			var wg sync.WaitGroup
			for w := range 8 {
				wg.Add(1)
				go func() { defer wg.Done(); load.run(ctx, w) }()
			}
			for load.created.Load() < 300 {
				time.Sleep(20 * time.Millisecond)
			}
			_ = srv.cmd.Process.Signal(syscall.SIGTERM)
			load.termed.Store(true)
			// The load balancer: it sends no new request once readiness
			// fails, as the drain period is there for.
			for deadline := time.Now().Add(5 * time.Second); srv.ready(); time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Error("/readyz still 200 5s after SIGTERM; want 503 while draining")
					break
				}
			}
			load.stop.Store(true)
			if err := srv.wait(time.Minute); !exitedCleanly(err) {
				t.Fatalf("serve exited with %v after SIGTERM\n%s", err, srv.tail())
			}
			cancel()
			wg.Wait()
			if !strings.Contains(srv.logs.String(), "latchkey stopped") {
				t.Errorf("no clean stop in the logs:\n%s", srv.tail())
			}
			load.mu.Lock()
			defer load.mu.Unlock()
			for _, bad := range load.bad {
				t.Error(bad)
			}
			t.Logf("%d people created, %d requests not sent (server gone), %d confirmed after SIGTERM",
				load.created.Load(), len(load.unsent), load.afterTerm.Load())

			srv.start()
			users := map[string]map[string]any{}
			for _, u := range scimUsers(t, srv.baseURL(), token) {
				users[u["userName"].(string)] = u
			}
			check := func(name string, confirmed bool) {
				u, ok := users[name]
				switch {
				case !ok && confirmed:
					t.Errorf("%s was confirmed (201) but does not exist", name)
				case ok && !wholeUser(u):
					t.Errorf("%s is half-written: %v", name, u)
				}
			}
			for _, name := range load.confirmed {
				check(name, true)
			}
			for _, name := range load.unsent {
				check(name, false)
			}
			due := 0
			for name := range users {
				if strings.HasSuffix(name, "0@acme.test") {
					due++
				}
			}
			checkInvitedOnce(t, smtp, due, func(to string) bool { return strings.HasSuffix(to, "0@mail.acme.test") })
			checkNoJobsLeft(t, env)
		})
	}
}

// createLoad creates people until told to stop (the balancer saw the
// drain) or the server goes away, sorting every request into confirmed
// (201), unsent (no connection) or bad.
type createLoad struct {
	base, token string
	created     atomic.Int64
	afterTerm   atomic.Int64
	termed      atomic.Bool
	stop        atomic.Bool
	mu          sync.Mutex
	confirmed   []string
	unsent      []string
	bad         []string
}

func (l *createLoad) run(ctx context.Context, worker int) {
	// A connection per request: each is either refused by a closed
	// listener or accepted and then owed a whole answer.
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{DisableKeepAlives: true}}
	p := &pusher{base: l.base, token: l.token, client: client}
	for i := 0; ctx.Err() == nil && !l.stop.Load(); i++ {
		n := worker*100000 + i
		u := pushedUser{UserName: fmt.Sprintf("load%06d@acme.test", n), Title: "t", Department: "Load",
			Email: fmt.Sprintf("load%06d@mail.acme.test", n)}
		if n%10 == 0 {
			u.Department = "Invite"
		}
		err := p.call(ctx, "POST", "/scim/v2/Users", userBody(u), http.StatusCreated, nil)
		l.mu.Lock()
		switch {
		case err == nil:
			l.confirmed = append(l.confirmed, u.UserName)
			l.created.Add(1)
			if l.termed.Load() {
				l.afterTerm.Add(1)
			}
		case errors.Is(err, syscall.ECONNREFUSED):
			l.unsent = append(l.unsent, u.UserName)
			l.mu.Unlock()
			return
		case ctx.Err() != nil:
			l.unsent = append(l.unsent, u.UserName)
		default:
			l.bad = append(l.bad, fmt.Sprintf("%s: %v", u.UserName, err))
		}
		l.mu.Unlock()
	}
}

// wholeUser: everything userBody sends came back.
func wholeUser(u map[string]any) bool {
	emails, _ := u["emails"].([]any)
	ext, _ := u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)
	name, _ := u["name"].(map[string]any)
	return len(emails) == 1 && ext["department"] != nil && u["title"] == "t" && name["givenName"] == "Push"
}
