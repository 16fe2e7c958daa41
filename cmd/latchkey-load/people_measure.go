package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"
)

// peopleShape is one kind of request an admin console sends: a status
// tab, a department, a search, an order. List shapes are walked by
// following next_cursor, each page one sample; count shapes repeat.
type peopleShape struct {
	name  string
	path  string // under /admin/v1
	count bool   // a counts request: repeated, not walked
}

// peopleShapes are the measured requests. Sales is the largest
// department, Legal the smallest; "ann" starts many names (Ann, Anna,
// Annika, Annan), "kowalski" one family name in fifty, "ann.kowalski"
// a few hundred userNames, "qz" none at all, which a scan would have to
// read the whole organization to prove.
var peopleShapes = []peopleShape{
	{name: "everyone, by name (default)", path: "/people"},
	{name: "tab: not invited", path: "/people?status=not_invited"},
	{name: "tab: invited", path: "/people?status=invited"},
	{name: "tab: claimed", path: "/people?status=claimed"},
	{name: "tab: deactivated", path: "/people?status=deactivated"},
	{name: "invited in Sales, by name", path: "/people?status=invited&department=Sales&sort=displayName"},
	{name: "department Legal", path: "/people?department=Legal"},
	{name: "title and location", path: "/people?title=Nurse&location=Berlin"},
	{name: "without email", path: "/people?has_email=false"},
	{name: "invited lately", path: "/people?invited_after=2026-04-01"},
	{name: "q=ann", path: "/people?q=ann"},
	{name: "q=ann, invited", path: "/people?q=ann&status=invited"},
	{name: "q=kowalski", path: "/people?q=kowalski"},
	{name: "q=ann.kowalski", path: "/people?q=ann.kowalski"},
	{name: "q=qz (no match)", path: "/people?q=qz"},
	{name: "newest first", path: "/people?sort=-created_at"},
	{name: "by userName", path: "/people?sort=userName"},
	{name: "invited, by invitation", path: "/people?status=invited&sort=invited_at"},
	{name: "claimed, latest first", path: "/people?status=claimed&sort=-claimed_at"},
	{name: "SCIM filter", path: "/people?filter=" + url.QueryEscape(`userType eq "Contractor" and title sw "Nurse"`)},
	{name: "counts: everyone", path: "/people/counts", count: true},
	{name: "counts: Sales", path: "/people/counts?department=Sales", count: true},
	{name: "counts: q=ann", path: "/people/counts?q=ann", count: true},
}

// peopleClient calls the admin API in this process: the real router,
// authentication, handlers, store and JSON, without a network between.
type peopleClient struct {
	handler http.Handler
	token   string
}

// get answers one request and how long it took.
func (c peopleClient) get(ctx context.Context, path string) (int, []byte, time.Duration) {
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "http://latchkey.local/admin/v1"+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	rec := httptest.NewRecorder()
	start := time.Now()
	c.handler.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes(), time.Since(start)
}

// peopleResult is one shape's samples.
type peopleResult struct {
	shape peopleShape
	// first is a list's first page, asked firstPageRepeats times: the
	// page a console shows most, and in some plans the slowest.
	first []time.Duration
	// samples are every page of the walk in order (counts: every request).
	samples  []time.Duration
	rows     int   // people listed over the walk
	complete bool  // the walk reached the list's end
	total    int64 // counts: the total
}

// firstPageRepeats is how often a list's first page is measured.
const firstPageRepeats = 20

// measureShape repeats a count shape pages times, or measures a list
// shape's first page firstPageRepeats times and walks it pages deep by
// its cursors (stopping at its end).
func measureShape(ctx context.Context, c peopleClient, s peopleShape, pages, limit int) (peopleResult, error) {
	res := peopleResult{shape: s}
	if s.count {
		for range pages {
			var counts struct{ Total int64 }
			took, err := c.getJSON(ctx, s.path, &counts)
			if err != nil {
				return res, fmt.Errorf("%s: %w", s.name, err)
			}
			res.samples, res.total = append(res.samples, took), counts.Total
		}
		return res, nil
	}
	first := withQuery(s.path, "limit", fmt.Sprint(limit))
	for range firstPageRepeats {
		var page peoplePageBody
		took, err := c.getJSON(ctx, first, &page)
		if err != nil {
			return res, fmt.Errorf("%s: %w", s.name, err)
		}
		res.first = append(res.first, took)
	}
	path := first
	for range pages {
		var page peoplePageBody
		took, err := c.getJSON(ctx, path, &page)
		if err != nil {
			return res, fmt.Errorf("%s: %w", s.name, err)
		}
		res.samples, res.rows = append(res.samples, took), res.rows+len(page.Items)
		if page.NextCursor == "" {
			res.complete = true
			break
		}
		path = withQuery(first, "cursor", page.NextCursor)
	}
	return res, nil
}

// peoplePageBody is what the walk reads of a page.
type peoplePageBody struct {
	Items      []json.RawMessage `json:"items"`
	NextCursor string            `json:"next_cursor"`
}

// getJSON asks for path, which must answer 200, and decodes the answer.
func (c peopleClient) getJSON(ctx context.Context, path string, v any) (time.Duration, error) {
	status, body, took := c.get(ctx, path)
	if status != http.StatusOK {
		return took, fmt.Errorf("GET %s: %d %.300s", path, status, body)
	}
	return took, json.Unmarshal(body, v)
}

// withQuery adds name=value to a path that may have a query already.
func withQuery(path, name, value string) string {
	u, _ := url.Parse(path) // the paths are this file's own
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}
