package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func TestDriveStopsAtRequestCount(t *testing.T) {
	var calls atomic.Int64
	res := drive(context.Background(), loadOptions{concurrency: 4, requests: 100, maxTime: time.Minute},
		func(_ context.Context, seq int64, _ *rand.Rand) outcome {
			calls.Add(1)
			switch {
			case seq%10 == 0:
				return outcome{err: errors.New("boom")}
			case seq%10 == 1:
				return outcome{status: 409}
			}
			return outcome{status: 201, wrong: seq%10 == 2}
		})
	if calls.Load() != 100 || res.Requests != 100 || len(res.Latencies) != 100 {
		t.Fatalf("calls %d, requests %d, samples %d; want 100", calls.Load(), res.Requests, len(res.Latencies))
	}
	if res.OK != 80 || res.Wrong != 10 || res.Statuses[0] != 10 || res.Statuses[409] != 10 || res.FirstErr == nil {
		t.Fatalf("result %+v", res)
	}
}

// fakeSCIM serves n users in pages, by startIndex or by cursor (the
// cursor is the next index), and answers lookups for seeded users only.
func fakeSCIM(t *testing.T, n int) *target {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if f := q.Get("filter"); f != "" {
			total := 0
			if f == `userName eq "user0000001@load.example"` {
				total = 1
			}
			fmt.Fprintf(w, `{"totalResults":%d,"Resources":[]}`, total)
			return
		}
		count, _ := strconv.Atoi(q.Get("count"))
		start, _ := strconv.Atoi(q.Get("startIndex"))
		if q.Has("cursor") {
			start = 1
			if c := q.Get("cursor"); c != "" {
				start, _ = strconv.Atoi(c)
			}
		}
		items := max(min(count, n-start+1), 0)
		next := ""
		if q.Has("cursor") && start+items <= n {
			next = strconv.Itoa(start + items)
		}
		fmt.Fprintf(w, `{"totalResults":%d,"itemsPerPage":%d,"nextCursor":%q,"Resources":[`, n, items, next)
		for i := range items {
			if i > 0 {
				fmt.Fprint(w, ",")
			}
			fmt.Fprintf(w, `{"id":"u%d"}`, start+i)
		}
		fmt.Fprint(w, "]}")
	}))
	t.Cleanup(srv.Close)
	tg, err := newTarget(srv.URL, "tok", 2)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func TestWalkReadsEveryPageOnce(t *testing.T) {
	tg := fakeSCIM(t, 250)
	for _, cursor := range []bool{false, true} {
		res, err := walk(context.Background(), tg, "walk", walkOptions{count: 100, maxPages: 10, maxTime: time.Minute, cursor: cursor}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Pages != 3 || res.Users != 250 || res.Total != 250 || !res.Complete || len(res.PerPage) != 3 {
			t.Fatalf("cursor=%v: %+v", cursor, res)
		}
	}
	res, err := walk(context.Background(), tg, "walk", walkOptions{count: 100, maxPages: 2, maxTime: time.Minute}, nil)
	if err != nil || res.Pages != 2 || res.Complete {
		t.Fatalf("a walk cut by --max-pages: %+v, %v", res, err)
	}
}

func TestLookupCountsMissesAsWrong(t *testing.T) {
	e := scenarioEnv{t: fakeSCIM(t, 0), users: 2}
	st := e.lookup("lookup-username", "userName", seedUserName)
	wrong := 0
	rng := rand.New(rand.NewPCG(1, 2))
	for range 40 {
		out := st(context.Background(), 0, rng)
		if out.err != nil || out.status != 200 {
			t.Fatalf("outcome %+v", out)
		}
		if out.wrong {
			wrong++
		}
	}
	if wrong == 0 || wrong == 40 { // user0000000 is "missing" on the fake, user0000001 found
		t.Fatalf("wrong %d of 40", wrong)
	}
}

func TestCreateBodiesAreUniqueAndShaped(t *testing.T) {
	entra, okta := createBody("r1", 0), createBody("r1", 1)
	if entra["userName"] == okta["userName"] || entra["meta"] == nil || okta["password"] == nil || okta["locale"] != "en-US" {
		t.Fatalf("bodies %v / %v", entra, okta)
	}
}
