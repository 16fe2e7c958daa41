package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// mountRoles mounts the roles pages (admins.manage). Built-in roles are
// shown read-only; custom roles are created, edited and deleted through
// the API, which refuses any permission the admin's own role lacks.
func (k *Console) mountRoles(g *echo.Group) {
	g.GET("/access/roles", k.admin(k.showRoles))
	g.GET("/access/roles/new", k.admin(k.newRole))
	g.POST("/access/roles", k.admin(k.createRole))
	g.GET("/access/roles/:name", k.admin(k.editRole))
	g.POST("/access/roles/:name", k.admin(k.saveRole))
	g.POST("/access/roles/:name/delete", k.admin(k.deleteRole))
}

// permissionDoc is one permission and what it allows.
type permissionDoc struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type rolesView struct {
	BuiltIn, Custom []roleDoc
	Permissions     []permissionDoc
}

// Describe is the description of permission p.
func (v rolesView) Describe(p string) string {
	for _, d := range v.Permissions {
		if d.Name == p {
			return d.Description
		}
	}
	return ""
}

func (k *Console) permissions(c echo.Context) ([]permissionDoc, error) {
	var reply struct {
		Permissions []permissionDoc `json:"permissions"`
	}
	if err := k.call(c, http.MethodGet, "/permissions", nil, nil, &reply); err != nil {
		return nil, err
	}
	return reply.Permissions, nil
}

func (k *Console) showRoles(c echo.Context) error {
	roles, err := k.roles(c)
	if err != nil {
		return err
	}
	perms, err := k.permissions(c)
	if err != nil {
		return err
	}
	view := rolesView{Permissions: perms}
	for _, r := range roles {
		if r.BuiltIn {
			view.BuiltIn = append(view.BuiltIn, r)
		} else {
			view.Custom = append(view.Custom, r)
		}
	}
	return k.render(c, http.StatusOK, "access_roles", newPage(c, "access", "Roles", view))
}

// roleFormView is the create or edit form of a custom role.
type roleFormView struct {
	// Editing is the role's name when it exists ("" for a new one).
	Editing     string
	Name        string
	Description string
	Checked     []string
	Permissions []permissionDoc
	// Yours are the signed-in admin's permissions: a role may grant
	// only those.
	Yours []string
}

// Has reports whether permission p is checked.
func (v roleFormView) Has(p string) bool { return slices.Contains(v.Checked, p) }

// Mine reports whether the signed-in admin holds p.
func (v roleFormView) Mine(p string) bool { return slices.Contains(v.Yours, p) }

func (k *Console) roleForm(c echo.Context, view roleFormView) (page, error) {
	perms, err := k.permissions(c)
	if err != nil {
		return page{}, err
	}
	view.Permissions = perms
	for _, p := range signedIn(c).Permissions {
		view.Yours = append(view.Yours, string(p))
	}
	title := "New role"
	if view.Editing != "" {
		title = "Role " + view.Editing
	}
	return newPage(c, "access", title, view), nil
}

// newRole shows the form of a new role. The admin list is asked first,
// so an admin without admins.manage gets the API's 403, not a form.
func (k *Console) newRole(c echo.Context) error {
	if _, err := k.roles(c); err != nil {
		return err
	}
	pg, err := k.roleForm(c, roleFormView{})
	if err != nil {
		return err
	}
	return k.render(c, http.StatusOK, "access_role", pg)
}

func (k *Console) editRole(c echo.Context) error {
	var role roleDoc
	if err := k.call(c, http.MethodGet, "/roles/"+url.PathEscape(c.Param("name")), nil, nil, &role); err != nil {
		return err
	}
	if role.BuiltIn {
		return c.Redirect(http.StatusSeeOther, Prefix+"/access/roles")
	}
	pg, err := k.roleForm(c, roleFormView{Editing: role.Name, Name: role.Name, Description: role.Description, Checked: role.Permissions})
	if err != nil {
		return err
	}
	return k.render(c, http.StatusOK, "access_role", pg)
}

// roleSubmitted reads the role form: its checkboxes are "permissions".
func roleSubmitted(c echo.Context, editing string) (roleFormView, error) {
	form, err := c.FormParams()
	if err != nil {
		return roleFormView{}, err
	}
	v := roleFormView{Editing: editing, Name: strings.TrimSpace(form.Get("name")), Description: strings.TrimSpace(form.Get("description")),
		Checked: form["permissions"]}
	if editing != "" {
		v.Name = editing
	}
	if v.Checked == nil {
		v.Checked = []string{}
	}
	return v, nil
}

// roleAnswer is the answer to the create and edit forms: the roles list,
// or the form again with the API's refusal (a field, a taken name, a
// permission the admin's own role lacks).
func (k *Console) roleAnswer(c echo.Context, v roleFormView, err error, done string) error {
	if err == nil {
		return seeOther(c, Prefix+"/access/roles", done)
	}
	pg, perr := k.roleForm(c, v)
	if perr != nil {
		return perr
	}
	if status, ok := formProblem(err, &pg); ok {
		return k.render(c, status, "access_role", pg)
	}
	return err
}

func (k *Console) createRole(c echo.Context) error {
	v, err := roleSubmitted(c, "")
	if err != nil {
		return err
	}
	err = k.call(c, http.MethodPost, "/roles", nil, map[string]any{"name": v.Name, "description": v.Description, "permissions": v.Checked}, nil)
	return k.roleAnswer(c, v, err, "The role "+v.Name+" is created.")
}

func (k *Console) saveRole(c echo.Context) error {
	v, err := roleSubmitted(c, c.Param("name"))
	if err != nil {
		return err
	}
	err = k.call(c, http.MethodPut, "/roles/"+url.PathEscape(v.Editing), nil, map[string]any{"description": v.Description, "permissions": v.Checked}, nil)
	return k.roleAnswer(c, v, err, "The role "+v.Name+" is saved. Admins who have it have its new permissions now.")
}

func (k *Console) deleteRole(c echo.Context) error {
	name := c.Param("name")
	err := k.call(c, http.MethodDelete, "/roles/"+url.PathEscape(name), nil, nil, nil)
	if err == nil {
		return seeOther(c, Prefix+"/access/roles", "The role "+name+" is deleted.")
	}
	// A role still in use (409) is shown on the role's form.
	var role roleDoc
	if gerr := k.call(c, http.MethodGet, "/roles/"+url.PathEscape(name), nil, nil, &role); gerr != nil || role.BuiltIn {
		return err
	}
	return k.roleAnswer(c, roleFormView{Editing: role.Name, Name: role.Name, Description: role.Description, Checked: role.Permissions}, err, "")
}
