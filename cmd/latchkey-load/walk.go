package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// walkResult is the client's view of a full walk of all users.
type walkResult struct {
	Pages    int
	Users    int64
	Total    int64 // totalResults on the first page
	Elapsed  time.Duration
	PerPage  []time.Duration // in page order
	Statuses statusCounts
	Complete bool // reached the end (not cut off by a bound)
}

// walkOptions bound a walk in pages and time.
type walkOptions struct {
	count    int
	maxPages int
	maxTime  time.Duration
	cursor   bool // RFC 9865 cursor walk instead of startIndex
}

// walk reads every user page by page, sequentially, as Okta's import
// (startIndex=1, 101, ...) or an RFC 9865 client (cursor=, nextCursor)
// does, and records each page's latency.
func walk(ctx context.Context, t *target, agent string, o walkOptions, bar *progress) (walkResult, error) {
	res := walkResult{Statuses: statusCounts{}}
	start := time.Now()
	deadline := start.Add(o.maxTime)
	next := "" // cursor mode: the cursor to send
	startIndex := 1
	for res.Pages < o.maxPages && time.Now().Before(deadline) {
		path := "/Users?startIndex=" + strconv.Itoa(startIndex) + "&count=" + strconv.Itoa(o.count)
		if o.cursor {
			path = "/Users?count=" + strconv.Itoa(o.count) + "&cursor=" + url.QueryEscape(next)
		}
		t0 := time.Now()
		status, body, err := t.do(ctx, agent, http.MethodGet, path, nil)
		res.PerPage = append(res.PerPage, time.Since(t0))
		res.Statuses[status]++
		if err != nil {
			return res, err
		}
		if status != http.StatusOK {
			return res, fmt.Errorf("page %d: status %d: %s", res.Pages+1, status, truncate(body, 300))
		}
		var page struct {
			TotalResults int64             `json:"totalResults"`
			ItemsPerPage int               `json:"itemsPerPage"`
			NextCursor   string            `json:"nextCursor"`
			Resources    []json.RawMessage `json:"Resources"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return res, fmt.Errorf("page %d: %w", res.Pages+1, err)
		}
		if res.Pages == 0 {
			res.Total = page.TotalResults
			if bar != nil {
				bar.total.Store(page.TotalResults)
			}
		}
		res.Pages++
		res.Users += int64(len(page.Resources))
		if bar != nil {
			bar.add(int64(len(page.Resources)))
		}
		startIndex += len(page.Resources)
		next = page.NextCursor
		if len(page.Resources) == 0 || (o.cursor && next == "") || (!o.cursor && int64(startIndex) > page.TotalResults) {
			res.Complete = true
			break
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}
