package console

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// mountGroupSettings mounts the groups offered while claiming: groups
// come from the identity provider; the organization only says which
// are offered to everyone (default) and which people may find (open).
func (k *Console) mountGroupSettings(g *echo.Group) {
	g.GET("/settings/groups", k.admin(k.listGroups))
	g.POST("/settings/groups/:id", k.admin(k.setGroupFlags))
}

// groupsPageSize is how many groups a page shows.
const groupsPageSize = 50

type claimGroup struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	IsDefault   bool   `json:"is_default"`
	IsOpen      bool   `json:"is_open"`
}

type groupsView struct {
	Q     string
	Items []claimGroup
	Paged bool // not on the first page
	// Next is the next page's query (a URL: html/template would escape
	// a string's = and &), "" on the last page.
	Next template.URL
	Back string // this page's query, for the forms to come back to
}

// listGroups pages through the groups by name, with the API's cursors.
func (k *Console) listGroups(c echo.Context) error {
	v := groupsView{Q: strings.TrimSpace(c.QueryParam("q"))}
	cursor := c.QueryParam("cursor")
	q := url.Values{"limit": {strconv.Itoa(groupsPageSize)}}
	if v.Q != "" {
		q.Set("q", v.Q)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
		v.Paged = true
	}
	var reply struct {
		Items      []claimGroup `json:"items"`
		NextCursor string       `json:"next_cursor"`
	}
	if err := k.call(c, http.MethodGet, "/groups", q, nil, &reply); err != nil {
		return err
	}
	v.Items, v.Back = reply.Items, groupsQuery(v.Q, cursor)
	if reply.NextCursor != "" {
		v.Next = template.URL(groupsQuery(v.Q, reply.NextCursor))
	}
	return k.render(c, http.StatusOK, "settings_groups", newPage(c, "settings", "Groups", v))
}

// groupsQuery is the groups page's query string for a search and page.
func groupsQuery(q, cursor string) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	return v.Encode()
}

// setGroupFlags changes one flag of a group: the button pressed names
// it (set_default or set_open), the other keeps the value the page showed.
func (k *Console) setGroupFlags(c echo.Context) error {
	isDefault, isOpen := c.FormValue("is_default") == "true", c.FormValue("is_open") == "true"
	if v := c.FormValue("set_default"); v != "" {
		isDefault = v == "true"
	}
	if v := c.FormValue("set_open"); v != "" {
		isOpen = v == "true"
	}
	var g claimGroup
	if err := k.call(c, http.MethodPut, "/groups/"+url.PathEscape(c.Param("id"))+"/flags", nil,
		map[string]bool{"is_default": isDefault, "is_open": isOpen}, &g); err != nil {
		return err
	}
	back, _ := url.ParseQuery(c.FormValue("back"))
	target := Prefix + "/settings/groups"
	if q := groupsQuery(back.Get("q"), back.Get("cursor")); q != "" {
		target += "?" + q
	}
	var what []string
	if g.IsDefault {
		what = append(what, "offered to everyone claiming")
	}
	if g.IsOpen {
		what = append(what, "open to join by search")
	}
	msg := "“" + g.DisplayName + "” is now " + strings.Join(what, " and ") + "."
	if len(what) == 0 {
		msg = "“" + g.DisplayName + "” is no longer offered while claiming."
	}
	return seeOther(c, target, msg)
}
