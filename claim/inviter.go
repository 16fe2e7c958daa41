package claim

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// Defaults for Options.
const (
	DefaultLinkTTL = 14 * 24 * time.Hour
	DefaultCodeTTL = 90 * 24 * time.Hour
)

// DefaultReminders are Workplace's: 3 and 5 days after the invitation.
var DefaultReminders = []time.Duration{72 * time.Hour, 120 * time.Hour}

// Options configure an Inviter.
type Options struct {
	Secrets Secrets
	Jobs    Enqueuer
	// BaseURL is the server's public URL; links are BaseURL/claim/<token>.
	BaseURL string
	// LinkTTL is how long a claim link works (default 14 days), CodeTTL an
	// access code (default 90 days).
	LinkTTL time.Duration
	CodeTTL time.Duration
	// Reminders are the delays after an invitation at which an unclaimed
	// account is reminded; nil means DefaultReminders, empty none.
	Reminders []time.Duration
	Now       func() time.Time
	Logger    *slog.Logger
}

// Inviter decides who is invited, issues links and codes, and enqueues
// deliveries. It implements directory.AccountPolicy.
type Inviter struct {
	secrets   Secrets
	jobs      Enqueuer
	base      string
	linkTTL   time.Duration
	codeTTL   time.Duration
	reminders []time.Duration
	now       func() time.Time
	log       *slog.Logger
}

var _ directory.AccountPolicy = (*Inviter)(nil)

