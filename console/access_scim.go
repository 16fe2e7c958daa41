package console

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// mountScimTokens mounts the SCIM tokens page. The OAuth SCIM clients
// have no admin API endpoints, so they are not managed here; tokens the
// OAuth token endpoint issued are listed with their client id.
func (k *Console) mountScimTokens(g *echo.Group) {
	g.GET("/access/scim-tokens", k.admin(k.showScimTokens))
	g.POST("/access/scim-tokens", k.admin(k.createScimToken))
	g.POST("/access/scim-tokens/:id/revoke", k.admin(k.revokeScimToken))
}

type scimTokensView struct {
	Items []tokenDoc
	Form  tokenForm
	// Created is the token just made, with its secret: only in the
	// answer to the POST that made it, never stored or redirected.
	Created *createdToken
	// SCIMBaseURL is where identity providers send SCIM requests.
	SCIMBaseURL string
}

func (k *Console) scimTokensPage(c echo.Context, form tokenForm) (page, error) {
	var reply struct {
		Items []tokenDoc `json:"items"`
	}
	if err := k.call(c, http.MethodGet, "/scim-tokens", nil, nil, &reply); err != nil {
		return page{}, err
	}
	view := scimTokensView{Items: reply.Items, Form: form, SCIMBaseURL: k.base.String() + "/scim/v2"}
	return newPage(c, "access", "SCIM tokens", view), nil
}

func (k *Console) showScimTokens(c echo.Context) error {
	pg, err := k.scimTokensPage(c, tokenForm{Days: "365"})
	if err != nil {
		return err
	}
	return k.render(c, http.StatusOK, "access_scim", pg)
}

// createScimToken makes a token and answers with the page itself (201),
// the secret shown this once: it never goes into a redirect, a cookie or
// a flash message. Reloading the list does not show it again.
func (k *Console) createScimToken(c echo.Context) error {
	form := tokenForm{Name: c.FormValue("name"), Days: c.FormValue("expires_in_days")}
	body, errs := form.body()
	var created createdToken
	var err error
	if errs == nil {
		err = k.call(c, http.MethodPost, "/scim-tokens", nil, body, &created)
	}
	pg, perr := k.scimTokensPage(c, form)
	if perr != nil {
		return perr
	}
	if errs != nil {
		pg.Errors = errs
		return k.render(c, http.StatusBadRequest, "access_scim", pg)
	}
	if err != nil {
		if status, ok := formProblem(err, &pg); ok {
			return k.render(c, status, "access_scim", pg)
		}
		return err
	}
	view := pg.Data.(scimTokensView)
	view.Created, view.Form = &created, tokenForm{Days: "365"}
	pg.Data, pg.Flash = view, "Token "+created.Name+" is created. Copy it now: it is not shown again."
	return k.render(c, http.StatusCreated, "access_scim", pg)
}

func (k *Console) revokeScimToken(c echo.Context) error {
	var tok tokenDoc
	if err := k.call(c, http.MethodDelete, "/scim-tokens/"+url.PathEscape(c.Param("id")), nil, nil, &tok); err != nil {
		return err
	}
	return seeOther(c, Prefix+"/access/scim-tokens", "Token "+tok.Name+" is revoked: requests that use it are refused from now on.")
}
