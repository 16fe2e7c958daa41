package scim

import (
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
