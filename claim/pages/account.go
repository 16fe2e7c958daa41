package pages

import (
	"errors"
	"net/http"
	"regexp"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// picturesPrefix is where pictures are served (SCIM's photos point here).
const picturesPrefix = "/pictures"

var pictureIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

func (p *Pages) mountAccount(g *echo.Group) {
	g.GET("", p.html(p.showAccount(false)))
	g.GET("/welcome", p.html(p.showAccount(true)))
}

func (p *Pages) mountSignOut(g *echo.Group) {
	g.POST("", p.html(p.signOut))
}

func (p *Pages) mountPictures(g *echo.Group) {
	g.GET("/:id", p.html(p.servePicture))
}

type accountView struct {
	Name, UserName, PictureURL string
	Welcome                    bool
}

// showAccount is the signed-in page; "You're all set" right after a
// claim. Without a session it sends the person to sign in.
func (p *Pages) showAccount(welcome bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		s, err := p.session(ctx, p.cookies.sessionSecret(c), directory.PurposeSignIn)
		if errors.Is(err, errNoSession) {
			return seeOther(c, "/signin")
		}
		if err != nil {
			return err
		}
		a, err := p.store.Account(ctx, s.OrgID, s.AccountID)
		if err != nil {
			return err
		}
		org, err := p.store.Organization(ctx, s.OrgID)
		if err != nil {
			return err
		}
		title := "Your account"
		if welcome {
			title = "You're all set"
		}
		return p.render(c, http.StatusOK, "account", page{Title: title, OrgName: org.Name,
			Data: accountView{Name: personName(a), UserName: shownUserName(a), PictureURL: pictureURL(a), Welcome: welcome}})
	}
}

// signOut ends the browser's session and clears its cookie.
func (p *Pages) signOut(c echo.Context) error {
	ctx := c.Request().Context()
	secret := p.cookies.sessionSecret(c)
	target := "/signin"
	if s, err := p.session(ctx, secret, directory.PurposeSignIn); err == nil {
		if org, err := p.store.Organization(ctx, s.OrgID); err == nil {
			target += "?org=" + org.Slug
		}
	}
	if err := p.endSession(ctx, secret); err != nil {
		return err
	}
	p.cookies.clearSession(c)
	return seeOther(c, target)
}

// servePicture serves a profile picture. Its id is random and changes
// with every upload, so the response may be cached for good.
func (p *Pages) servePicture(c echo.Context) error {
	id := c.Param("id")
	if !pictureIDPattern.MatchString(id) {
		return errNotFound
	}
	pic, err := p.store.Picture(c.Request().Context(), id)
	if errors.Is(err, directory.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+pic.ID+`"`)
	if c.Request().Header.Get("If-None-Match") == `"`+pic.ID+`"` {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, pic.ContentType, pic.Data)
}
