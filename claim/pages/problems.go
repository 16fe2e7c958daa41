package pages

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/password"
	"github.com/latchkeyhq/latchkey/picture"
	"github.com/latchkeyhq/latchkey/sso"
)

// Errors of the pages themselves (the others come from claim, sso,
// password, picture and the store).
var (
	errCrossOrigin   = errors.New("pages: cross-origin request refused")
	errNotFound      = errors.New("pages: no such page")
	errSSORequired   = errors.New("pages: this account signs in through the organization's identity provider")
	errSSOBinding    = errors.New("pages: the sign-in was started in another browser, or too long ago")
	errNotInvited    = errors.New("pages: the account was not invited yet")
	errNoSSOAccount  = errors.New("pages: no account matches the identity")
	errUserNameTaken = errors.New("pages: the username is taken")
	errBadRequest    = errors.New("pages: the request could not be read")
	errUnknownOrg    = errors.New("pages: no such organization")
)

// formError is a problem with what a person typed, shown next to field.
type formError struct{ field, message string }

func (e *formError) Error() string { return "pages: " + e.field + ": " + e.message }

// ssoMismatch: the person signed in at the IdP as someone other than the
// person the claim is for.
type ssoMismatch struct{ signedInAs, claimFor string }

func (e *ssoMismatch) Error() string {
	return "pages: signed in as " + e.signedInAs + " to claim the account of " + e.claimFor
}

// problem is what a person (or the app) is told about an error. Its
// message stands alone: forms show it next to a field without the title.
type problem struct {
	status int
	// apiStatus, when set, replaces status for the JSON API (a claimed
	// account is 410 Gone as a page, 409 Conflict to the app).
	apiStatus int
	// code is stable, for programs.
	code string
	// title heads the error page; message says what happened and what
	// to do.
	title, message string
	// field names the form field the message belongs next to.
	field string
	// retryAfter is sent as Retry-After.
	retryAfter time.Duration
	// signIn offers a link to the sign-in page.
	signIn bool
	// internal problems are logged; their cause is never shown.
	internal bool
}

// classify maps every error of the pages and the API to its problem: the
// one place that does. html.go and api.go only render the result.
func classify(err error) problem {
	if pr, ok := claimProblem(err); ok {
		return pr
	}
	if pr, ok := inputProblem(err); ok {
		return pr
	}
	if pr, ok := flowProblem(err); ok {
		return pr
	}
	return systemProblem(err)
}

// claimProblem covers links, codes and their attempt limits.
func claimProblem(err error) (problem, bool) {
	var tooMany *claim.TooManyAttempts
	switch {
	case errors.As(err, &tooMany):
		return problem{status: http.StatusTooManyRequests, code: "too_many_attempts", title: "Too many attempts",
			message:    "There were too many failed attempts. Try again in " + waitText(tooMany.Wait) + ".",
			retryAfter: tooMany.Wait}, true
	case errors.Is(err, claim.ErrUnknown):
		return problem{status: http.StatusNotFound, code: "unknown", title: "This link or code does not work",
			message: "This code or link does not work. Check that you copied all of it; if it still does not work, ask your administrator for a new invitation.",
			field:   "code"}, true
	case errors.Is(err, claim.ErrExpired):
		return problem{status: http.StatusGone, code: "expired", title: "This invitation has expired",
			message: "This invitation has expired: invitations work for a limited time. Ask your administrator for a new invitation.", field: "code"}, true
	case errors.Is(err, claim.ErrUsed):
		return problem{status: http.StatusGone, apiStatus: http.StatusConflict, code: "already_claimed",
			title: "This account is already set up", message: "This invitation was already used: the account is set up. Sign in instead.",
			field: "code", signIn: true}, true
	case errors.Is(err, claim.ErrRevoked):
		return problem{status: http.StatusGone, code: "revoked", title: "This invitation is no longer valid",
			message: "This invitation was replaced by a newer one or withdrawn. Use the newest invitation you received, or ask your administrator for a new one.",
			field:   "code"}, true
	case errors.Is(err, claim.ErrDeactivated):
		return problem{status: http.StatusGone, code: "deactivated", title: "This account is deactivated",
			message: "This account is deactivated. Ask your administrator if you think it should be active.", field: "code"}, true
	}
	return problem{}, false
}

