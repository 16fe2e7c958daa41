package admin

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// actionState is where a person stands after an action: enough to show
// the result without another request.
type actionState struct {
	ID       string           `json:"id"`
	UserName string           `json:"userName"`
	Status   directory.Status `json:"status"`
	// InvitedAt is when the current invitation was first sent;
	// InviteExpiresAt when its claim link stops working.
	InvitedAt       *time.Time `json:"invited_at,omitempty"`
	InviteExpiresAt *time.Time `json:"invite_expires_at,omitempty"`
	// HasAccessCode tells whether an access code is outstanding, and
	// AccessCodeExpiresAt until when it works.
	HasAccessCode       bool       `json:"has_access_code"`
	AccessCodeExpiresAt *time.Time `json:"access_code_expires_at,omitempty"`
	DeactivatedAt       *time.Time `json:"deactivated_at,omitempty"`
	// Version is the SCIM resource's version (its ETag is W/"<version>").
	Version int64 `json:"version"`
}

func actionStateOf(a directory.Account) actionState {
	s := actionState{ID: a.ID, UserName: a.UserName, Status: directory.StatusOf(a), Version: a.Version,
		DeactivatedAt: a.DeactivatedAt}
	if a.State == directory.StateInvited {
		s.InvitedAt, s.InviteExpiresAt = a.InvitedAt, a.InviteExpiresAt
	}
	if a.AccessCodeHash != "" {
		s.HasAccessCode, s.AccessCodeExpiresAt = true, a.AccessCodeExpiresAt
	}
	return s
}

// The conflicts of one person's actions: 409 problems whose detail says
// what to do instead. Bulk actions skip these people rather than fail.

func actionNotFound() *problem {
	return newProblem(http.StatusNotFound, "not_found", "no person with this id in this organization")
}

func claimedConflict(what string) *problem {
	return newProblem(http.StatusConflict, "already_claimed", "this person already claimed their account, which "+what)
}

func deactivatedConflict(what string) *problem {
	return newProblem(http.StatusConflict, "deactivated", "this person is deactivated; reactivate them first (POST /people/{id}/reactivate) to "+what)
}

func noEmailConflict() *problem {
	return newProblem(http.StatusConflict, "no_email",
		"this person has no email address to send to; give them their access code (GET /people/{id}/claim, or POST /people/{id}/access-code for a new one)")
}

func inviteConflict(a directory.Account, resend bool) *problem {
	switch {
	case a.State == directory.StateClaimed:
		return claimedConflict("needs no invitation; they sign in as usual")
	case !a.Active:
		return deactivatedConflict("invite them")
	case resend && a.State == directory.StateInvited && a.PrimaryEmail() == "":
		return noEmailConflict()
	}
	return nil
}

func remindConflict(a directory.Account) *problem {
	switch {
	case a.State == directory.StateClaimed:
		return claimedConflict("needs no reminder")
	case !a.Active:
		return deactivatedConflict("remind them")
	case a.State == directory.StateNotInvited:
		return newProblem(http.StatusConflict, "not_invited", "this person is not invited yet; invite them first (POST /people/{id}/invite)")
	case a.PrimaryEmail() == "":
		return noEmailConflict()
	}
	return nil
}

func codeConflict(a directory.Account) *problem {
	switch {
	case a.State == directory.StateClaimed:
		return claimedConflict("needs no access code; they sign in as usual")
	case !a.Active:
		return deactivatedConflict("give them an access code")
	}
	return nil
}

// maxNoteLength bounds an invitation's note as invite rules' messages
// are bounded.
const maxNoteLength = directory.MaxTextLength

// checkNote accepts what an email and a job's JSON arguments can carry.
func checkNote(field, note string) *problem {
	switch {
	case len(note) > maxNoteLength:
		return invalidField(field, "must be at most 1024 bytes")
	case !utf8.ValidString(note) || strings.ContainsRune(note, 0):
		return invalidField(field, "must be UTF-8 text without NUL characters")
	}
	return nil
}

// actionOptionalBody is decodeBody for a body that may be left out: no
// body (or only white space) leaves v as it is.
func actionOptionalBody(c echo.Context, v any) error {
	req := c.Request()
	if req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	r := bufio.NewReader(req.Body)
	for {
		b, err := r.Peek(1)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if !strings.ContainsRune(" \t\r\n", rune(b[0])) {
			break
		}
		_, _ = r.Discard(1)
	}
	req.Body = io.NopCloser(r)
	return decodeBody(c, v)
}
