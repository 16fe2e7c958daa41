package scim

import (
	"container/list"
	"crypto/sha256"

	"github.com/latchkeyhq/latchkey/directory"

	"strconv"
	"sync"
	"time"
)

// walkCache makes index pagination (startIndex/count, what Okta and Entra
// use to walk every user) cost the same at page 10,000 as at page 1.
// After serving the page that ends at position n, it remembers the keyset
// cursor after that page and the total; when the client then asks for
// startIndex n+1 of the same query, the store seeks to the cursor instead
// of counting past n rows with OFFSET, and the total is reused rather than
// recounted. Cursor pagination (RFC 9865) seeks by itself but would still
// count every match on every page; after serving a cursor page the cache
// remembers the total under the page's nextCursor, so the next page of
// the walk reuses it. Entries live in process memory: a miss (another
// replica, an evicted entry) falls back to OFFSET and a fresh count —
// slower, never wrong — and a total is reused for at most totalTTL, so a
// walk sees people added meanwhile within seconds.
type walkCache struct {
	mu      sync.Mutex
	entries map[string]*list.Element
	order   *list.List // most recently used first
	size    int
}

type walkEntry struct {
	key     string
	cursor  string
	total   int64
	counted time.Time
}

const totalTTL = 10 * time.Second

func newWalkCache(size int) *walkCache {
	return &walkCache{entries: map[string]*list.Element{}, order: list.New(), size: size}
}

// walkKey identifies a page position of one query of one organization.
func walkKey(orgID, resource string, p listParams, startIndex int) string {
	return queryKey(orgID, resource, p) + "\x00i" + strconv.Itoa(startIndex)
}

// cursorKey identifies the cursor page that continues at cursor. The
// cursor is hashed: a cursor may carry a sort value kilobytes long, and
// the cache should not hold thousands of them.
func cursorKey(orgID, resource string, p listParams, cursor string) string {
	sum := sha256.Sum256([]byte(cursor))
	return queryKey(orgID, resource, p) + "\x00c" + string(sum[:])
}

func queryKey(orgID, resource string, p listParams) string {
	return orgID + "\x00" + resource + "\x00" + p.filter + "\x00" + p.sortBy + "\x00" + strconv.FormatBool(p.descending)
}

// lookup returns the cursor for a position, the total, and when that
// total was counted.
func (w *walkCache) lookup(key string) (cursor string, total int64, counted time.Time, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	el, found := w.entries[key]
	if !found {
		return "", 0, time.Time{}, false
	}
	w.order.MoveToFront(el)
	e := el.Value.(*walkEntry)
	return e.cursor, e.total, e.counted, true
}

// store remembers where the next page of a walk starts.
func (w *walkCache) store(key, cursor string, total int64, counted time.Time) {
	if cursor == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if el, found := w.entries[key]; found {
		el.Value = &walkEntry{key: key, cursor: cursor, total: total, counted: counted}
		w.order.MoveToFront(el)
		return
	}
	w.entries[key] = w.order.PushFront(&walkEntry{key: key, cursor: cursor, total: total, counted: counted})
	for w.order.Len() > w.size {
		oldest := w.order.Back()
		w.order.Remove(oldest)
		delete(w.entries, oldest.Value.(*walkEntry).key)
	}
}

// planPage builds the store query for a list request, turning an index
// page that continues a walk into a keyset seek. It reports a cached
// total when one is fresh (the query then skips the count).
func (h *Handler) planPage(orgID, resource string, p listParams, q directory.ListQuery) (directory.ListQuery, int64, time.Time, bool) {
	now := h.now()
	if p.count == 0 {
		return q, 0, now, false
	}
	if p.cursor != nil {
		if *p.cursor == "" { // the first page counts
			return q, 0, now, false
		}
		_, total, counted, ok := h.walks.lookup(cursorKey(orgID, resource, p, *p.cursor))
		if ok && now.Sub(counted) < totalTTL {
			q.WithTotal = false
			return q, total, counted, true
		}
		return q, 0, now, false
	}
	if p.startIndex == 1 {
		return q, 0, now, false
	}
	cursor, total, counted, ok := h.walks.lookup(walkKey(orgID, resource, p, p.startIndex))
	if !ok {
		return q, 0, now, false
	}
	q.Offset, q.After = 0, cursor
	if now.Sub(counted) < totalTTL {
		q.WithTotal = false
		return q, total, counted, true
	}
	return q, 0, now, false
}

// rememberPage records where the next page of this walk starts (index
// pagination) or the total for the page at next (cursor pagination).
func (h *Handler) rememberPage(orgID, resource string, p listParams, next string, total int64, counted time.Time) {
	switch {
	case p.count == 0:
	case p.cursor != nil:
		if next != "" { // the entry's cursor is unused: the key holds the position
			h.walks.store(cursorKey(orgID, resource, p, next), "-", total, counted)
		}
	default:
		h.walks.store(walkKey(orgID, resource, p, p.startIndex+p.count), next, total, counted)
	}
}
