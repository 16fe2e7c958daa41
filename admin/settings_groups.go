package admin

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// The groups people may join while claiming: default groups are offered
// to everyone, open ones can be found by search. Identity providers own
// the groups; only these two flags are the organization's.
func (h *Handler) settingsGroupRoutes() []route {
	return []route{
		{Method: http.MethodGet, Path: "/groups", Permission: directory.PermReadPeople, Tag: "settings",
			Summary: "Groups by name, with their claim-page flags", Query: []queryParam{
				{Name: "q", Description: "part of the group's name (any case)"},
				{Name: "limit", Type: "integer", Description: "1 to 1000, default 100"},
				{Name: "cursor", Description: "next_cursor of the previous page"},
			}, Reply: groupPage{}, Handle: h.listGroups},
		{Method: http.MethodPut, Path: "/groups/:id/flags", Permission: directory.PermManageSettings, Tag: "settings",
			Summary: "Offer a group to everyone claiming (is_default) or let people find and join it (is_open)",
			Body:    groupFlags{}, Reply: groupDoc{}, Handle: h.putGroupFlags},
	}
}

type groupPage struct {
	Items      []groupDoc `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

type groupDoc struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	IsDefault   bool   `json:"is_default"`
	IsOpen      bool   `json:"is_open"`
}

// groupFlags is PUT /groups/{id}/flags: both flags, always.
type groupFlags struct {
	IsDefault *bool `json:"is_default"`
	IsOpen    *bool `json:"is_open"`
}

func groupDocOf(g directory.Group) groupDoc {
	return groupDoc{ID: g.ID, DisplayName: g.DisplayName, IsDefault: g.Flags.Default, IsOpen: g.Flags.Open}
}

func (h *Handler) listGroups(c echo.Context) error {
	if err := checkQueryParams(c, "q", "limit", "cursor"); err != nil {
		return err
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	q := directory.ListQuery{SortBy: directory.AttrDisplayName, After: c.QueryParam("cursor"), Limit: limit}
	if text := c.QueryParam("q"); text != "" {
		q.Filter = directory.Compare{Attr: directory.AttrDisplayName, Op: directory.OpCo, Value: text}
	}
	ctx := c.Request().Context()
	page, err := h.store.FindGroups(ctx, callerFrom(ctx).OrgID, q)
	if err != nil {
		return err
	}
	out := groupPage{Items: make([]groupDoc, 0, len(page.Groups)), NextCursor: page.NextCursor}
	for _, g := range page.Groups {
		out.Items = append(out.Items, groupDocOf(g))
	}
	return c.JSON(http.StatusOK, out)
}

// queryLimit reads ?limit= (1 to 1000, default 100).
func queryLimit(c echo.Context) (int, error) {
	raw := c.QueryParam("limit")
	if raw == "" {
		return directory.PageLimit(0), nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > directory.MaxPageSize {
		return 0, invalidField("limit", "must be a whole number from 1 to 1000")
	}
	return n, nil
}

func (h *Handler) putGroupFlags(c echo.Context) error {
	var body groupFlags
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	var errs []fieldError
	for field, v := range map[string]*bool{"is_default": body.IsDefault, "is_open": body.IsOpen} {
		if v == nil {
			errs = append(errs, fieldError{Field: field, Message: "is required: true or false"})
		}
	}
	if len(errs) > 0 {
		return invalidFields(errs)
	}
	ctx := c.Request().Context()
	orgID := callerFrom(ctx).OrgID
	var g directory.Group
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		var err error
		if g, err = tx.Group(ctx, orgID, c.Param("id")); err != nil {
			return err
		}
		before := groupDocOf(g)
		g.Flags = directory.GroupFlags{Default: *body.IsDefault, Open: *body.IsOpen}
		diff, err := settingsDiff(before, groupDocOf(g))
		if err != nil || len(diff) == 0 {
			return err
		}
		if err := tx.SetGroupFlags(ctx, orgID, g.ID, g.Flags); err != nil {
			return err
		}
		return audit(c, tx, "group.flags", "group", g.ID, map[string]any{"changes": diff})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, groupDocOf(g))
}
