package claim

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/mailer"
)

// DefaultTemplateTTL is how long a delivery worker reuses an
// organization's name and compiled template before reading them again:
// draining an invitation backlog, those two reads were a sixth of every
// email's queries. An edited template reaches every replica's emails at
// most this much later.
const DefaultTemplateTTL = 5 * time.Second

// maxCachedTemplates bounds the cache; it starts over when full.
const maxCachedTemplates = 256

// messageTemplates caches, per organization and kind of message, what
// rendering needs from the database, compiled once.
type messageTemplates struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[templateKey]templateEntry
}

type templateKey struct {
	orgID string
	kind  mailer.Kind
}

type templateEntry struct {
	orgName  string
	compiled *mailer.Compiled
	// err is a template that does not compile: cached like a good one,
	// so a broken template costs one compile per TTL, not one per email.
	err    error
	readAt time.Time
}

func newMessageTemplates(ttl time.Duration, now func() time.Time) *messageTemplates {
	if ttl <= 0 {
		ttl = DefaultTemplateTTL
	}
	if now == nil {
		now = time.Now
	}
	return &messageTemplates{ttl: ttl, now: now, entries: map[templateKey]templateEntry{}}
}

// get returns the organization's name and its compiled template of kind
// (or the default). A failed read is templateUnread (try again later); a
// template that does not compile is an ordinary error.
func (c *messageTemplates) get(ctx context.Context, store directory.Store, orgID string, kind mailer.Kind) (string, *mailer.Compiled, error) {
	key := templateKey{orgID: orgID, kind: kind}
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && c.now().Sub(e.readAt) < c.ttl {
		return e.orgName, e.compiled, e.err
	}
	e, err := c.read(ctx, store, key)
	if err != nil {
		return "", nil, err
	}
	c.mu.Lock()
	if len(c.entries) >= maxCachedTemplates {
		clear(c.entries)
	}
	c.entries[key] = e
	c.mu.Unlock()
	return e.orgName, e.compiled, e.err
}

func (c *messageTemplates) read(ctx context.Context, store directory.Store, key templateKey) (templateEntry, error) {
	org, err := store.Organization(ctx, key.orgID)
	if err != nil {
		return templateEntry{}, templateUnread{err}
	}
	var tpl mailer.Template
	custom, err := store.MessageTemplate(ctx, key.orgID, string(key.kind))
	switch {
	case err == nil:
		tpl = mailer.Template{Subject: custom.Subject, Text: custom.Text, HTML: custom.HTML}
	case !errors.Is(err, directory.ErrNotFound):
		return templateEntry{}, templateUnread{err}
	}
	compiled, err := mailer.Compile(key.kind, tpl)
	return templateEntry{orgName: org.Name, compiled: compiled, err: err, readAt: c.now()}, nil
}
