package scim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/scim/filter"
	"github.com/latchkeyhq/latchkey/scim/patch"
	"github.com/latchkeyhq/latchkey/scim/schemas"
)

func (h *Handler) createGroup(c echo.Context) error {
	ctx := c.Request().Context()
	doc, err := readDocument(c)
	if err != nil {
		return err
	}
	if err := requireSchema(doc, schemas.GroupURN); err != nil {
		return err
	}
	norm, err := normalize(doc, schemas.Group())
	if err != nil {
		return err
	}
	g := directory.Group{OrgID: principalFrom(ctx).OrgID}
	refs, err := applyGroupDocument(&g, norm)
	if err != nil {
		return err
	}
	err = h.store.InTx(ctx, func(tx directory.Store) error {
		if err := tx.CreateGroup(ctx, &g); err != nil {
			return err
		}
		if err := addMembers(ctx, tx, g.OrgID, g.ID, refs); err != nil {
			return err
		}
		stored, err := tx.Group(ctx, g.OrgID, g.ID)
		if err != nil {
			return err
		}
		g = stored
		return h.audit(ctx, tx, "group.create", "group", g.ID, 0, g.Version, map[string]any{"members": len(refs)})
	})
	if err != nil {
		return groupWriteError(err, g)
	}
	members, err := h.members(ctx, g, projection{})
	if err != nil {
		return err
	}
	return writeResource(c, http.StatusCreated, groupResource(g, members, h.base), g.Version)
}

func groupWriteError(err error, g directory.Group) error {
	if errors.Is(err, directory.ErrConflict) {
		return &Error{Status: http.StatusConflict, ScimType: typeUniqueness,
			Detail: fmt.Sprintf("a group named %q already exists in this organization", g.DisplayName)}
	}
	return err
}

// addMembers adds members, resolving those sent without a type: first as
// users, the common case, and one by one only when that fails.
func addMembers(ctx context.Context, tx directory.Store, orgID, groupID string, refs []memberRef) error {
	if len(refs) == 0 {
		return nil
	}
	members := make([]directory.Member, 0, len(refs))
	untyped := false
	for _, r := range refs {
		t := r.Type
		if t == "" {
			t, untyped = directory.MemberUser, true
		}
		members = append(members, directory.Member{ID: r.ID, Type: t})
	}
	_, err := tx.AddMembers(ctx, orgID, groupID, members)
	if errors.Is(err, directory.ErrNotFound) && untyped {
		if members, err = resolveMembers(ctx, tx, orgID, refs); err == nil {
			_, err = tx.AddMembers(ctx, orgID, groupID, members)
		}
	}
	if errors.Is(err, directory.ErrNotFound) {
		return badRequest(typeInvalidValue, "a member does not exist in this organization; create it first")
	}
	return err
}

func resolveMembers(ctx context.Context, tx directory.Store, orgID string, refs []memberRef) ([]directory.Member, error) {
	out := make([]directory.Member, 0, len(refs))
	for _, r := range refs {
		t := r.Type
		if t == "" {
			t = directory.MemberUser
			if _, err := tx.Account(ctx, orgID, r.ID); errors.Is(err, directory.ErrNotFound) {
				t = directory.MemberGroup
			} else if err != nil {
				return nil, err
			}
		}
		out = append(out, directory.Member{ID: r.ID, Type: t})
	}
	return out, nil
}

// members loads every member unless the projection leaves them out.
func (h *Handler) members(ctx context.Context, g directory.Group, p projection) ([]directory.Member, error) {
	if !p.wants("members") {
		return nil, nil
	}
	all := []directory.Member{}
	after := ""
	for {
		page, err := h.store.ListMembers(ctx, g.OrgID, g.ID, directory.MemberQuery{Limit: directory.MaxPageSize, After: after})
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < directory.MaxPageSize {
			return all, nil
		}
		after = page[len(page)-1].ID
	}
}

func (h *Handler) loadGroup(c echo.Context) (directory.Group, error) {
	ctx := c.Request().Context()
	g, err := h.store.Group(ctx, principalFrom(ctx).OrgID, c.Param("id"))
	if errors.Is(err, directory.ErrNotFound) {
		return g, notFound("Group", c.Param("id"))
	}
	return g, err
}

func (h *Handler) getGroup(c echo.Context) error {
	g, err := h.loadGroup(c)
	if err != nil {
		return err
	}
	if notModified(c, g.Version) {
		return writeNotModified(c, g.Version)
	}
	p := newProjection(c.QueryParam("attributes"), c.QueryParam("excludedAttributes"))
	members, err := h.members(c.Request().Context(), g, p)
	if err != nil {
		return err
	}
	return writeResource(c, http.StatusOK, p.apply(groupResource(g, members, h.base)), g.Version)
}

