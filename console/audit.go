package console

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
)

// mountAudit mounts the audit log.
func (k *Console) mountAudit(g *echo.Group) {
	g.GET("/audit", k.admin(k.showAudit))
}

// auditFilters are the audit page's filters, as the form has them.
type auditFilters struct {
	Action, ActorType, ActorID, TargetType, TargetID string
	// Since and Until are dates (YYYY-MM-DD), whole UTC days.
	Since, Until string
}

type auditEvent struct {
	ID         string          `json:"id"`
	At         time.Time       `json:"at"`
	ActorType  string          `json:"actor_type"`
	ActorID    string          `json:"actor_id"`
	ActorName  string          `json:"actor_name"`
	Action     string          `json:"action"`
	TargetType string          `json:"target_type"`
	TargetID   string          `json:"target_id"`
	RequestID  string          `json:"request_id"`
	Details    json.RawMessage `json:"details"`
}

type auditView struct {
	Filters auditFilters
	Items   []auditEvent
	// Next is the query of the next (older) page, "" on the last one.
	Next template.URL
}

// showAudit lists the audit log, newest first, 50 events a page, under
// the filters of the form. A filter the API refuses (a malformed date)
// is shown next to its field.
func (k *Console) showAudit(c echo.Context) error {
	f := auditFilters{Action: c.QueryParam("action"), ActorType: c.QueryParam("actor_type"), ActorID: c.QueryParam("actor_id"),
		TargetType: c.QueryParam("target_type"), TargetID: c.QueryParam("target_id"), Since: c.QueryParam("since"), Until: c.QueryParam("until")}
	pg := newPage(c, "audit", "Audit log", nil)
	q := url.Values{"limit": {"50"}}
	set := func(name, value string) {
		if value != "" {
			q.Set(name, value)
		}
	}
	set("action", f.Action)
	set("actor_type", f.ActorType)
	set("actor_id", f.ActorID)
	set("target_type", f.TargetType)
	set("target_id", f.TargetID)
	errs := map[string]string{}
	for name, value := range map[string]string{"since": f.Since, "until": f.Until} {
		if value == "" {
			continue
		}
		day, err := time.Parse(time.DateOnly, value)
		if err != nil {
			errs[name] = "Use a date such as 2026-11-27."
			continue
		}
		if name == "until" {
			day = day.AddDate(0, 0, 1) // through the whole day
		}
		q.Set(name, day.Format(time.RFC3339))
	}
	set("cursor", c.QueryParam("cursor"))
	view := auditView{Filters: f}
	if len(errs) > 0 {
		pg.Errors, pg.Data = errs, view
		return k.render(c, http.StatusBadRequest, "audit", pg)
	}
	var reply struct {
		Items      []auditEvent `json:"items"`
		NextCursor string       `json:"next_cursor"`
	}
	if err := k.call(c, http.MethodGet, "/audit", q, nil, &reply); err != nil {
		if e, ok := err.(*apiError); ok && e.Status == http.StatusBadRequest {
			pg.Notice, pg.Errors, pg.Data = capitalize(e.Detail)+".", e.fields(), view
			return k.render(c, http.StatusBadRequest, "audit", pg)
		}
		return err
	}
	view.Items = reply.Items
	if reply.NextCursor != "" {
		next := c.QueryParams()
		next.Set("cursor", reply.NextCursor)
		view.Next = template.URL(next.Encode()) // our own encoding of the page's own parameters
	}
	pg.Data = view
	return k.render(c, http.StatusOK, "audit", pg)
}
