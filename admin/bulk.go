package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/server"
)

// bulkRoutes apply one action to everyone a filter selects ("Invite all
// (N)", "Remind all (N)"), in the background (bulk_job.go), and report
// progress.
func (h *Handler) bulkRoutes() []route {
	const tag = "bulk-actions"
	manage := directory.PermManageAccounts
	return []route{
		{Method: http.MethodPost, Path: "/bulk-actions", Permission: manage, Tag: tag,
			Summary: "Apply an action to everyone the filter (and ids) select, in the background; 202 with the total",
			Body:    bulkRequest{}, Reply: bulkReply{}, Status: http.StatusAccepted, Handle: h.createBulkAction},
		{Method: http.MethodGet, Path: "/bulk-actions", Permission: manage, Tag: tag,
			Summary: "Recent bulk actions, newest first",
			Query:   []queryParam{{Name: "limit", Type: "integer", Description: "1 to 100, default 20"}},
			Reply:   bulkList{}, Handle: h.listBulkActions},
		{Method: http.MethodGet, Path: "/bulk-actions/:id", Permission: manage, Tag: tag,
			Summary: "A bulk action's status and progress: done of total, changed, skipped, failed and a few errors",
			Reply:   bulkReply{}, Handle: h.getBulkAction},
	}
}

// addBulkWorkers registers the job that runs bulk actions.
func (h *Handler) addBulkWorkers(workers *river.Workers) {
	river.AddWorker(workers, &bulkWorker{h: h})
}

// createBulkAction counts the selection, records the bulk action and
// enqueues its job, all in one transaction: the job exists exactly when
// the bulk action does.
func (h *Handler) createBulkAction(c echo.Context) error {
	var req bulkRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	selected, err := req.check()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	who := callerFrom(ctx)
	actor := who.actor(server.RequestID(ctx))
	b := directory.BulkAction{OrgID: who.OrgID, AdminID: who.AdminID, Action: string(req.Action), Status: directory.JobQueued}
	if b.Params, err = json.Marshal(req.bulkSelection); err != nil {
		return err
	}
	if b.Options, err = json.Marshal(bulkOptions{Note: req.Note, RequestID: actor.RequestID}); err != nil {
		return err
	}
	err = h.store.InTx(ctx, func(tx directory.Store) error {
		return h.startBulk(ctx, tx, &b, selected, actor, req.bulkSelection)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, bulkReplyOf(b))
}

// startBulk counts who selected matches, stores b with that total and
// enqueues its job, audited with the selection (ids counted, not listed).
func (h *Handler) startBulk(ctx context.Context, tx directory.Store, b *directory.BulkAction, selected directory.Filter,
	actor directory.Actor, sel bulkSelection) error {
	page, err := tx.FindAccounts(ctx, b.OrgID, directory.ListQuery{Filter: selected, WithTotal: true})
	if err != nil {
		return err
	}
	b.Total = page.Total
	if err := tx.CreateBulkAction(ctx, b); err != nil {
		return err
	}
	e := directory.AuditEvent{OrgID: b.OrgID, Action: "bulk_action.create", TargetType: "bulk_action", TargetID: b.ID}
	details := map[string]any{"action": b.Action, "total": b.Total, "filters": sel.peopleFilter, "ids": len(sel.IDs)}
	if err := directory.Record(ctx, tx, actor, e, details); err != nil {
		return err
	}
	return h.jobs.Enqueue(ctx, tx, bulkArgs{OrgID: b.OrgID, BulkID: b.ID}, bulkUnique())
}

// bulkList is GET /bulk-actions.
type bulkList struct {
	Items []bulkReply `json:"items"`
}

func (h *Handler) listBulkActions(c echo.Context) error {
	for name := range c.QueryParams() {
		if name != "limit" {
			p := invalidField(name, "is not a query parameter here; see allowed")
			p.Allowed = []string{"limit"}
			return p
		}
	}
	limit := 20
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return invalidField("limit", "must be a whole number from 1 to 100")
		}
		limit = n
	}
	who := callerFrom(c.Request().Context())
	list, err := h.store.ListBulkActions(c.Request().Context(), who.OrgID, limit)
	if err != nil {
		return err
	}
	out := bulkList{Items: make([]bulkReply, 0, len(list))}
	for _, b := range list {
		out.Items = append(out.Items, bulkReplyOf(b))
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handler) getBulkAction(c echo.Context) error {
	who := callerFrom(c.Request().Context())
	b, err := h.store.BulkAction(c.Request().Context(), who.OrgID, c.Param("id"))
	if errors.Is(err, directory.ErrNotFound) {
		return newProblem(http.StatusNotFound, "not_found", "no bulk action with this id in this organization")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, bulkReplyOf(b))
}