func (h *Handler) listGroups(c echo.Context) error {
	p, err := h.queryParams(c.QueryParams())
	if err != nil {
		return err
	}
	return h.findGroups(c, p)
}

func (h *Handler) searchGroups(c echo.Context) error {
	p, err := h.searchParams(c)
	if err != nil {
		return err
	}
	return h.findGroups(c, p)
}

func (h *Handler) findGroups(c echo.Context, p listParams) error {
	ctx := c.Request().Context()
	var f directory.Filter
	if p.filter != "" {
		var err error
		if f, err = filter.Groups(p.filter); err != nil {
			return err
		}
	}
	var sortBy directory.Attr
	if p.sortBy != "" {
		var err error
		if sortBy, err = filter.GroupSort(p.sortBy); err != nil {
			return err
		}
	}
	orgID := principalFrom(ctx).OrgID
	q, cachedTotal, counted, cached := h.planPage(orgID, "Group", p, p.storeQuery(f, sortBy))
	page, err := h.store.FindGroups(ctx, orgID, q)
	if err != nil {
		return cursorError(err, p)
	}
	if cached {
		page.Total = cachedTotal
	}
	full := len(page.Groups)
	if page, err = h.withinMemberBudget(ctx, orgID, p, q, page); err != nil {
		return err
	}
	if len(page.Groups) == full {
		h.rememberPage(orgID, "Group", p, page.NextCursor, page.Total, counted)
	}
	resources := make([]any, 0, len(page.Groups))
	for _, g := range page.Groups {
		members, err := h.members(ctx, g, p.projection)
		if err != nil {
			return err
		}
		resources = append(resources, p.projection.apply(groupResource(g, members, h.base)))
	}
	return writeJSON(c, http.StatusOK, p.page(resources, page.Total, page.NextCursor))
}

// withinMemberBudget shortens a page of groups whose members together
// exceed the handler's member budget, so that one list response stays
// bounded however large the groups are. RFC 7644 §3.4.2.4 lets a page
// hold fewer resources than count; itemsPerPage says how many, and the
// shortened page is queried again so its nextCursor continues right after
// it. The first group is always kept whole.
func (h *Handler) withinMemberBudget(ctx context.Context, orgID string, p listParams, q directory.ListQuery, page directory.GroupPage) (directory.GroupPage, error) {
	if !p.projection.wants("members") || len(page.Groups) < 2 {
		return page, nil
	}
	ids := make([]string, len(page.Groups))
	for i, g := range page.Groups {
		ids[i] = g.ID
	}
	counts, err := h.store.MemberCounts(ctx, orgID, ids)
	if err != nil {
		return page, err
	}
	keep, sum := 0, int64(0)
	for _, id := range ids {
		sum += counts[id]
		if keep > 0 && sum > int64(h.memberBudget) {
			break
		}
		keep++
	}
	if keep == len(page.Groups) {
		return page, nil
	}
	q.Limit, q.WithTotal = keep, false
	short, err := h.store.FindGroups(ctx, orgID, q)
	if err != nil {
		return page, err
	}
	short.Total = page.Total
	return short, nil
}

func (h *Handler) replaceGroup(c echo.Context) error {
	doc, err := readDocument(c)
	if err != nil {
		return err
	}
	if err := requireSchema(doc, schemas.GroupURN); err != nil {
		return err
	}
	norm, err := normalize(doc, schemas.Group())
	if err != nil {
		return err
	}
	g, err := h.updateGroup(c, "group.replace", func(g *directory.Group) ([]memberChange, bool, error) {
		refs, err := applyGroupDocument(g, norm)
		if err != nil {
			return nil, false, err
		}
		return []memberChange{{replace: true, add: refs}}, true, nil
	})
	if err != nil {
		return err
	}
	members, err := h.members(c.Request().Context(), g, projection{})
	if err != nil {
		return err
	}
	return writeResource(c, http.StatusOK, groupResource(g, members, h.base), g.Version)
}

func (h *Handler) patchGroup(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	ops, err := patch.ParseRequest(body)
	if err != nil {
		return err
	}
	g, err := h.updateGroup(c, "group.patch", func(g *directory.Group) ([]memberChange, bool, error) {
		return patchGroupDocument(g, ops)
	})
	if err != nil {
		return err
	}
	// Group PATCH answers 204 (RFC 7644 §3.5.2 allows it): listing every
	// member of a large group after adding one would cost more than the
	// change itself. The ETag still carries the new version. A client that
	// asks for attributes gets them, as §3.5.2 requires.
	if c.QueryParams().Has("attributes") || c.QueryParams().Has("excludedAttributes") {
		p := newProjection(c.QueryParam("attributes"), c.QueryParam("excludedAttributes"))
		members, err := h.members(c.Request().Context(), g, p)
		if err != nil {
			return err
		}
		return writeResource(c, http.StatusOK, p.apply(groupResource(g, members, h.base)), g.Version)
	}
	c.Response().Header().Set("ETag", etag(g.Version))
	return c.NoContent(http.StatusNoContent)
}

