package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// mountAdmins mounts the admins pages (admins.manage, which the API
// checks on every call).
func (k *Console) mountAdmins(g *echo.Group) {
	g.GET("/access/admins", k.admin(k.showAdmins))
	g.POST("/access/admins", k.admin(k.createAdmin))
	g.GET("/access/admins/:id", k.admin(k.showAdmin))
	g.POST("/access/admins/:id/role", k.admin(k.changeAdminRole))
	g.POST("/access/admins/:id/disable", k.admin(k.disableAdmin))
	g.POST("/access/admins/:id/tokens/:tokenId/revoke", k.admin(k.revokeAdminToken))
}

// adminDoc is an admin as the API lists them; HasPassword comes from the
// store (the API does not say whether a console password is set).
type adminDoc struct {
	ID          string     `json:"id"`
	Email       string     `json:"email"`
	Role        string     `json:"role"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"created_at"`
	DisabledAt  *time.Time `json:"disabled_at"`
	HasPassword bool       `json:"-"`
}

// Disabled reports whether the admin is disabled.
func (a adminDoc) Disabled() bool { return a.Status == "disabled" }

// roleDoc is a role as the API shows it.
type roleDoc struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	BuiltIn     bool       `json:"built_in"`
	Permissions []string   `json:"permissions"`
	CreatedAt   *time.Time `json:"created_at"`
	UpdatedAt   *time.Time `json:"updated_at"`
}

type adminForm struct {
	Email, Role string
}

type adminsView struct {
	Items []adminDoc
	Roles []roleDoc
	Form  adminForm
	// Me is the signed-in admin's id.
	Me string
	// Created is the admin just added and their first API token, shown
	// this once (the API mints one with every new admin).
	Created *createdAdmin
	// OrgSlug is for the password command's hint.
	OrgSlug string
}

type createdAdmin struct {
	Admin adminDoc     `json:"admin"`
	Token createdToken `json:"token"`
}

// roles lists the roles an admin may be given: built-in and custom.
func (k *Console) roles(c echo.Context) ([]roleDoc, error) {
	var reply struct {
		Items []roleDoc `json:"items"`
	}
	if err := k.call(c, http.MethodGet, "/roles", nil, nil, &reply); err != nil {
		return nil, err
	}
	return reply.Items, nil
}

// adminsPage reads the admins and the roles. Whether each admin has a
// console password is read from the store: the API has no endpoint for
// it (the password is the console's own credential).
func (k *Console) adminsPage(c echo.Context, form adminForm) (page, error) {
	var reply struct {
		Items []adminDoc `json:"items"`
	}
	if err := k.call(c, http.MethodGet, "/admins", nil, nil, &reply); err != nil {
		return page{}, err
	}
	a := signedIn(c)
	for i := range reply.Items {
		hash, err := k.store.AdminPassword(c.Request().Context(), a.OrgID, reply.Items[i].ID)
		if err != nil {
			return page{}, err
		}
		reply.Items[i].HasPassword = hash != ""
	}
	roles, err := k.roles(c)
	if err != nil {
		return page{}, err
	}
	if form.Role == "" {
		form.Role = "reader"
	}
	view := adminsView{Items: reply.Items, Roles: roles, Form: form, Me: a.ID, OrgSlug: a.OrgSlug}
	return newPage(c, "access", "Admins", view), nil
}

func (k *Console) showAdmins(c echo.Context) error {
	pg, err := k.adminsPage(c, adminForm{})
	if err != nil {
		return err
	}
	return k.render(c, http.StatusOK, "access_admins", pg)
}

// createAdmin adds an admin. The API gives every new admin a first API
// token, shown once: the page answers the POST itself (201) and shows it,
// with how the new admin signs in to the console.
func (k *Console) createAdmin(c echo.Context) error {
	form := adminForm{Email: strings.TrimSpace(c.FormValue("email")), Role: c.FormValue("role")}
	var created createdAdmin
	err := k.call(c, http.MethodPost, "/admins", nil, map[string]any{"email": form.Email, "role": form.Role}, &created)
	pg, perr := k.adminsPage(c, form)
	if perr != nil {
		return perr
	}
	if err != nil {
		if status, ok := formProblem(err, &pg); ok {
			return k.render(c, status, "access_admins", pg)
		}
		return err
	}
	view := pg.Data.(adminsView)
	view.Created, view.Form = &created, adminForm{Role: "reader"}
	pg.Data, pg.Flash = view, created.Admin.Email+" is now an admin ("+created.Admin.Role+")."
	return k.render(c, http.StatusCreated, "access_admins", pg)
}

// adminAction answers a change from the admins list: back to the list
// with a message, or the list again with the API's refusal (the last
// system admin, yourself, a role above yours) as a notice.
func (k *Console) adminAction(c echo.Context, err error, done string) error {
	if err == nil {
		return seeOther(c, Prefix+"/access/admins", done)
	}
	pg, perr := k.adminsPage(c, adminForm{})
	if perr != nil {
		return perr
	}
	if status, ok := formProblem(err, &pg); ok {
		return k.render(c, status, "access_admins", pg)
	}
	return err
}

func (k *Console) changeAdminRole(c echo.Context) error {
	var adm adminDoc
	err := k.call(c, http.MethodPatch, "/admins/"+url.PathEscape(c.Param("id")), nil, map[string]any{"role": c.FormValue("role")}, &adm)
	return k.adminAction(c, err, adm.Email+" now has the role "+adm.Role+".")
}

func (k *Console) disableAdmin(c echo.Context) error {
	var adm adminDoc
	err := k.call(c, http.MethodDelete, "/admins/"+url.PathEscape(c.Param("id")), nil, nil, &adm)
	return k.adminAction(c, err, adm.Email+" is disabled: their sessions and API tokens no longer work.")
}

type adminView struct {
	Admin  adminDoc
	Tokens []tokenDoc
	Me     bool
}

// showAdmin is one admin and their API tokens, which an admin manager
// may revoke (only the admin themself mints them).
func (k *Console) showAdmin(c echo.Context) error {
	id := c.Param("id")
	if id == signedIn(c).ID {
		return c.Redirect(http.StatusSeeOther, Prefix+"/access/tokens")
	}
	var view adminView
	if err := k.call(c, http.MethodGet, "/admins/"+url.PathEscape(id), nil, nil, &view.Admin); err != nil {
		return err
	}
	hash, err := k.store.AdminPassword(c.Request().Context(), signedIn(c).OrgID, view.Admin.ID)
	if err != nil {
		return err
	}
	view.Admin.HasPassword = hash != ""
	var reply struct {
		Items []tokenDoc `json:"items"`
	}
	if err := k.call(c, http.MethodGet, "/admins/"+url.PathEscape(id)+"/tokens", nil, nil, &reply); err != nil {
		return err
	}
	view.Tokens = reply.Items
	return k.render(c, http.StatusOK, "access_admin", newPage(c, "access", view.Admin.Email, view))
}

func (k *Console) revokeAdminToken(c echo.Context) error {
	id := c.Param("id")
	var tok tokenDoc
	if err := k.call(c, http.MethodDelete, "/admins/"+url.PathEscape(id)+"/tokens/"+url.PathEscape(c.Param("tokenId")), nil, nil, &tok); err != nil {
		return err
	}
	return seeOther(c, Prefix+"/access/admins/"+url.PathEscape(id), "The API token "+tok.Name+" is revoked.")
}