// NewInviter applies the defaults.
func NewInviter(opts Options) *Inviter {
	v := &Inviter{secrets: opts.Secrets, jobs: opts.Jobs, base: strings.TrimSuffix(opts.BaseURL, "/"),
		linkTTL: opts.LinkTTL, codeTTL: opts.CodeTTL, reminders: opts.Reminders, now: opts.Now, log: opts.Logger}
	if v.linkTTL <= 0 {
		v.linkTTL = DefaultLinkTTL
	}
	if v.codeTTL <= 0 {
		v.codeTTL = DefaultCodeTTL
	}
	if v.reminders == nil {
		v.reminders = DefaultReminders
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.log == nil {
		v.log = slog.New(slog.DiscardHandler)
	}
	return v
}

func (v *Inviter) timestamp() time.Time { return v.now().UTC().Truncate(time.Second) }

// ClaimLink is the account's working claim link, or "" when it has none
// (not invited, claimed, deactivated or expired).
func (v *Inviter) ClaimLink(a directory.Account) string {
	if a.State != directory.StateInvited || !a.Active || a.InviteExpiresAt == nil || !v.now().Before(*a.InviteExpiresAt) {
		return ""
	}
	token := v.secrets.LinkToken(a)
	if token == "" {
		return ""
	}
	return v.base + "/claim/" + token
}

// AccessCode is the account's working access code, formatted for people,
// or "" when it has none.
func (v *Inviter) AccessCode(a directory.Account) string {
	if a.AccessCodeHash == "" || a.State == directory.StateClaimed || !a.Active ||
		a.AccessCodeExpiresAt == nil || !v.now().Before(*a.AccessCodeExpiresAt) {
		return ""
	}
	return FormatCode(v.secrets.AccessCode(a))
}

// needsCode reports accounts that claim with an access code: frontline
// staff and anyone without an email address.
func needsCode(a directory.Account) bool { return a.Frontline || a.PrimaryEmail() == "" }

func clearCode(a *directory.Account) bool {
	had := a.AccessCodeHash != ""
	a.AccessCodeHash, a.AccessCodeExpiresAt = "", nil
	return had
}

// BeforeWrite implements directory.AccountPolicy: the transitions of the
// account itself. An explicit invitation (SCIM invited=true) starts a
// new generation; revoking or deactivating kills the link and the code;
// reactivating an invited account gives it a fresh link. Only the
// transitions that set a link's expiry read the organization (its link
// lifetime).
func (v *Inviter) BeforeWrite(ctx context.Context, tx directory.Store, _ directory.Actor, prev, next *directory.Account) error {
	now := v.timestamp()
	var lt Lifetimes
	if setsLink(prev, next) {
		var err error
		if lt, err = v.readLifetimes(ctx, tx, next.OrgID); err != nil {
			return err
		}
	}
	if prev == nil {
		if next.State == directory.StateInvited {
			next.InvitedAt = nil
			lt.stamp(next, now)
		}
		return nil
	}
	switch {
	case prev.State == directory.StateNotInvited && next.State == directory.StateInvited:
		lt.stamp(next, now)
	case prev.State == directory.StateInvited && next.State == directory.StateNotInvited:
		next.InviteGeneration++
		next.InviteExpiresAt = nil
		clearCode(next)
	case next.State == directory.StateClaimed:
		clearCode(next)
	}
	switch {
	case prev.Active && !next.Active:
		next.InviteGeneration++
		clearCode(next)
	case !prev.Active && next.Active && next.State == directory.StateInvited:
		next.InviteGeneration++
		lt.renewLink(next, now)
	}
	return nil
}

// setsLink reports the writes BeforeWrite gives a new link expiry: an
// invitation, or the reactivation of an invited account.
func setsLink(prev, next *directory.Account) bool {
	if next.State != directory.StateInvited {
		return false
	}
	return prev == nil || prev.State == directory.StateNotInvited || (!prev.Active && next.Active)
}

// AfterWrite implements directory.AccountPolicy: invite rules and the
// organization's automatic invitation for accounts not invited yet,
// access codes for accounts without email, and the deliveries of a new
// invitation.
func (v *Inviter) AfterWrite(ctx context.Context, tx directory.Store, actor directory.Actor, prev, next *directory.Account) error {
	now := v.timestamp()
	stored := invitationFields(*next)
	if prev != nil && prev.Active && !next.Active {
		if err := endSessions(ctx, tx, actor, *next); err != nil {
			return err
		}
	}
	invited := next.State == directory.StateInvited && (prev == nil || prev.State != directory.StateInvited)
	why := map[string]any{"reason": "explicit"}
	note := ""
	var lt *Lifetimes
	// A write that takes an invitation back (an admin's revoke, SCIM
	// invited=false) is not re-decided: auto-invite would otherwise
	// invite the person again in the same breath. Later changes are.
	revoked := prev != nil && prev.State == directory.StateInvited
	if next.State == directory.StateNotInvited && next.Active && !revoked {
		d, err := v.decide(ctx, tx, *next, prev == nil)
		if err != nil {
			return err
		}
		switch {
		case d.inviteAt.IsZero():
		case !d.inviteAt.After(v.now()) || next.StartDate == nil:
			lt = &d.lifetimes
			lt.stamp(next, now)
			invited, why, note = true, d.details(), d.note
		default:
			args := StartDateArgs{OrgID: next.OrgID, AccountID: next.ID, StartDate: *next.StartDate, Note: d.note}
			if err := v.jobs.Enqueue(ctx, tx, args, uniqueByArgs(d.inviteAt)); err != nil {
				return err
			}
		}
	}
	if !invited {
		return v.auditRevocation(ctx, tx, actor, prev, next)
	}
	if lt == nil { // invited explicitly: decide did not read the organization
		read, err := v.readLifetimes(ctx, tx, next.OrgID)
		if err != nil {
			return err
		}
		lt = &read
	}
	if needsCode(*next) && next.AccessCodeHash == "" {
		v.issueCode(next, now, *lt)
	}
	if err := v.saveIfChanged(ctx, tx, stored, next); err != nil {
		return err
	}
	return v.invited(ctx, tx, actor, *next, why, note, *lt)
}

// invitationOf is what an invitation changes of an account: AfterWrite
// compares it before and after to know whether to write again.
type invitationOf struct {
	state      directory.State
	generation int64
	codeHash   string
}

func invitationFields(a directory.Account) invitationOf {
	return invitationOf{a.State, a.InviteGeneration, a.AccessCodeHash}
}

// saveIfChanged writes next's invitation fields again when AfterWrite
// changed them; next is as stored, so its version is current.
func (v *Inviter) saveIfChanged(ctx context.Context, tx directory.Store, stored invitationOf, next *directory.Account) error {
	if invitationFields(*next) == stored {
		return nil
	}
	return tx.UpdateInvitation(ctx, next)
}

// invited records a new invitation and enqueues what it sends: the
// invitation email and its reminders on the organization's schedule
// (accounts with email), nothing more for accounts that claim with a
// code (admins hand those out).
func (v *Inviter) invited(ctx context.Context, tx directory.Store, actor directory.Actor, a directory.Account, why map[string]any, note string, lt Lifetimes) error {
	why["generation"] = a.InviteGeneration
	why["channel"] = "email"
	if needsCode(a) {
		why["channel"] = "access_code"
	}
	if err := appendAudit(ctx, tx, actor, a, "account.invite", why); err != nil {
		return err
	}
	if a.AccessCodeHash != "" {
		if err := appendAudit(ctx, tx, actor, a, "access_code.issue", map[string]any{"generation": a.AccessCodeGeneration}); err != nil {
			return err
		}
	}
	if a.PrimaryEmail() == "" {
		return nil
	}
	return v.enqueueDeliveries(ctx, tx, a, note, lt.Reminders)
}

// enqueueDeliveries enqueues the invitation and the first reminder; each
// reminder, once sent, enqueues the next (see nextReminder), so an
// invitation costs two job inserts whatever the schedule.
func (v *Inviter) enqueueDeliveries(ctx context.Context, tx directory.Store, a directory.Account, note string, reminders []time.Duration) error {
	first := DeliverArgs{OrgID: a.OrgID, AccountID: a.ID, Generation: a.InviteGeneration, Message: "invitation", Note: note}
	if err := v.jobs.Enqueue(ctx, tx, first, uniqueByArgs(time.Time{})); err != nil {
		return err
	}
	if len(reminders) == 0 {
		return nil
	}
	r := DeliverArgs{OrgID: a.OrgID, AccountID: a.ID, Generation: a.InviteGeneration, Message: reminderMessage(0)}
	return v.jobs.Enqueue(ctx, tx, r, uniqueByArgs(v.now().Add(reminders[0])))
}

// reminderMessage names the i-th reminder (from 0): "reminder-1", ...
func reminderMessage(i int) string { return fmt.Sprintf("reminder-%d", i+1) }

// nextReminder enqueues, in tx, the reminder after the one just sent
// (message), due its delay on the organization's schedule after the
// generation's invitation (or now, when a backlog made it late); nothing
// after the last one or after any other message. The invitation's time
// is the link's expiry less the organization's link lifetime, as it is
// now: when an admin changed the lifetime since, the reminder moves by
// the difference (never before now).
func (v *Inviter) nextReminder(ctx context.Context, tx directory.Store, a directory.Account, args DeliverArgs) error {
	var n int
	if _, err := fmt.Sscanf(args.Message, "reminder-%d", &n); err != nil || n < 1 || a.InviteExpiresAt == nil {
		return nil
	}
	lt, err := v.readLifetimes(ctx, tx, a.OrgID)
	if err != nil || n >= len(lt.Reminders) {
		return err
	}
	at := a.InviteExpiresAt.Add(-lt.Link).Add(lt.Reminders[n])
	if now := v.now(); at.Before(now) {
		at = now
	}
	next := DeliverArgs{OrgID: a.OrgID, AccountID: a.ID, Generation: args.Generation, Message: reminderMessage(n)}
	return v.jobs.Enqueue(ctx, tx, next, uniqueByArgs(at))
}

func (v *Inviter) auditRevocation(ctx context.Context, tx directory.Store, actor directory.Actor, prev, next *directory.Account) error {
	if prev == nil {
		return nil
	}
	if prev.State == directory.StateInvited && next.State == directory.StateNotInvited {
		if err := appendAudit(ctx, tx, actor, *next, "account.invite_revoke", nil); err != nil {
			return err
		}
	}
	if prev.AccessCodeHash != "" && next.AccessCodeHash == "" && next.State != directory.StateClaimed {
		return appendAudit(ctx, tx, actor, *next, "access_code.cancel", map[string]any{"generation": prev.AccessCodeGeneration})
	}
	return nil
}

func appendAudit(ctx context.Context, tx directory.Store, actor directory.Actor, a directory.Account, action string, details map[string]any) error {
	e := directory.AuditEvent{OrgID: a.OrgID, Action: action, TargetType: "user", TargetID: a.ID, AfterVersion: a.Version}
	return directory.Record(ctx, tx, actor, e, details)
}

// endSessions signs a deactivated account out everywhere.
func endSessions(ctx context.Context, tx directory.Store, actor directory.Actor, a directory.Account) error {
	n, err := tx.DeleteAccountSessions(ctx, a.OrgID, a.ID)
	if err != nil || n == 0 {
		return err
	}
	return appendAudit(ctx, tx, actor, a, "session.end_all", map[string]any{"sessions": n, "reason": "deactivated"})
}
