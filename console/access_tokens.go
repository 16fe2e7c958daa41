package console

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// mountOwnTokens mounts "Your API tokens": every admin's own tokens for
// the admin API, which only they may mint (the API needs no permission
// for one's own).
func (k *Console) mountOwnTokens(g *echo.Group) {
	g.GET("/access/tokens", k.admin(k.showOwnTokens))
	g.POST("/access/tokens", k.admin(k.createOwnToken))
	g.POST("/access/tokens/:tokenId/revoke", k.admin(k.revokeOwnToken))
	g.POST("/access/tokens/:tokenId/rotate", k.admin(k.rotateOwnToken))
}

type ownTokensView struct {
	Items   []tokenDoc
	Form    tokenForm
	Created *createdToken
	// Rotated is set when Created replaced a token.
	Rotated bool
	APIURL  string
}

func (k *Console) ownTokensPath(c echo.Context) string {
	return "/admins/" + url.PathEscape(signedIn(c).ID) + "/tokens"
}

func (k *Console) ownTokensPage(c echo.Context, form tokenForm) (page, error) {
	var reply struct {
		Items []tokenDoc `json:"items"`
	}
	if err := k.call(c, http.MethodGet, k.ownTokensPath(c), nil, nil, &reply); err != nil {
		return page{}, err
	}
	view := ownTokensView{Items: reply.Items, Form: form, APIURL: k.base.String() + apiPrefix}
	return newPage(c, "access", "Your API tokens", view), nil
}

func (k *Console) showOwnTokens(c echo.Context) error {
	pg, err := k.ownTokensPage(c, tokenForm{Days: "90"})
	if err != nil {
		return err
	}
	return k.render(c, http.StatusOK, "access_tokens", pg)
}

// showCreated answers a POST that made a token with the page itself, the
// secret shown this once.
func (k *Console) showCreatedOwnToken(c echo.Context, created createdToken, rotated bool) error {
	pg, err := k.ownTokensPage(c, tokenForm{Days: "90"})
	if err != nil {
		return err
	}
	view := pg.Data.(ownTokensView)
	view.Created, view.Rotated = &created, rotated
	pg.Data, pg.Flash = view, "Token "+created.Name+" is created. Copy it now: it is not shown again."
	return k.render(c, http.StatusCreated, "access_tokens", pg)
}

func (k *Console) createOwnToken(c echo.Context) error {
	form := tokenForm{Name: c.FormValue("name"), Days: c.FormValue("expires_in_days")}
	body, errs := form.body()
	var created createdToken
	var err error
	if errs == nil {
		if err = k.call(c, http.MethodPost, k.ownTokensPath(c), nil, body, &created); err == nil {
			return k.showCreatedOwnToken(c, created, false)
		}
	}
	pg, perr := k.ownTokensPage(c, form)
	if perr != nil {
		return perr
	}
	if errs != nil {
		pg.Errors = errs
		return k.render(c, http.StatusBadRequest, "access_tokens", pg)
	}
	if status, ok := formProblem(err, &pg); ok {
		return k.render(c, status, "access_tokens", pg)
	}
	return err
}

func (k *Console) revokeOwnToken(c echo.Context) error {
	var tok tokenDoc
	if err := k.call(c, http.MethodDelete, k.ownTokensPath(c)+"/"+url.PathEscape(c.Param("tokenId")), nil, nil, &tok); err != nil {
		return err
	}
	return seeOther(c, Prefix+"/access/tokens", "The API token "+tok.Name+" is revoked.")
}

// rotateOwnToken replaces a token with a new secret of the same name and
// lifetime; the old one stops working at once.
func (k *Console) rotateOwnToken(c echo.Context) error {
	var created createdToken
	if err := k.call(c, http.MethodPost, k.ownTokensPath(c)+"/"+url.PathEscape(c.Param("tokenId"))+"/rotate", nil, nil, &created); err != nil {
		return err
	}
	return k.showCreatedOwnToken(c, created, true)
}
