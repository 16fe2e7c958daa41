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
// Annika, Annan), "qz" none at all, which a scan would have to read the
// whole organization to prove.
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
	{name: "q=ann", path: "/people?q=ann"},
	{name: "q=ann, invited", path: "/people?q=ann&status=invited"},
	{name: "q=qz (no match)", path: "/people?q=qz"},
	{name: "newest first", path: "/people?sort=-created_at"},
	{name: "by userName", path: "/people?sort=userName"},
	{name: "by email", path: "/people?sort=email"},
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
	shape   peopleShape
	samples []time.Duration
	rows    int   // people listed over all pages
	total   int64 // counts: the total
}

// measureShape walks a list shape pages deep (stopping at its end) or
// repeats a count shape pages times.
func measureShape(ctx context.Context, c peopleClient, s peopleShape, pages, limit int) (peopleResult, error) {
	res := peopleResult{shape: s}
	cursor := ""
	for range pages {
		path := s.path
		if !s.count {
			path = withQuery(path, "limit", fmt.Sprint(limit))
			if cursor != "" {
				path = withQuery(path, "cursor", cursor)
			}
		}
		status, body, took := c.get(ctx, path)
		if status != http.StatusOK {
			return res, fmt.Errorf("%s: GET %s: %d %.300s", s.name, path, status, body)
		}
		res.samples = append(res.samples, took)
		if s.count {
			var counts struct{ Total int64 }
			if err := json.Unmarshal(body, &counts); err != nil {
				return res, err
			}
			res.total = counts.Total
			continue
		}
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return res, err
		}
		res.rows += len(page.Items)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	return res, nil
}

// withQuery adds name=value to a path that may have a query already.
func withQuery(path, name, value string) string {
	u, _ := url.Parse(path) // the paths are this file's own
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}
