package admin

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/server"
)

// actionRoutes are the actions on one person: Workplace's invite, remind,
// revoke, access codes, the claim link read without sending anything,
// deactivate, reactivate and delete. Each runs in one transaction on the
// person's row, locked, and is audited with the admin as the actor.
// Repeating an action that already took effect (deactivating someone
// inactive, inviting someone invited) changes nothing and answers 200;
// one the person's state rules out is a 409 saying what to do instead.
func (h *Handler) actionRoutes() []route {
	const tag = "actions"
	manage := directory.PermManageAccounts
	return []route{
		{Method: http.MethodPost, Path: "/people/:id/invite", Permission: manage, Tag: tag,
			Summary: "Invite the person now; resend sends an invited person their current link again. The body is optional",
			Body:    actionInviteBody{}, Reply: actionState{}, Handle: h.invitePerson},
		{Method: http.MethodPost, Path: "/people/:id/remind", Permission: manage, Tag: tag,
			Summary: "Send an invited person their claim link again (a fresh one when it expired)",
			Reply:   actionState{}, Handle: h.remindPerson},
		{Method: http.MethodPost, Path: "/people/:id/revoke", Permission: manage, Tag: tag,
			Summary: "Revoke the invitation: the claim link and access code stop working (invite rules then apply again)",
			Reply:   actionState{}, Handle: h.revokePerson},
		{Method: http.MethodPost, Path: "/people/:id/access-code", Permission: manage, Tag: tag,
			Summary: "Issue a new access code, shown once in the answer; the previous code stops working",
			Reply:   actionAccessCode{}, Status: http.StatusCreated, Handle: h.issuePersonCode},
		{Method: http.MethodDelete, Path: "/people/:id/access-code", Permission: manage, Tag: tag,
			Summary: "Cancel the access code (nothing to cancel is fine)",
			Status:  http.StatusNoContent, Handle: h.cancelPersonCode},
		{Method: http.MethodGet, Path: "/people/:id/claim", Permission: manage, Tag: tag,
			Summary: "The person's current claim link and access code with their expiry, without sending anything (audited)",
			Reply:   actionClaimSecrets{}, Handle: h.personClaimSecrets},
		{Method: http.MethodPost, Path: "/people/:id/deactivate", Permission: manage, Tag: tag,
			Summary: "Deactivate: sessions end, the claim link and access code stop working; the claim state is kept",
			Reply:   actionState{}, Handle: h.deactivatePerson},
		{Method: http.MethodPost, Path: "/people/:id/reactivate", Permission: manage, Tag: tag,
			Summary: "Reactivate in the claim state the person had; an invited person gets a fresh link (send it with remind)",
			Reply:   actionState{}, Handle: h.reactivatePerson},
		{Method: http.MethodDelete, Path: "/people/:id", Permission: manage, Tag: tag,
			Summary: "Delete a person who never claimed; a claimed account is deactivated instead (409)",
			Status:  http.StatusNoContent, Handle: h.deletePerson},
	}
}

// actionInviteBody is the optional body of POST /people/{id}/invite.
type actionInviteBody struct {
	// Note is added to the invitation email (at most 1024 bytes).
	Note string `json:"note,omitempty"`
	// Resend sends an invited person their current link again.
	Resend bool `json:"resend,omitempty"`
}

func (h *Handler) invitePerson(c echo.Context) error {
	var body actionInviteBody
	if err := actionOptionalBody(c, &body); err != nil {
		return err
	}
	if p := checkNote("note", body.Note); p != nil {
		return p
	}
	return h.actAndShow(c, func(ctx context.Context, tx directory.Store, actor directory.Actor, a *directory.Account) error {
		if p := inviteConflict(*a, body.Resend); p != nil {
			return p
		}
		return h.inviter.Invite(ctx, tx, actor, a, body.Note, body.Resend)
	})
}

func (h *Handler) remindPerson(c echo.Context) error {
	return h.actAndShow(c, func(ctx context.Context, tx directory.Store, actor directory.Actor, a *directory.Account) error {
		if p := remindConflict(*a); p != nil {
			return p
		}
		return h.inviter.Remind(ctx, tx, actor, a)
	})
}

func (h *Handler) revokePerson(c echo.Context) error {
	return h.actAndShow(c, func(ctx context.Context, tx directory.Store, actor directory.Actor, a *directory.Account) error {
		switch a.State {
		case directory.StateClaimed:
			return claimedConflict("has no invitation to revoke; deactivate the account instead")
		case directory.StateNotInvited:
			if a.AccessCodeHash == "" {
				return nil // revoked already, or never invited: nothing to take back
			}
		}
		return h.inviter.Revoke(ctx, tx, actor, a)
	})
}

// actionAccessCode is a newly issued access code: shown this once (GET
// /people/{id}/claim shows it again, audited).
type actionAccessCode struct {
	AccessCode string      `json:"access_code"`
	Person     actionState `json:"person"`
}

func (h *Handler) issuePersonCode(c echo.Context) error {
	var code string
	a, err := h.actOnPerson(c, func(ctx context.Context, tx directory.Store, actor directory.Actor, a *directory.Account) error {
		if p := codeConflict(*a); p != nil {
			return p
		}
		var err error
		code, err = h.inviter.IssueCode(ctx, tx, actor, a)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, actionAccessCode{AccessCode: code, Person: actionStateOf(a)})
}

func (h *Handler) cancelPersonCode(c echo.Context) error {
	_, err := h.actOnPerson(c, h.inviter.CancelCode)
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *Handler) deactivatePerson(c echo.Context) error {
	return h.actAndShow(c, h.inviter.Deactivate)
}

func (h *Handler) reactivatePerson(c echo.Context) error {
	return h.actAndShow(c, h.inviter.Reactivate)
}

func (h *Handler) deletePerson(c echo.Context) error {
	_, err := h.actOnPerson(c, func(ctx context.Context, tx directory.Store, actor directory.Actor, a *directory.Account) error {
		if a.State == directory.StateClaimed {
			return claimedConflict("cannot be deleted, so that its history stays; deactivate it instead (POST /people/{id}/deactivate)")
		}
		return claim.DeleteUnclaimed(ctx, tx, actor, *a)
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// actionFunc changes one account, loaded and locked in tx.
type actionFunc func(ctx context.Context, tx directory.Store, actor directory.Actor, a *directory.Account) error

// actAndShow runs act on the person of the path and answers their state
// after it.
func (h *Handler) actAndShow(c echo.Context, act actionFunc) error {
	a, err := h.actOnPerson(c, act)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, actionStateOf(a))
}

// actOnPerson runs act in one transaction on the person of the path,
// locked against every other write, with the calling admin as the actor,
// and returns the account as act left it.
func (h *Handler) actOnPerson(c echo.Context, act actionFunc) (directory.Account, error) {
	ctx := c.Request().Context()
	who := callerFrom(ctx)
	actor := who.actor(server.RequestID(ctx))
	var out directory.Account
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		a, err := tx.AccountForUpdate(ctx, who.OrgID, c.Param("id"))
		if errors.Is(err, directory.ErrNotFound) {
			return actionNotFound()
		}
		if err != nil {
			return err
		}
		if err := act(ctx, tx, actor, &a); err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, err
}
