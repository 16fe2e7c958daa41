package pages

import (
	"errors"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// stepPage is one first-access step as a page: show renders its form
// (with pg carrying the layout, errors and what was typed), submit does
// the step; fields are the form's inputs errors may be shown next to.
type stepPage struct {
	title  string
	show   func(c echo.Context, cs *claimState, pl plan, pg page) error
	submit func(c echo.Context, cs *claimState) error
	fields []string
}

func (p *Pages) stepPages() map[string]stepPage {
	return map[string]stepPage{
		stepTerms:    {"Terms of use", p.showTerms, p.submitTerms, []string{"accept"}},
		stepProfile:  {"Your details", p.showProfile, p.submitProfile, []string{"givenName", "familyName", "title", "department", "phone"}},
		stepPicture:  {"Your picture", p.showPicture, p.submitPicture, []string{"picture"}},
		stepUserName: {"Choose a username", p.showUserName, p.submitUserName, []string{"userName"}},
		stepPassword: {"Choose a password", p.showPassword, p.submitPassword, []string{"password", "confirm"}},
		stepGroups:   {"Join groups", p.showGroups, p.submitGroups, []string{"groups"}},
	}
}

// mountSteps lists the routes of the steps, the finish page and the
// completion.
func (p *Pages) mountSteps(g *echo.Group) {
	g.GET("/steps", p.html(p.withClaim(p.goToNextStep)))
	// The button of the page a claim begun with an access code shows
	// before the IdP (showSSOFirst): withClaim sends it there.
	g.POST("/steps", p.html(p.withClaim(p.goToNextStep)))
	for name, sp := range p.stepPages() {
		g.GET("/steps/"+name, p.html(p.withClaim(p.stepGet(name, sp))))
		g.POST("/steps/"+name, p.html(p.withClaim(p.stepPost(name, sp))))
	}
	g.GET("/finish", p.html(p.withClaim(p.showFinish)))
	g.POST("/complete", p.html(p.withClaim(p.submitComplete)))
}

// withClaim loads the browser's claim session for h. A session still
// waiting for single sign-on is sent to the IdP again.
func (p *Pages) withClaim(h func(c echo.Context, cs *claimState) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		cs, err := p.loadClaim(c.Request().Context(), p.cookies.sessionSecret(c))
		if err != nil {
			return err
		}
		if cs.ssoPending() {
			return p.redirectToIdP(c, cs.org, cs.session.Hash)
		}
		return h(c, cs)
	}
}

// goToNextStep sends the person to the first step not done, or to the
// finish page.
func (p *Pages) goToNextStep(c echo.Context, cs *claimState) error {
	pl, err := p.planFor(c.Request().Context(), cs)
	if err != nil {
		return err
	}
	if next := pl.next(cs.progress); next != "" {
		return seeOther(c, "/claim/steps/"+next)
	}
	return seeOther(c, "/claim/finish")
}

// parseForm reads a form post (urlencoded or multipart, within the
// route's body limit) before anything looks at its fields, so a body too
// large is an error here rather than silently missing fields.
func parseForm(c echo.Context) error {
	req := c.Request()
	if strings.HasPrefix(req.Header.Get("Content-Type"), "multipart/form-data") {
		return req.ParseMultipartForm(multipartMemory)
	}
	return req.ParseForm()
}

// layout is the page of step: title, organization and "Step n of m".
func (sp stepPage) layout(name string, cs *claimState, pl plan) page {
	return page{Title: sp.title, OrgName: cs.org.Name, Step: slices.Index(pl.steps, name) + 1, Steps: len(pl.steps)}
}

func (p *Pages) stepGet(name string, sp stepPage) func(echo.Context, *claimState) error {
	return func(c echo.Context, cs *claimState) error {
		pl, err := p.beginStep(c.Request().Context(), cs, name)
		if errors.Is(err, errStepOrder) {
			return p.goToNextStep(c, cs)
		}
		if err != nil {
			return err
		}
		return sp.show(c, cs, pl, sp.layout(name, cs, pl))
	}
}

// stepPost does the step (or skips it, for the "Skip" button) and goes
// on; what the person must fix is shown on the form again.
func (p *Pages) stepPost(name string, sp stepPage) func(echo.Context, *claimState) error {
	return func(c echo.Context, cs *claimState) error {
		ctx := c.Request().Context()
		err := parseForm(c)
		switch {
		case err != nil:
		case c.FormValue("action") == "skip":
			err = p.skipStep(ctx, cs, name)
		default:
			err = sp.submit(c, cs)
		}
		if errors.Is(err, errStepOrder) {
			return p.goToNextStep(c, cs)
		}
		if err != nil {
			return p.formFailed(c, err, sp.fields, func(status int, pr problem) error {
				pl, perr := p.planFor(ctx, cs)
				if perr != nil {
					return perr
				}
				pg := sp.layout(name, cs, pl).withError(pr, sp.fields...)
				pg.status = status
				return sp.show(c, cs, pl, pg)
			})
		}
		return p.goToNextStep(c, cs)
	}
}
