package console

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/password"
	"github.com/latchkeyhq/latchkey/server"
)

// mountAccount mounts the admin's own page: who they are, what their
// role allows, and their console password.
func (k *Console) mountAccount(g *echo.Group) {
	g.GET("/account", k.admin(k.showAccount))
	g.POST("/account/password", k.admin(k.changePassword))
}

type accountView struct {
	HasPassword bool
}

func (k *Console) accountPage(c echo.Context) (page, error) {
	a := signedIn(c)
	hash, err := k.store.AdminPassword(c.Request().Context(), a.OrgID, a.ID)
	if err != nil {
		return page{}, err
	}
	return newPage(c, "account", "Your account", accountView{HasPassword: hash != ""}), nil
}

func (k *Console) showAccount(c echo.Context) error {
	pg, err := k.accountPage(c)
	if err != nil {
		return err
	}
	return k.render(c, http.StatusOK, "account", pg)
}

// changePassword sets the admin's console password. One already set must
// be typed first (a borrowed session cannot take the account over); the
// new one follows the same rules as people's. Every other session of the
// admin ends.
func (k *Console) changePassword(c echo.Context) error {
	ctx := c.Request().Context()
	a := signedIn(c)
	pg, err := k.accountPage(c)
	if err != nil {
		return err
	}
	fail := func(field, message string) error {
		pg.Errors = map[string]string{field: message}
		return k.render(c, http.StatusBadRequest, "account", pg)
	}
	if pg.Data.(accountView).HasPassword {
		adm := directory.Admin{OrgID: a.OrgID, ID: a.ID}
		keys := []string{"console:admin:" + a.ID}
		if err := k.guard.Check(ctx, keys...); err != nil {
			return err
		}
		ok, err := k.checkPassword(ctx, adm, true, c.FormValue("current"))
		if err != nil {
			return err
		}
		if !ok {
			if err := k.guard.Fail(ctx, keys...); err != nil {
				return err
			}
			return fail("current", "That is not your current password.")
		}
	}
	pw := c.FormValue("password")
	if err := password.Check(pw, a.Email); err != nil {
		return fail("password", err.Error())
	}
	if c.FormValue("confirm") != pw {
		return fail("confirm", "The two passwords differ. Type the same password twice.")
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	err = k.store.InTx(ctx, func(tx directory.Store) error {
		if err := tx.SetAdminPassword(ctx, a.OrgID, a.ID, hash, k.now(), a.SessionHash); err != nil {
			return err
		}
		actor := directory.Actor{Type: directory.ActorAdmin, ID: a.ID, Name: a.Email, RequestID: server.RequestID(ctx)}
		return directory.Record(ctx, tx, actor, directory.AuditEvent{OrgID: a.OrgID, Action: "admin.password_set",
			TargetType: "admin", TargetID: a.ID}, nil)
	})
	if err != nil {
		return err
	}
	return seeOther(c, Prefix+"/account", "Your password is set. Your other sessions have been signed out.")
}
