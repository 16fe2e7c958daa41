package scim

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestWalkCacheEvictsLeastRecentlyUsed(t *testing.T) {
	w := newWalkCache(2)
	now := time.Now()
	w.store("a", "ca", 10, now)
	w.store("b", "cb", 10, now)
	if _, _, _, ok := w.lookup("a"); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	w.store("c", "cc", 10, now)
	if _, _, _, ok := w.lookup("b"); ok {
		t.Fatal("b should have been evicted")
	}
	if c, total, counted, ok := w.lookup("a"); !ok || c != "ca" || total != 10 || !counted.Equal(now) {
		t.Fatalf("a = %q %d %v %v", c, total, counted, ok)
	}
	w.store("d", "", 1, now) // the last page has no next cursor: nothing to remember
	if _, _, _, ok := w.lookup("d"); ok {
		t.Fatal("an empty cursor was stored")
	}
}

// TestWalkTotals: a walk counts on its first page and reuses that total
// on the pages that continue it, by startIndex and by cursor alike, for
// at most totalTTL; a first page that holds every match needs no count
// to tell the total.
func TestWalkTotals(t *testing.T) {
	eachBackendAt(t, func(t *testing.T, e *scimEnv, clock *testClock) {
		for i := range 3 {
			e.do(http.MethodPost, "/scim/v2/Users", userBody(fmt.Sprintf("w%d@corp.com", i))).want(t, http.StatusCreated)
		}
		total := func(r response) float64 { t.Helper(); return r.get("totalResults").(float64) }

		index1 := e.do(http.MethodGet, "/scim/v2/Users?startIndex=1&count=1", nil).want(t, http.StatusOK)
		cursor1 := e.do(http.MethodGet, "/scim/v2/Users?count=1&cursor=", nil).want(t, http.StatusOK)
		if total(index1) != 3 || total(cursor1) != 3 {
			t.Fatalf("first pages: totals %v and %v; want 3", total(index1), total(cursor1))
		}
		// Someone is added meanwhile: the walks keep the total they started with.
		e.do(http.MethodPost, "/scim/v2/Users", userBody("w3@corp.com")).want(t, http.StatusCreated)
		index2 := e.do(http.MethodGet, "/scim/v2/Users?startIndex=2&count=1", nil).want(t, http.StatusOK)
		cursor2 := e.do(http.MethodGet, "/scim/v2/Users?count=1&cursor="+url.QueryEscape(cursor1.str("nextCursor")), nil).want(t, http.StatusOK)
		if total(index2) != 3 || total(cursor2) != 3 {
			t.Fatalf("second pages within %v: totals %v and %v; want the cached 3", totalTTL, total(index2), total(cursor2))
		}
		// Past the TTL the next page counts again.
		clock.advance(totalTTL + time.Second)
		index3 := e.do(http.MethodGet, "/scim/v2/Users?startIndex=3&count=1", nil).want(t, http.StatusOK)
		cursor3 := e.do(http.MethodGet, "/scim/v2/Users?count=1&cursor="+url.QueryEscape(cursor2.str("nextCursor")), nil).want(t, http.StatusOK)
		if total(index3) != 4 || total(cursor3) != 4 {
			t.Fatalf("third pages after %v: totals %v and %v; want a fresh 4", totalTTL, total(index3), total(cursor3))
		}
		// A first cursor page always counts afresh; so does a short one.
		e.do(http.MethodPost, "/scim/v2/Users", userBody("w4@corp.com")).want(t, http.StatusCreated)
		if r := e.do(http.MethodGet, "/scim/v2/Users?count=1&cursor=", nil).want(t, http.StatusOK); total(r) != 5 {
			t.Fatalf("new cursor walk: total %v; want 5", total(r))
		}
		if r := e.do(http.MethodGet, "/scim/v2/Users?count=10&cursor=", nil).want(t, http.StatusOK); total(r) != 5 || r.get("nextCursor") != nil {
			t.Fatalf("one-page cursor walk:\n%s", r.raw)
		}
		// A page past a plain offset that ends the list tells the total;
		// one past the end does not, and still reports every match.
		if r := e.do(http.MethodGet, "/scim/v2/Users?startIndex=4&count=10&filter="+url.QueryEscape(`userName sw "w"`), nil).want(t, http.StatusOK); total(r) != 5 {
			t.Fatalf("last page by offset: total %v; want 5", total(r))
		}
		if r := e.do(http.MethodGet, "/scim/v2/Users?startIndex=9&count=10&filter="+url.QueryEscape(`userName sw "w"`), nil).want(t, http.StatusOK); total(r) != 5 {
			t.Fatalf("page past the end: total %v; want 5", total(r))
		}
	})
}
