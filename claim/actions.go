package claim

import (
	"context"
	"fmt"
	"strconv"

	"github.com/latchkeyhq/latchkey/directory"
)

// The explicit actions: what admins (and the CLI) do to one account.
// Each runs inside the caller's transaction on an account loaded with
// AccountForUpdate, and writes it back when it changed.

// Invite invites a not-invited account now. Inviting an invited account
// sends nothing unless resend is set, which sends its current link again
// (a fresh one when it expired). A claimed or deactivated account cannot
// be invited (directory.ErrConflict).
func (v *Inviter) Invite(ctx context.Context, tx directory.Store, actor directory.Actor, a *directory.Account, note string, resend bool) error {
	if !a.Active || a.State == directory.StateClaimed {
		return fmt.Errorf("%w: only active accounts that are not claimed can be invited", directory.ErrConflict)
	}
	if a.State == directory.StateInvited {
		if !resend {
			return nil
		}
		return v.Remind(ctx, tx, actor, a)
	}
	lt, err := v.readLifetimes(ctx, tx, a.OrgID)
	if err != nil {
		return err
	}
	now := v.timestamp()
	lt.stamp(a, now)
	if needsCode(*a) {
		v.issueCode(a, now, lt)
	}
	if err := tx.UpdateInvitation(ctx, a); err != nil {
		return err
	}
	return v.invited(ctx, tx, actor, *a, map[string]any{"reason": "explicit"}, note, lt)
}

// Remind sends an invited account its current claim link again (Workplace's
// "Remind"); when the link expired, the account gets a new generation
// first, so the reminder works.
func (v *Inviter) Remind(ctx context.Context, tx directory.Store, actor directory.Actor, a *directory.Account) error {
	if a.State != directory.StateInvited || !a.Active {
		return fmt.Errorf("%w: only invited, active accounts can be reminded", directory.ErrConflict)
	}
	if a.PrimaryEmail() == "" {
		return fmt.Errorf("%w: the account has no email address; give the person their access code", directory.ErrConflict)
	}
	if v.ClaimLink(*a) == "" {
		lt, err := v.readLifetimes(ctx, tx, a.OrgID)
		if err != nil {
			return err
		}
		a.InviteGeneration++
		lt.renewLink(a, v.timestamp())
		if err := tx.UpdateInvitation(ctx, a); err != nil {
			return err
		}
	}
	message := "resend-" + strconv.FormatInt(v.now().UnixNano(), 36)
	args := DeliverArgs{OrgID: a.OrgID, AccountID: a.ID, Generation: a.InviteGeneration, Message: message}
	if err := v.jobs.Enqueue(ctx, tx, args, uniqueByArgs(timeZero)); err != nil {
		return err
	}
	return appendAudit(ctx, tx, actor, *a, "reminder.request", map[string]any{"generation": a.InviteGeneration})
}

// IssueCode gives the account a new access code, cancelling the previous
// one, and returns it. Claimed and deactivated accounts get none.
func (v *Inviter) IssueCode(ctx context.Context, tx directory.Store, actor directory.Actor, a *directory.Account) (string, error) {
	if !a.Active || a.State == directory.StateClaimed {
		return "", fmt.Errorf("%w: only active accounts that are not claimed can get an access code", directory.ErrConflict)
	}
	lt, err := v.readLifetimes(ctx, tx, a.OrgID)
	if err != nil {
		return "", err
	}
	v.issueCode(a, v.timestamp(), lt)
	if err := tx.UpdateInvitation(ctx, a); err != nil {
		return "", err
	}
	if err := appendAudit(ctx, tx, actor, *a, "access_code.issue", map[string]any{"generation": a.AccessCodeGeneration}); err != nil {
		return "", err
	}
	return v.AccessCode(*a), nil
}

// CancelCode makes the account's access code useless. Cancelling when
// there is none is a no-op.
func (v *Inviter) CancelCode(ctx context.Context, tx directory.Store, actor directory.Actor, a *directory.Account) error {
	generation := a.AccessCodeGeneration
	if !clearCode(a) {
		return nil
	}
	if err := tx.UpdateInvitation(ctx, a); err != nil {
		return err
	}
	return appendAudit(ctx, tx, actor, *a, "access_code.cancel", map[string]any{"generation": generation})
}
