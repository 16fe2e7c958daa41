package console

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/sso"
)

var (
	errUnknownOrg  = errors.New("console: no such organization")
	errNoSSO       = errors.New("console: single sign-on is not available")
	errCrossOrigin = errors.New("console: cross-origin request")
	errNotFound    = errors.New("console: no such page")
)

// problemView is the error page's Data.
type problemView struct {
	Message string
	// SignIn offers the sign-in page.
	SignIn bool
	// Back is a page to go back to ("" for none).
	Back string
}

// errorPage renders err as a page of its own: the one place errors
// become what an admin reads. Internal errors are logged with the
// request id, never shown.
func (k *Console) errorPage(c echo.Context, err error) error {
	status, title, message := k.describe(c.Request().Context(), err)
	view := problemView{Message: message}
	switch status {
	case http.StatusUnauthorized:
		view.SignIn = true
	case http.StatusNotFound, http.StatusForbidden, http.StatusConflict, http.StatusBadRequest:
		view.Back = Prefix + "/people"
	}
	pg := page{Title: title, Data: view}
	if a := signedIn(c); a.ID != "" && a.Email != "" {
		pg.Admin = &a
	}
	return k.render(c, status, "problem", pg)
}

// describe maps err to a status, a title and what to tell the admin.
func (k *Console) describe(ctx context.Context, err error) (int, string, string) {
	var apiErr *apiError
	var tooMany *claim.TooManyAttempts
	var ssoErr *sso.Error
	switch {
	case errors.As(err, &apiErr):
		return apiErr.Status, apiTitle(apiErr), capitalize(apiErr.Detail) + "."
	case errors.As(err, &tooMany):
		return http.StatusTooManyRequests, "Too many attempts",
			"Too many failed sign-ins. Wait " + strconv.Itoa(int(math.Ceil(tooMany.Wait.Minutes()))) + " minutes and try again."
	case errors.Is(err, errUnknownOrg):
		return http.StatusNotFound, "Organization not found", "Check the address you opened: no organization has that name."
	case errors.Is(err, errNoSSO):
		return http.StatusNotFound, "Single sign-on is not available", "This organization has no single sign-on set up. Sign in with your email and password."
	case errors.Is(err, errCrossOrigin):
		return http.StatusForbidden, "Request refused", "The form was sent from another site. Go back to the console and try again."
	case errors.Is(err, errNotFound), errors.Is(err, directory.ErrNotFound):
		return http.StatusNotFound, "Not found", "There is nothing here: it may have been deleted."
	case errors.As(err, &ssoErr):
		k.log.WarnContext(ctx, "console: single sign-on failed", "err", err)
		return http.StatusForbidden, "Single sign-on failed", "Your identity provider's answer could not be accepted. Try again; if it keeps failing, check the SSO settings."
	case errors.Is(err, directory.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "Try again in a moment", "The database is not answering. Try again in a moment."
	}
	k.log.Log(ctx, slog.LevelError, "console: request failed", "err", err)
	return http.StatusInternalServerError, "Something went wrong",
		"Something went wrong on our side. Try again; if it keeps happening, look at the server's log."
}

// apiTitle is the page title of an API problem.
func apiTitle(e *apiError) string {
	switch e.Status {
	case http.StatusForbidden:
		return "Not allowed"
	case http.StatusNotFound:
		return "Not found"
	case http.StatusConflict:
		return "That cannot be done now"
	case http.StatusBadRequest:
		return "Check what you entered"
	case http.StatusGone:
		return "No longer available"
	case http.StatusUnauthorized:
		return "Signed out"
	}
	if e.Title != "" {
		return e.Title
	}
	return http.StatusText(e.Status)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	if s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