// inputProblem covers what a person typed or uploaded.
func inputProblem(err error) (problem, bool) {
	var (
		form     *formError
		pw       *password.Problem
		pic      *picture.Problem
		invalid  *directory.ValidationError
		tooLarge *http.MaxBytesError
		badInput = problem{status: http.StatusBadRequest, code: "invalid", title: "Check what you entered"}
	)
	switch {
	case errors.As(err, &form):
		badInput.field, badInput.message = form.field, form.message
	case errors.As(err, &pw):
		badInput.field, badInput.message = "password", pw.Reason
	case errors.As(err, &pic):
		badInput.field, badInput.message = "picture", pic.Reason
	case errors.As(err, &invalid):
		badInput.field, badInput.message = invalid.Field, invalid.Problem
	case errors.Is(err, errUserNameTaken):
		return problem{status: http.StatusConflict, code: "username_taken", title: "Choose another username",
			message: "Someone in your organization already has this username. Choose another.", field: "userName"}, true
	case errors.As(err, &tooLarge):
		return problem{status: http.StatusRequestEntityTooLarge, code: "too_large", title: "Too large",
			message: fmt.Sprintf("What you sent is too large. A picture may be at most %d MB.", picture.MaxUploadBytes>>20),
			field:   "picture"}, true
	case errors.Is(err, errBadRequest):
		badInput.message = "The request could not be read."
	default:
		return problem{}, false
	}
	return badInput, true
}

// flowProblem covers sessions, steps and single sign-on.
func flowProblem(err error) (problem, bool) {
	var mismatch *ssoMismatch
	switch {
	case errors.Is(err, errNoSession):
		return problem{status: http.StatusUnauthorized, code: "session_ended", title: "Your session has ended",
			message: "For your security, sessions end after a while without activity. Open your invitation link or enter your access code again, or sign in.",
			signIn:  true}, true
	case errors.Is(err, errCrossOrigin):
		return problem{status: http.StatusForbidden, code: "cross_origin", title: "Request refused",
			message: "The form was sent from another site. Go back to the page, reload it and send the form again."}, true
	case errors.Is(err, errNotFound):
		return problem{status: http.StatusNotFound, code: "not_found", title: "Page not found",
			message: "There is nothing at this address."}, true
	case errors.Is(err, errStepOrder):
		return problem{status: http.StatusConflict, code: "step_order", title: "One step at a time",
			message: "Finish the earlier steps first."}, true
	case errors.Is(err, errStepRequired):
		return problem{status: http.StatusBadRequest, code: "step_required", title: "This step is required",
			message: "Your organization asks everyone to complete this step."}, true
	case errors.Is(err, errStepsLeft):
		return problem{status: http.StatusConflict, code: "steps_left", title: "A few steps are left",
			message: "Complete the remaining steps first."}, true
	case errors.Is(err, errSSORequired):
		return problem{status: http.StatusConflict, code: "sso_required", title: "Sign in with your organization",
			message: "Your organization asks you to sign in through its single sign-on first. Open your invitation link in a browser."}, true
	case errors.As(err, &mismatch):
		return problem{status: http.StatusForbidden, code: "sso_account_mismatch", title: "You signed in as someone else",
			message: fmt.Sprintf("You signed in as %s, but this invitation is for %s. Sign out of your organization's sign-in page and open the invitation again as %s.",
				mismatch.signedInAs, mismatch.claimFor, mismatch.claimFor)}, true
	case errors.Is(err, errSSOBinding):
		return problem{status: http.StatusBadRequest, code: "sso_restart", title: "Start the sign-in again",
			message: "This sign-in was started in another browser or took too long. Start again from the same browser."}, true
	case errors.Is(err, errNotInvited):
		return problem{status: http.StatusForbidden, code: "not_invited", title: "Your account is not ready yet",
			message: "You were not invited yet. Ask your administrator for an invitation."}, true
	case errors.Is(err, errNoSSOAccount):
		return problem{status: http.StatusForbidden, code: "no_account", title: "No account for you here",
			message: "Your organization signed you in, but there is no account for you here. Ask your administrator."}, true
	case errors.Is(err, errUnknownOrg):
		return problem{status: http.StatusNotFound, code: "unknown_organization", title: "Organization not found",
			message: "Check the address you opened, or ask your administrator for the sign-in link."}, true
	}
	return problem{}, false
}

// systemProblem covers single sign-on failures, the database and
// everything unexpected.
func systemProblem(err error) problem {
	switch {
	case errors.Is(err, directory.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return problem{status: http.StatusServiceUnavailable, code: "unavailable", title: "Try again in a moment",
			message: "The service is busy or briefly unavailable. Try again in a moment.", retryAfter: 5 * time.Second, internal: true}
	case sso.Reason(err) != nil:
		return problem{status: sso.HTTPStatus(err), code: "sso_failed", title: "Single sign-on did not work",
			message: capitalize(sso.Reason(err).Error()) + ". Try again, or ask your administrator.", internal: true}
	case errors.Is(err, directory.ErrConflict):
		return problem{status: http.StatusConflict, code: "conflict", title: "Something is in the way",
			message: "Your account could not be identified unambiguously. Ask your administrator.", internal: true}
	}
	return problem{status: http.StatusInternalServerError, code: "internal", title: "Something went wrong",
		message: "Something went wrong on our side. Try again; if it keeps happening, tell your administrator.", internal: true}
}

// waitText says how long to wait in whole minutes (at least one).
func waitText(d time.Duration) string {
	n := int(math.Ceil(d.Minutes()))
	if n <= 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", n)
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
