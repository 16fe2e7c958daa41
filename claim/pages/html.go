package pages

import (
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/picture"
)

// html wraps a page handler: an error it returns becomes the error page
// of its problem.
func (p *Pages) html(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := h(c); err != nil {
			return p.errorPage(c, err)
		}
		return nil
	}
}

// problemView is the error page's Data.
type problemView struct{ Message, SignInURL string }

// errorPage renders err's problem as a page of its own.
func (p *Pages) errorPage(c echo.Context, err error) error {
	pr := classify(err)
	p.logProblem(c, pr, err)
	setRetryAfter(c, pr.retryAfter)
	view := problemView{Message: pr.message}
	if pr.signIn {
		view.SignInURL = "/signin"
	}
	return p.render(c, pr.status, "problem", page{Title: pr.title, Data: view})
}

// formFailed shows a form again with err's problem next to its field,
// when the problem is about one of fields (or is a step the person may
// not skip); any other error is returned for the error page.
func (p *Pages) formFailed(c echo.Context, err error, fields []string, show func(status int, pr problem) error) error {
	pr := classify(err)
	if !slices.Contains(fields, pr.field) && pr.code != "step_required" {
		return err
	}
	setRetryAfter(c, pr.retryAfter)
	return show(pr.status, pr)
}

// writeServerErrorPage implements server.Area's WriteError for the page
// areas: the errors the server raises itself (no route, body too large,
// panic), whose detail is already safe to show.
func (p *Pages) writeServerErrorPage(c echo.Context, status int, detail string) error {
	title := http.StatusText(status)
	message := "Something went wrong on our side. Try again; if it keeps happening, tell your administrator."
	switch {
	case status == http.StatusNotFound:
		title, message = "Page not found", "There is nothing at this address."
	case status == http.StatusRequestEntityTooLarge:
		title, message = "Too large", fmt.Sprintf("What you sent is too large. A picture may be at most %d MB.", picture.MaxUploadBytes>>20)
	case status < 500:
		message = capitalize(detail) + "."
	case status == http.StatusServiceUnavailable:
		title, message = "Try again in a moment", "The service is busy or briefly unavailable. Try again in a moment."
	}
	if c.Request().Method == http.MethodHead {
		return c.NoContent(status)
	}
	return p.render(c, status, "problem", page{Title: title, Data: problemView{Message: message}})
}

// logProblem logs internal problems with their cause (and the request
// id, added by the log handler); the person sees only the problem.
func (p *Pages) logProblem(c echo.Context, pr problem, err error) {
	if !pr.internal {
		return
	}
	level := slog.LevelError
	if pr.status < 500 || pr.status == http.StatusServiceUnavailable {
		level = slog.LevelWarn
	}
	p.log.Log(c.Request().Context(), level, "claim pages: request failed", "status", pr.status, "code", pr.code, "err", err)
}

// setRetryAfter sends Retry-After in whole seconds (rounded up).
func setRetryAfter(c echo.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
}

// seeOther redirects a browser after a POST (or to the next page).
func seeOther(c echo.Context, path string) error { return c.Redirect(http.StatusSeeOther, path) }