// updateGroup is updateUser for groups, plus membership changes. The
// group row stays locked from the If-Match check to the commit, so the
// check holds for member-only changes too.
func (h *Handler) updateGroup(c echo.Context, action string, change func(*directory.Group) ([]memberChange, bool, error)) (directory.Group, error) {
	ctx := c.Request().Context()
	want, err := ifMatch(c)
	if err != nil {
		return directory.Group{}, err
	}
	orgID, id := principalFrom(ctx).OrgID, c.Param("id")
	var out directory.Group
	err = h.store.InTx(ctx, func(tx directory.Store) error {
		g, err := tx.GroupForUpdate(ctx, orgID, id)
		if errors.Is(err, directory.ErrNotFound) {
			return notFound("Group", id)
		}
		if err != nil {
			return err
		}
		if err := checkVersion(want, g.Version); err != nil {
			return err
		}
		out = g
		before := g.Version
		changes, docChanged, err := change(&g)
		if err != nil {
			return err
		}
		out.DisplayName = g.DisplayName // for the conflict message
		if docChanged {
			if err := tx.UpdateGroup(ctx, &g); err != nil {
				return err
			}
		}
		for _, mc := range changes {
			if err := applyMemberChange(ctx, tx, g, mc); err != nil {
				return err
			}
		}
		if out, err = tx.Group(ctx, g.OrgID, g.ID); err != nil {
			return err
		}
		if out.Version == before {
			return nil // nothing changed: no audit record
		}
		return h.audit(ctx, tx, action, "group", g.ID, before, out.Version, nil)
	})
	return out, groupWriteError(err, out)
}

// memberChange is one membership operation of a PUT or PATCH.
type memberChange struct {
	add       []memberRef
	remove    []string
	removeAll bool
	replace   bool // the group's members become exactly add
}

func applyMemberChange(ctx context.Context, tx directory.Store, g directory.Group, mc memberChange) error {
	if mc.replace || mc.removeAll {
		if err := replaceMembers(ctx, tx, g, mc.add); err != nil {
			return err
		}
		return nil
	}
	if len(mc.remove) > 0 {
		if _, err := tx.RemoveMembers(ctx, g.OrgID, g.ID, mc.remove); err != nil {
			return err
		}
	}
	return addMembers(ctx, tx, g.OrgID, g.ID, mc.add)
}

// replaceMembers makes the member list exactly refs, touching only the
// difference.
func replaceMembers(ctx context.Context, tx directory.Store, g directory.Group, refs []memberRef) error {
	keep := make(map[string]bool, len(refs))
	for _, r := range refs {
		keep[r.ID] = true
	}
	var drop []string
	after := ""
	for {
		page, err := tx.ListMembers(ctx, g.OrgID, g.ID, directory.MemberQuery{Limit: directory.MaxPageSize, After: after})
		if err != nil {
			return err
		}
		for _, m := range page {
			if !keep[m.ID] {
				drop = append(drop, m.ID)
			}
		}
		if len(page) < directory.MaxPageSize {
			break
		}
		after = page[len(page)-1].ID
	}
	if len(drop) > 0 {
		if _, err := tx.RemoveMembers(ctx, g.OrgID, g.ID, drop); err != nil {
			return err
		}
	}
	return addMembers(ctx, tx, g.OrgID, g.ID, refs)
}

func (h *Handler) deleteGroup(c echo.Context) error {
	ctx := c.Request().Context()
	want, err := ifMatch(c)
	if err != nil {
		return err
	}
	orgID, id := principalFrom(ctx).OrgID, c.Param("id")
	err = h.store.InTx(ctx, func(tx directory.Store) error {
		g, err := tx.GroupForUpdate(ctx, orgID, id)
		if errors.Is(err, directory.ErrNotFound) {
			return notFound("Group", id)
		}
		if err != nil {
			return err
		}
		if err := checkVersion(want, g.Version); err != nil {
			return err
		}
		if err := tx.DeleteGroup(ctx, g.OrgID, g.ID); err != nil {
			return err
		}
		return h.audit(ctx, tx, "group.delete", "group", g.ID, g.Version, 0, nil)
	})
	if errors.Is(err, directory.ErrNotFound) {
		return notFound("Group", id)
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
