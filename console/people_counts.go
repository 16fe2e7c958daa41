package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/singleflight"
)

// Counting is proportional to the matches: a million people, or a broad
// search, takes longer than a page should (docs/benchmarks.md). So the
// People page asks for its tabs' counts in the background while it reads
// the list, waits for them at most the counts budget, and otherwise goes
// out without them; console.js then fetches them from GET
// /admin/people/counts (a "Show counts" link does without JavaScript).
// The count is not cancelled (a cancelled query costs its connection):
// it finishes in the background, and the fetch that follows joins it or
// finds its result in a short-lived memory (a miss, on another replica,
// only counts again).

const (
	// defaultCountsBudget is how long the page waits for its counts.
	defaultCountsBudget = 50 * time.Millisecond
	// countsTimeout bounds a count running in the background.
	countsTimeout = 30 * time.Second
	// defaultCountsKept is how long a finished count answers the fetch
	// that follows its page (and views of the same filters); any change
	// made through the console forgets the organization's counts.
	defaultCountsKept = 5 * time.Second
	// maxCountsKept bounds that memory (it is emptied when full).
	maxCountsKept = 1000
)

// counter runs and remembers counts.
type counter struct {
	flight singleflight.Group
	mu     sync.Mutex
	kept   map[string]keptCounts
}

type keptCounts struct {
	counts statusCounts
	until  time.Time
}

// forget drops the remembered counts of an organization: something in it
// changed.
func (k *Console) forget(orgID string) {
	k.counts.mu.Lock()
	defer k.counts.mu.Unlock()
	for key := range k.counts.kept {
		if strings.HasPrefix(key, orgID+"\x00") {
			delete(k.counts.kept, key)
		}
	}
}

// count answers the counts of query for who: a finished count of the
// last k.countsKept, the one running, or a new one.
func (k *Console) count(who admin, remote string, query url.Values) <-chan singleflight.Result {
	key := who.OrgID + "\x00" + who.ID + "\x00" + query.Encode()
	k.counts.mu.Lock()
	kept, ok := k.counts.kept[key]
	k.counts.mu.Unlock()
	if ok && k.now().Before(kept.until) {
		ch := make(chan singleflight.Result, 1)
		ch <- singleflight.Result{Val: kept.counts}
		return ch
	}
	return k.counts.flight.DoChan(key, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), countsTimeout)
		defer cancel()
		var counts statusCounts
		if err := k.callAs(ctx, who, remote, http.MethodGet, "/people/counts", query, nil, &counts); err != nil {
			return nil, err
		}
		if k.countsKept < 0 {
			return counts, nil
		}
		k.counts.mu.Lock()
		defer k.counts.mu.Unlock()
		if len(k.counts.kept) >= maxCountsKept || k.counts.kept == nil {
			k.counts.kept = map[string]keptCounts{}
		}
		k.counts.kept[key] = keptCounts{counts: counts, until: k.now().Add(k.countsKept)}
		return counts, nil
	})
}

// startCounts starts counting the tabs under pq's filters and returns
// the function that waits for the counts: within the budget (known
// false when they take longer), or as long as they take when wait is set.
func (k *Console) startCounts(c echo.Context, pq peopleQuery, wait bool) func() (statusCounts, bool, error) {
	ch := k.count(signedIn(c), c.Request().RemoteAddr, pq.values(false))
	start := time.Now()
	return func() (statusCounts, bool, error) {
		var budget <-chan time.Time
		switch {
		case wait:
		case k.countsBudget < 0:
			return statusCounts{}, false, nil
		default: // the budget counts from the start: the list was read meanwhile
			t := time.NewTimer(k.countsBudget - time.Since(start))
			defer t.Stop()
			budget = t.C
		}
		select {
		case r := <-ch:
			if r.Err != nil {
				return statusCounts{}, false, r.Err
			}
			return r.Val.(statusCounts), true, nil
		case <-budget:
			return statusCounts{}, false, nil
		case <-c.Request().Context().Done():
			return statusCounts{}, false, c.Request().Context().Err()
		}
	}
}

// countsOf waits for the counts under pq's filters, however long they
// take: remembered ones, the running count, or a new one.
func (k *Console) countsOf(c echo.Context, pq peopleQuery) (statusCounts, error) {
	select {
	case r := <-k.count(signedIn(c), c.Request().RemoteAddr, pq.values(false)):
		if r.Err != nil {
			return statusCounts{}, r.Err
		}
		return r.Val.(statusCounts), nil
	case <-c.Request().Context().Done():
		return statusCounts{}, c.Request().Context().Err()
	}
}

// countKey is how console.js names a status's count ("all" for All).
func countKey(status string) string {
	if status == "" {
		return "all"
	}
	return status
}

// peopleCounts answers the tabs' counts under the page's filters as
// JSON, each number written as the page writes it ("1,234"), keyed by
// countKey: what console.js fills in when the page came without them.
func (k *Console) peopleCounts(c echo.Context) error {
	counts, err := k.countsOf(c, readPeopleQuery(c.QueryParams()))
	var apiErr *apiError
	if errors.As(err, &apiErr) {
		return c.JSON(apiErr.Status, map[string]string{"error": apiErr.Detail})
	}
	if err != nil {
		return err
	}
	out := map[string]string{}
	for _, s := range peopleStatuses {
		out[countKey(s)] = thousands(strconv.FormatInt(counts.of(s), 10))
	}
	return c.JSON(http.StatusOK, out)
}

// withParam adds name=value to the query of a console URL.
func withParam(href, name, value string) string {
	sep := "?"
	if strings.Contains(href, "?") {
		sep = "&"
	}
	return href + sep + url.QueryEscape(name) + "=" + url.QueryEscape(value)
}
