package admin

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// auditRoutes is the audit log: SCIM writes, admin actions, exports and
// downloads, claims and sign-ins, newest first.
func (h *Handler) auditRoutes() []route {
	return []route{
		{Method: http.MethodGet, Path: "/audit", Permission: directory.PermReadAudit, Tag: "audit",
			Summary: "The audit log, newest first, filtered by actor, action, target and time", Query: auditParams,
			Reply: auditPage{}, Handle: h.listAudit},
	}
}

var auditParams = []queryParam{
	{Name: "actor_type", Description: "admin, cli, person, scim_client, scim_token or system"},
	{Name: "actor_id", Description: "the admin's, token's, client's or person's id"},
	{Name: "action", Description: `exact ("account.invite") or every action under a prefix ("account.*")`},
	{Name: "target_type", Description: `"user", "group", "invite_rule", "template", ...`},
	{Name: "target_id"},
	{Name: "since", Type: "date-time", Description: "events at or after (RFC 3339)"},
	{Name: "until", Type: "date-time", Description: "events before (RFC 3339)"},
	{Name: "limit", Type: "integer", Description: "1 to 1000, default 100"},
	{Name: "cursor", Description: "next_cursor of the previous page"},
}

type auditPage struct {
	Items []auditItem `json:"items"`
	// NextCursor continues with older events; absent on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// auditItem is one event: who (actor) did what (action) to which object
// (target), when, in which request. Details never hold secrets.
type auditItem struct {
	ID            string          `json:"id"`
	At            time.Time       `json:"at"`
	ActorType     string          `json:"actor_type"`
	ActorID       string          `json:"actor_id,omitempty"`
	ActorName     string          `json:"actor_name,omitempty"`
	Action        string          `json:"action"`
	TargetType    string          `json:"target_type,omitempty"`
	TargetID      string          `json:"target_id,omitempty"`
	RequestID     string          `json:"request_id,omitempty"`
	BeforeVersion int64           `json:"before_version,omitempty"`
	AfterVersion  int64           `json:"after_version,omitempty"`
	Details       json.RawMessage `json:"details,omitempty"`
}

func auditItemOf(e directory.AuditEvent) auditItem {
	return auditItem{ID: e.ID, At: e.At, ActorType: string(e.ActorType), ActorID: e.ActorID, ActorName: e.ActorName,
		Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID, RequestID: e.RequestID,
		BeforeVersion: e.BeforeVersion, AfterVersion: e.AfterVersion, Details: e.Details}
}

func (h *Handler) listAudit(c echo.Context) error {
	q, err := parseAuditQuery(c)
	if err != nil {
		return err
	}
	limit := q.Limit
	if limit < directory.MaxPageSize {
		q.Limit = limit + 1 // one more tells whether another page follows
	}
	ctx := c.Request().Context()
	events, err := h.store.ListAudit(ctx, callerFrom(ctx).OrgID, q)
	if err != nil {
		return err
	}
	out := auditPage{Items: make([]auditItem, 0, min(len(events), limit))}
	for i, e := range events {
		if i == limit {
			break
		}
		out.Items = append(out.Items, auditItemOf(e))
	}
	if len(events) > limit || (len(events) == limit && limit == directory.MaxPageSize) {
		out.NextCursor = events[limit-1].ID
	}
	return c.JSON(http.StatusOK, out)
}

// auditActorTypes are the actor types an event can carry.
var auditActorTypes = []directory.ActorType{directory.ActorAdmin, directory.ActorCLI, directory.ActorPerson,
	directory.ActorScimClient, directory.ActorScimToken, directory.ActorSystem}

// auditAction is an action name, or a prefix of them ending in ".*".
var auditAction = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?$`)

// auditCursor is an event id.
var auditCursor = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// parseAuditQuery reads the query, naming every parameter at fault.
func parseAuditQuery(c echo.Context) (directory.AuditQuery, error) {
	if err := checkQueryParams(c, "actor_type", "actor_id", "action", "target_type", "target_id", "since", "until", "limit", "cursor"); err != nil {
		return directory.AuditQuery{}, err
	}
	q := directory.AuditQuery{ActorType: directory.ActorType(c.QueryParam("actor_type")), ActorID: c.QueryParam("actor_id"),
		Action: c.QueryParam("action"), TargetType: c.QueryParam("target_type"), TargetID: c.QueryParam("target_id"),
		Before: c.QueryParam("cursor")}
	var errs []fieldError
	fail := func(field, message string) { errs = append(errs, fieldError{Field: field, Message: message}) }
	if q.ActorType != "" && !slices.Contains(auditActorTypes, q.ActorType) {
		fail("actor_type", "must be admin, cli, person, scim_client, scim_token or system")
	}
	if q.Action != "" && !auditAction.MatchString(q.Action) {
		fail("action", `must be an action such as account.invite, or a prefix such as account.*`)
	}
	if q.Before != "" && !auditCursor.MatchString(q.Before) {
		fail("cursor", "is not a cursor this API gave out")
	}
	for _, t := range []struct {
		field string
		dst   *time.Time
	}{{"since", &q.Since}, {"until", &q.Until}} {
		if raw := c.QueryParam(t.field); raw != "" {
			at, err := time.Parse(time.RFC3339Nano, raw)
			if err != nil {
				fail(t.field, "must be an RFC 3339 time such as 2026-01-31T09:00:00Z")
			}
			*t.dst = at
		}
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		fail("until", "must be later than since")
	}
	if limit, err := queryLimit(c); err != nil {
		fail("limit", "must be a whole number from 1 to 1000")
	} else {
		q.Limit = limit
	}
	if len(errs) > 0 {
		return q, invalidFields(errs)
	}
	return q, nil
}

// checkQueryParams refuses a query parameter not in allowed (400 listing
// the allowed ones) or given twice.
func checkQueryParams(c echo.Context, allowed ...string) error {
	var unknown []fieldError
	for name, values := range c.QueryParams() {
		switch {
		case !slices.Contains(allowed, name):
			unknown = append(unknown, fieldError{Field: name, Message: "is not a query parameter here; see allowed"})
		case len(values) > 1:
			return invalidField(name, "give it once")
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.SortFunc(unknown, func(a, b fieldError) int { return strings.Compare(a.Field, b.Field) })
	p := invalidFields(unknown)
	p.Detail = "unknown query parameter " + unknown[0].Field + "; see allowed"
	p.Allowed = slices.Sorted(slices.Values(allowed))
	return p
}
