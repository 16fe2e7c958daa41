package scim

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Mount lists the whole SCIM surface (server.Area). Discovery answers
// without authentication (it describes the server, not any tenant);
// everything else needs a bearer token and is rate-limited per token.
func (h *Handler) Mount(g *echo.Group) {
	readOnly := []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	for path, get := range map[string]echo.HandlerFunc{
		"/ServiceProviderConfig": h.handle(discovery(h.getServiceProviderConfig)),
		"/ResourceTypes":         h.handle(discovery(h.listResourceTypes)),
		"/ResourceTypes/:name":   h.handle(discovery(h.getResourceType)),
		"/Schemas":               h.handle(discovery(h.listSchemas)),
		"/Schemas/:urn":          h.handle(discovery(h.getSchema)),
	} {
		g.GET(path, get, h.count)
		g.Match(readOnly, path, h.handle(methodNotAllowed))
	}

	api := g.Group("", h.count, h.authenticate, h.limitRate)
	api.POST("/Users", h.handle(h.createUser))
	api.GET("/Users", h.handle(h.listUsers))
	api.POST("/Users/.search", h.handle(h.searchUsers))
	api.GET("/Users/:id", h.handle(h.getUser))
	api.PUT("/Users/:id", h.handle(h.replaceUser))
	api.PATCH("/Users/:id", h.handle(h.patchUser))
	api.DELETE("/Users/:id", h.handle(h.deleteUser))

	api.POST("/Groups", h.handle(h.createGroup))
	api.GET("/Groups", h.handle(h.listGroups))
	api.POST("/Groups/.search", h.handle(h.searchGroups))
	api.GET("/Groups/:id", h.handle(h.getGroup))
	api.PUT("/Groups/:id", h.handle(h.replaceGroup))
	api.PATCH("/Groups/:id", h.handle(h.patchGroup))
	api.DELETE("/Groups/:id", h.handle(h.deleteGroup))

	api.POST("/Bulk", h.handle(h.bulk))
	// RFC 7644 §3.11: a server without /Me answers 501.
	api.Any("/Me", h.handle(answer(http.StatusNotImplemented, "/Me is not supported: tokens belong to identity providers, not people")))
	g.Any("/*", h.handle(answer(http.StatusNotFound, "no such SCIM endpoint; see /scim/v2/ResourceTypes")))
}

func answer(status int, detail string) func(echo.Context) error {
	return func(echo.Context) error {
		return &Error{Status: status, Detail: detail}
	}
}
