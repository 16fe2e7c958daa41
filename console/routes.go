package console

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Mount implements server.Area: the whole console. Each section mounts
// its own pages (people.go, exports.go, settings.go, access.go,
// audit.go, account.go); every one of them is wrapped by k.admin, which
// signs the admin in, or by k.page for the few that need no session.
func (k *Console) Mount(g *echo.Group) {
	g.GET("/assets/:name", k.page(k.serveAsset))
	g.GET("/signin", k.page(k.showSignIn))
	g.POST("/signin", k.page(k.signIn))
	g.GET("/signin/sso", k.page(k.startSSO))
	g.POST("/signout", k.page(k.signOut))
	home := k.admin(func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, Prefix+"/people") })
	g.GET("", home)
	g.GET("/", home)
	k.mountAccount(g)
	k.mountPeople(g)
	k.mountExports(g)
	k.mountSettings(g)
	k.mountAccess(g)
	k.mountAudit(g)
	g.Any("/*", k.page(func(echo.Context) error { return errNotFound }))
}

// page wraps a console handler: the console's headers and the
// cross-origin check first, and any error it returns becomes the error
// page.
func (k *Console) page(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		hdr := c.Response().Header()
		hdr.Set("Content-Security-Policy", contentSecurityPolicy(nil))
		if k.base.Scheme == "https" {
			hdr.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if err := k.csrf.Check(c.Request()); err != nil {
			return k.errorPage(c, errCrossOrigin)
		}
		if err := h(c); err != nil {
			return k.errorPage(c, err)
		}
		return nil
	}
}

// admin is page for a signed-in admin's page.
func (k *Console) admin(h echo.HandlerFunc) echo.HandlerFunc { return k.page(k.requireAdmin(h)) }
