package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
)

// bulkRun is a stored bulk action made ready to run a batch.
type bulkRun struct {
	action   bulkActionName
	selected directory.Filter
	note     string
	actor    directory.Actor
	// createdAt bounds the selection: people created after the bulk
	// action was asked for are not part of it (rules handle newcomers).
	createdAt time.Time
	// stop, when set, says why the run ends before its next batch: the
	// admin who asked was disabled or no longer may act on accounts.
	stop string
}

// bulkRun reads what b stored: the selection, the note, and the admin
// who asked, who is the actor of every change, with the request id.
func (h *Handler) bulkRun(ctx context.Context, tx directory.Store, b directory.BulkAction) (bulkRun, error) {
	var sel bulkSelection
	if err := json.Unmarshal(b.Params, &sel); err != nil {
		return bulkRun{}, fmt.Errorf("admin: bulk action %s: params: %w", b.ID, err)
	}
	selected, err := sel.filter()
	if err != nil {
		return bulkRun{}, fmt.Errorf("admin: bulk action %s: selection: %w", b.ID, err)
	}
	var opts bulkOptions
	if err := json.Unmarshal(b.Options, &opts); err != nil {
		return bulkRun{}, fmt.Errorf("admin: bulk action %s: options: %w", b.ID, err)
	}
	admin, err := tx.Admin(ctx, b.OrgID, b.AdminID)
	if err != nil {
		return bulkRun{}, err
	}
	actor := directory.Actor{Type: directory.ActorAdmin, ID: admin.ID, Name: admin.Email, RequestID: opts.RequestID}
	run := bulkRun{action: bulkActionName(b.Action), selected: selected, note: opts.Note, actor: actor, createdAt: b.CreatedAt}
	switch who, err := callerOf(ctx, tx, b.OrgID, b.AdminID); {
	case err != nil:
		return bulkRun{}, err
	case admin.DisabledAt != nil:
		run.stop = "stopped: the admin who asked for it was disabled; what was done stays done"
	case !who.can(directory.PermManageAccounts):
		run.stop = "stopped: the admin who asked for it may no longer act on accounts (" + string(directory.PermManageAccounts) + "); what was done stays done"
	}
	return run, nil
}

// batchFilter selects the people after b's cursor (id order is the
// order FindAccounts returns without a sort).
func (r bulkRun) batchFilter(b directory.BulkAction) directory.Filter {
	and := directory.And{directory.Compare{Attr: directory.AttrCreated, Op: directory.OpLe, Value: r.createdAt}}
	if r.selected != nil {
		and = append(and, r.selected)
	}
	if b.Cursor != "" {
		and = append(and, directory.Compare{Attr: directory.AttrID, Op: directory.OpGt, Value: b.Cursor})
	}
	return and
}

// one acts on one person found for the batch: read again and locked, as
// they may have changed since the batch was read. People the action does
// not apply to are skipped; a conflict the action meets is a failure of
// that person only (the claim package raises its conflicts before it
// writes anything); any other error ends the batch, undoing it.
func (r bulkRun) one(ctx context.Context, tx directory.Store, v *claim.Inviter, found directory.Account, tally *bulkTally) error {
	a, err := tx.AccountForUpdate(ctx, found.OrgID, found.ID)
	if errors.Is(err, directory.ErrNotFound) {
		tally.skipped++ // deleted since
		return nil
	}
	if err != nil {
		return err
	}
	if !r.applies(a) {
		tally.skipped++
		return nil
	}
	err = r.do(ctx, tx, v, &a)
	var invalid *directory.ValidationError
	switch {
	case err == nil:
		tally.changed++
	case errors.Is(err, directory.ErrConflict), errors.As(err, &invalid):
		tally.failed++
		tally.note(bulkFailure(a, err))
	default:
		return err
	}
	return nil
}

// applies tells the people the action is for from those it would leave
// as they are (inviting the invited) or does not concern (reminding the
// claimed).
func (r bulkRun) applies(a directory.Account) bool {
	switch r.action {
	case bulkInvite:
		return a.Active && a.State == directory.StateNotInvited
	case bulkRemind:
		return a.Active && a.State == directory.StateInvited
	case bulkRevoke:
		return a.State == directory.StateInvited || (a.State == directory.StateNotInvited && a.AccessCodeHash != "")
	case bulkIssueCode:
		return a.Active && a.State != directory.StateClaimed
	case bulkCancelCode:
		return a.AccessCodeHash != ""
	case bulkDeactivate:
		return a.Active
	case bulkReactivate:
		return !a.Active
	}
	return false
}

// do applies the action to a, as the one-person endpoints do.
func (r bulkRun) do(ctx context.Context, tx directory.Store, v *claim.Inviter, a *directory.Account) error {
	switch r.action {
	case bulkInvite:
		return v.Invite(ctx, tx, r.actor, a, r.note, false)
	case bulkRemind:
		return v.Remind(ctx, tx, r.actor, a)
	case bulkRevoke:
		return v.Revoke(ctx, tx, r.actor, a)
	case bulkIssueCode:
		_, err := v.IssueCode(ctx, tx, r.actor, a)
		return err
	case bulkCancelCode:
		return v.CancelCode(ctx, tx, r.actor, a)
	case bulkDeactivate:
		return v.Deactivate(ctx, tx, r.actor, a)
	case bulkReactivate:
		return v.Reactivate(ctx, tx, r.actor, a)
	}
	return fmt.Errorf("admin: unknown bulk action %q", r.action)
}
