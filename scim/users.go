package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/scim/filter"
	"github.com/latchkeyhq/latchkey/scim/patch"
	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// coreURNs are the spellings of the core User schema URN accepted in a
// request's schemas; Workplace's own examples write it with a slash.
var coreUserURNs = []string{schemas.UserURN, "urn:ietf:params:scim:schemas:core:2.0/User"}

func (h *Handler) createUser(c echo.Context) error {
	ctx := c.Request().Context()
	doc, err := readDocument(c)
	if err != nil {
		return err
	}
	if err := requireSchema(doc, coreUserURNs...); err != nil {
		return err
	}
	norm, err := normalize(doc, schemas.User())
	if err != nil {
		return err
	}
	dropOwnPhotos(norm, h.root)
	now := h.timestamp()
	a := directory.Account{OrgID: principalFrom(ctx).OrgID}
	if err := applyUserDocument(&a, norm, nil, now); err != nil {
		return err
	}
	err = h.store.InTx(ctx, func(tx directory.Store) error {
		actor := h.actor(ctx)
		if err := h.policy.BeforeWrite(ctx, tx, actor, nil, &a); err != nil {
			return err
		}
		if err := tx.CreateAccount(ctx, &a); err != nil {
			return err
		}
		if err := h.audit(ctx, tx, "user.create", "user", a.ID, 0, a.Version, nil); err != nil {
			return err
		}
		return h.policy.AfterWrite(ctx, tx, actor, nil, &a)
	})
	if errors.Is(err, directory.ErrConflict) {
		return &Error{Status: http.StatusConflict, ScimType: typeUniqueness,
			Detail: fmt.Sprintf("userName %q is already taken in this organization", a.UserName)}
	}
	if err != nil {
		return err
	}
	return writeResource(c, http.StatusCreated, h.userDoc(a), a.Version)
}

func (h *Handler) getUser(c echo.Context) error {
	a, err := h.loadUser(c)
	if err != nil {
		return err
	}
	if notModified(c, a.Version) {
		return writeNotModified(c, a.Version)
	}
	p := newProjection(c.QueryParam("attributes"), c.QueryParam("excludedAttributes"))
	return writeResource(c, http.StatusOK, p.apply(h.userDoc(a)), a.Version)
}

func (h *Handler) loadUser(c echo.Context) (directory.Account, error) {
	a, err := h.store.Account(c.Request().Context(), principalFrom(c.Request().Context()).OrgID, c.Param("id"))
	if errors.Is(err, directory.ErrNotFound) {
		return a, notFound("User", c.Param("id"))
	}
	return a, err
}

func (h *Handler) listUsers(c echo.Context) error {
	p, err := h.queryParams(c.QueryParams())
	if err != nil {
		return err
	}
	return h.findUsers(c, p)
}

func (h *Handler) searchUsers(c echo.Context) error {
	p, err := h.searchParams(c)
	if err != nil {
		return err
	}
	return h.findUsers(c, p)
}

func (h *Handler) findUsers(c echo.Context, p listParams) error {
	ctx := c.Request().Context()
	var f directory.Filter
	if p.filter != "" {
		var err error
		if f, err = filter.Users(p.filter); err != nil {
			return err
		}
	}
	var sortBy directory.Attr
	if p.sortBy != "" {
		var err error
		if sortBy, err = filter.UserSort(p.sortBy); err != nil {
			return err
		}
	}
	orgID := principalFrom(ctx).OrgID
	q, cachedTotal, counted, cached := h.planPage(orgID, "User", p, p.storeQuery(f, sortBy))
	page, err := h.store.FindAccounts(ctx, orgID, q)
	if err != nil {
		return cursorError(err, p)
	}
	if cached {
		page.Total = cachedTotal
	}
	h.rememberPage(orgID, "User", p, page.NextCursor, page.Total, counted)
	resources := make([]any, 0, len(page.Accounts))
	for _, a := range page.Accounts {
		resources = append(resources, p.projection.apply(h.userDoc(a)))
	}
	return writeJSON(c, http.StatusOK, p.page(resources, page.Total, page.NextCursor))
}

// cursorError turns a refused cursor into RFC 9865's invalidCursor.
func cursorError(err error, p listParams) error {
	var invalid *directory.ValidationError
	if p.cursor != nil && errors.As(err, &invalid) && invalid.Field == "cursor" {
		return badRequest(typeInvalidCursor, "the cursor is not valid for this query; start again without one")
	}
	return err
}

func (h *Handler) replaceUser(c echo.Context) error {
	doc, err := readDocument(c)
	if err != nil {
		return err
	}
	if err := requireSchema(doc, coreUserURNs...); err != nil {
		return err
	}
	norm, err := normalize(doc, schemas.User())
	if err != nil {
		return err
	}
	dropOwnPhotos(norm, h.root)
	a, err := h.updateUser(c, "user.replace", func(a *directory.Account) error {
		return applyUserDocument(a, norm, nil, h.timestamp())
	})
	if err != nil {
		return err
	}
	return writeResource(c, http.StatusOK, h.userDoc(a), a.Version)
}

func (h *Handler) patchUser(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	ops, err := patch.ParseRequest(body)
	if err != nil {
		return err
	}
	a, err := h.updateUser(c, "user.patch", func(a *directory.Account) error {
		return patchAccount(a, ops, h.root, h.timestamp())
	})
	if err != nil {
		return err
	}
	p := newProjection(c.QueryParam("attributes"), c.QueryParam("excludedAttributes"))
	return writeResource(c, http.StatusOK, p.apply(h.userDoc(a)), a.Version)
}

