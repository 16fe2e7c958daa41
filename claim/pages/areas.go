package pages

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// area is one server.Area of the pages: a prefix, its routes, how errors
// the server raises for it are written, and the routes that take larger
// bodies than the server allows by default (picture uploads).
type area struct {
	prefix     string
	mount      func(g *echo.Group)
	writeError func(c echo.Context, status int, detail string) error
	limits     map[string]int64 // "METHOD route" → bytes
}

func (a *area) Prefix() string      { return a.prefix }
func (a *area) Mount(g *echo.Group) { a.mount(g) }

func (a *area) WriteError(c echo.Context, status int, detail string) error {
	return a.writeError(c, status, detail)
}

// BodyLimit implements server.BodyLimiter.
func (a *area) BodyLimit(method, route string) int64 { return a.limits[method+" "+route] }

// htmlArea is an area of pages: every response carries the page security
// headers, and every unsafe request passes the cross-origin check unless
// its route opts out (the SAML ACS).
func (p *Pages) htmlArea(prefix string, mount func(g *echo.Group)) *area {
	return &area{
		prefix: prefix,
		mount: func(g *echo.Group) {
			g.Use(p.pageHeaders)
			mount(g)
		},
		writeError: p.writeServerErrorPage,
	}
}

// allow lets route (echo's pattern, prefix included) take bodies up to
// limit bytes.
func (a *area) allow(method, route string, limit int64) *area {
	if a.limits == nil {
		a.limits = map[string]int64{}
	}
	a.limits[method+" "+route] = limit
	return a
}

// apiArea is the JSON claim API: bearer tokens, no cookies, so no
// cross-origin check.
func (p *Pages) apiArea() *area {
	a := &area{prefix: apiPrefix, mount: p.mountAPI, writeError: p.writeServerErrorJSON}
	return a.allow(http.MethodPost, apiPrefix+"/picture", uploadLimit)
}
