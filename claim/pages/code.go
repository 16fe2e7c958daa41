package pages

import (
	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/claim"
)

// codeView is the access-code page's Data.
type codeView struct{ Code string }

func codePage(code string) page {
	return page{Title: "Enter your access code", Data: codeView{Code: code}}
}

// showCode is the access-code form; ?code= fills it in (a printed QR
// code can carry the code).
func (p *Pages) showCode(c echo.Context) error {
	return p.render(c, 200, "code", codePage(c.QueryParam("code")))
}

// redeemCode checks the typed code within the attempt limits (per source
// address, which is the TCP peer: the server trusts no forwarding
// header) and starts a claim session. A code that does not work is
// explained next to the field; too many attempts get the 429 page.
func (p *Pages) redeemCode(c echo.Context) error {
	typed := c.FormValue("code")
	a, err := p.inviter.RedeemCode(c.Request().Context(), p.store, p.guard, c.RealIP(), typed)
	if err != nil {
		return p.formFailed(c, err, []string{"code"}, func(status int, pr problem) error {
			return p.render(c, status, "code", codePage(typed).withError(pr, "code"))
		})
	}
	return p.beginClaim(c, a, claim.MethodCode)
}
