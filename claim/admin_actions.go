package claim

import (
	"context"
	"fmt"

	"github.com/latchkeyhq/latchkey/directory"
)

// More explicit actions (see actions.go), for the admin API: revoking an
// invitation, deactivating, reactivating and deleting. Each runs inside
// the caller's transaction on an account loaded with AccountForUpdate.
// The state changes go through the account policy's own hooks
// (BeforeWrite, AfterWrite), as a SCIM write would, so the link and code
// die, sessions end and the audit trail reads the same whichever side
// made the change.

// Revoke takes back the invitation of an invited account: it is not
// invited any more, and its claim link and access code stop working.
// Invite rules and the organization's automatic invitation do not invite
// it again at once (that would undo the revocation); they decide again
// at the account's next change. Only invited accounts have an invitation
// to revoke (directory.ErrConflict); a not-invited account's access code
// is cancelled.
func (v *Inviter) Revoke(ctx context.Context, tx directory.Store, actor directory.Actor, a *directory.Account) error {
	if a.State == directory.StateNotInvited && a.AccessCodeHash != "" {
		// An access code handed out before any invitation is a way in
		// all the same.
		return v.CancelCode(ctx, tx, actor, a)
	}
	if a.State != directory.StateInvited {
		return fmt.Errorf("%w: only invited accounts have an invitation to revoke", directory.ErrConflict)
	}
	prev := *a
	a.State, a.InvitedAt = directory.StateNotInvited, nil
	if err := v.BeforeWrite(ctx, tx, actor, &prev, a); err != nil {
		return err
	}
	// Only invitation columns changed: no need to rewrite the account.
	if err := tx.UpdateInvitation(ctx, a); err != nil {
		return err
	}
	return v.AfterWrite(ctx, tx, actor, &prev, a)
}

// Deactivate makes an account inactive, keeping its claim state
// underneath: its sessions end and its link and code stop working.
// Deactivating an inactive account is a no-op.
func (v *Inviter) Deactivate(ctx context.Context, tx directory.Store, actor directory.Actor, a *directory.Account) error {
	return v.setActive(ctx, tx, actor, a, false, "user.deactivate")
}

// Reactivate makes an inactive account active again, in the claim state
// it had; an invited one gets a fresh link (send it with Remind). A
// not-invited one is then subject to invite rules again. Reactivating an
// active account is a no-op.
func (v *Inviter) Reactivate(ctx context.Context, tx directory.Store, actor directory.Actor, a *directory.Account) error {
	return v.setActive(ctx, tx, actor, a, true, "user.reactivate")
}

func (v *Inviter) setActive(ctx context.Context, tx directory.Store, actor directory.Actor, a *directory.Account, active bool, action string) error {
	if a.Active == active {
		return nil
	}
	prev := *a
	a.SetActive(active, v.timestamp())
	if err := v.BeforeWrite(ctx, tx, actor, &prev, a); err != nil {
		return err
	}
	if err := tx.UpdateAccount(ctx, a); err != nil {
		return err
	}
	if err := auditVersions(ctx, tx, actor, action, prev.Version, *a); err != nil {
		return err
	}
	return v.AfterWrite(ctx, tx, actor, &prev, a)
}

// DeleteUnclaimed deletes an account that was never claimed (with its
// emails, memberships and sessions). A claimed account keeps its
// history: deactivate it instead (directory.ErrConflict).
func DeleteUnclaimed(ctx context.Context, tx directory.Store, actor directory.Actor, a directory.Account) error {
	if a.State == directory.StateClaimed {
		return fmt.Errorf("%w: a claimed account cannot be deleted; deactivate it instead", directory.ErrConflict)
	}
	if err := tx.DeleteAccount(ctx, a.OrgID, a.ID); err != nil {
		return err
	}
	deleted := a
	deleted.Version = 0
	return auditVersions(ctx, tx, actor, "user.delete", a.Version, deleted)
}

// auditVersions records action on a with the versions before and after,
// as SCIM writes are recorded.
func auditVersions(ctx context.Context, tx directory.Store, actor directory.Actor, action string, before int64, a directory.Account) error {
	e := directory.AuditEvent{OrgID: a.OrgID, Action: action, TargetType: "user", TargetID: a.ID,
		BeforeVersion: before, AfterVersion: a.Version}
	return directory.Record(ctx, tx, actor, e, nil)
}

// InBatch runs fn, which acts on many accounts in tx, with a store and an
// inviter that hold the audit records and jobs fn makes back, and writes
// them when fn returns, each kind with one statement. A batch of actions
// then costs a few statements more than its account writes, and no
// savepoint per record: each is a subtransaction on PostgreSQL, and more
// than 64 in one transaction overflow its subtransaction cache (see
// BackfillBatch). fn must not read the audit records it appends before
// InBatch returns. When fn fails, nothing is written.
func (v *Inviter) InBatch(ctx context.Context, tx directory.Store, fn func(tx directory.Store, v *Inviter) error) error {
	jobs := &jobBatch{}
	batched := *v
	batched.jobs = jobs
	audits := &auditBatch{Store: tx}
	if err := fn(audits, &batched); err != nil {
		return err
	}
	if err := tx.AppendAudits(ctx, audits.events); err != nil {
		return err
	}
	return jobs.flush(ctx, tx, v.jobs)
}