// patchAccount applies PATCH operations to the account's document as the
// client sees it (so paths such as active or the lifecycle extensions
// work), then maps the result back. root is the server's root URL, whose
// pictures are never stored as photos (see dropOwnPhotos).
func patchAccount(a *directory.Account, ops []patch.Operation, root string, now time.Time) error {
	patched, changed, err := patch.Apply(editableUser(*a), ops, schemas.User(), patch.Options{ID: a.ID})
	if err != nil || !changed {
		return err
	}
	norm, err := normalize(patched, schemas.User())
	if err != nil {
		return err
	}
	dropOwnPhotos(norm, root)
	return applyUserDocument(a, norm, editableUser(*a), now)
}

// editableUser is the account as a client sees it, without what no
// client writes.
func editableUser(a directory.Account) document {
	doc := userResource(a, "")
	delete(doc, "meta")
	delete(doc, "schemas")
	delete(doc, "id")
	return doc
}

// visibleUser is everything a client can see of an account but its meta:
// two accounts that render alike are the same to every client, so writing
// one over the other is a no-op that must not move meta.version.
func visibleUser(a directory.Account) []byte {
	raw, _ := json.Marshal(editableUser(a)) // a rendered document always marshals
	return raw
}

// updateUser loads the user under a row lock, checks If-Match, lets change
// modify it, and writes it with its audit record, all in one transaction:
// concurrent PATCHes queue behind each other instead of overwriting, and
// If-Match is checked against the version actually replaced.
func (h *Handler) updateUser(c echo.Context, action string, change func(*directory.Account) error) (directory.Account, error) {
	ctx := c.Request().Context()
	want, err := ifMatch(c)
	if err != nil {
		return directory.Account{}, err
	}
	orgID, id := principalFrom(ctx).OrgID, c.Param("id")
	var out directory.Account
	var userName string
	err = h.store.InTx(ctx, func(tx directory.Store) error {
		a, err := tx.AccountForUpdate(ctx, orgID, id)
		if errors.Is(err, directory.ErrNotFound) {
			return notFound("User", id)
		}
		if err != nil {
			return err
		}
		if err := checkVersion(want, a.Version); err != nil {
			return err
		}
		out = a
		seen := visibleUser(a)
		if err := change(&a); err != nil {
			return err
		}
		if bytes.Equal(seen, visibleUser(a)) {
			return nil
		}
		userName = a.UserName
		if err := h.write(ctx, tx, action, out, &a); err != nil {
			return err
		}
		out = a
		return nil
	})
	if errors.Is(err, directory.ErrConflict) {
		return out, &Error{Status: http.StatusConflict, ScimType: typeUniqueness,
			Detail: fmt.Sprintf("userName %q is already taken in this organization", userName)}
	}
	return out, err
}

// deleteUser removes an account that was never claimed; a claimed account
// is deactivated instead (Workplace's rule: people who used their account
// keep its history), and the answer is 204 either way.
func (h *Handler) deleteUser(c echo.Context) error {
	ctx := c.Request().Context()
	want, err := ifMatch(c)
	if err != nil {
		return err
	}
	orgID, id := principalFrom(ctx).OrgID, c.Param("id")
	err = h.store.InTx(ctx, func(tx directory.Store) error {
		a, err := tx.AccountForUpdate(ctx, orgID, id)
		if errors.Is(err, directory.ErrNotFound) {
			return notFound("User", id)
		}
		if err != nil {
			return err
		}
		if err := checkVersion(want, a.Version); err != nil {
			return err
		}
		if a.State == directory.StateClaimed {
			return h.deactivate(ctx, tx, a)
		}
		if err := tx.DeleteAccount(ctx, a.OrgID, a.ID); err != nil {
			return err
		}
		return h.audit(ctx, tx, "user.delete", "user", a.ID, a.Version, 0, nil)
	})
	if errors.Is(err, directory.ErrNotFound) {
		return notFound("User", id)
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// deactivate is what DELETE does to a claimed account: it keeps its
// history and claim state and only stops being active.
func (h *Handler) deactivate(ctx context.Context, tx directory.Store, a directory.Account) error {
	if !a.Active {
		return nil
	}
	prev := a
	a.SetActive(false, h.timestamp())
	return h.write(ctx, tx, "user.deactivate", prev, &a)
}

// write stores a changed account with its audit record, between the
// account policy's hooks (invitations react to every write).
func (h *Handler) write(ctx context.Context, tx directory.Store, action string, prev directory.Account, next *directory.Account) error {
	actor := h.actor(ctx)
	if err := h.policy.BeforeWrite(ctx, tx, actor, &prev, next); err != nil {
		return err
	}
	if err := tx.UpdateAccount(ctx, next); err != nil {
		return err
	}
	if err := h.audit(ctx, tx, action, "user", next.ID, prev.Version, next.Version, nil); err != nil {
		return err
	}
	return h.policy.AfterWrite(ctx, tx, actor, &prev, next)
}

// requireSchema checks that a resource names its core schema.
func requireSchema(doc document, urns ...string) error {
	list, _ := doc["schemas"].([]any)
	for _, s := range list {
		for _, urn := range urns {
			if str, ok := s.(string); ok && strings.EqualFold(str, urn) {
				return nil
			}
		}
	}
	return badRequest(typeInvalidSyntax, "schemas must include %s", urns[0])
}
