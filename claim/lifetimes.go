package claim

import (
	"context"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// Lifetimes are how long one organization's claim links and access codes
// work and when its unclaimed people are reminded (delays after the
// invitation): the organization's own settings where it has them, else
// the server's.
type Lifetimes struct {
	Link      time.Duration
	Code      time.Duration
	Reminders []time.Duration
}

// Lifetimes resolves org's lifetimes against the server's defaults.
func (v *Inviter) Lifetimes(org directory.Organization) Lifetimes {
	lt := Lifetimes{Link: v.linkTTL, Code: v.codeTTL, Reminders: v.reminders}
	if org.LinkTTL > 0 {
		lt.Link = org.LinkTTL
	}
	if org.CodeTTL > 0 {
		lt.Code = org.CodeTTL
	}
	if org.Reminders != nil {
		lt.Reminders = org.Reminders
	}
	return lt
}

// readLifetimes reads the organization's lifetimes in tx: one
// primary-key read, done once per invitation (or code, or reminder)
// that needs them.
func (v *Inviter) readLifetimes(ctx context.Context, tx directory.Store, orgID string) (Lifetimes, error) {
	org, err := tx.Organization(ctx, orgID)
	if err != nil {
		return Lifetimes{}, err
	}
	return v.Lifetimes(org), nil
}

// stamp makes a the invited account of a new generation, its link
// working for the organization's link lifetime.
func (lt Lifetimes) stamp(a *directory.Account, now time.Time) {
	a.State = directory.StateInvited
	if a.InvitedAt == nil {
		a.InvitedAt = &now
	}
	a.InviteGeneration++
	lt.renewLink(a, now)
}

// renewLink gives an invited account a fresh link: a new generation's
// expiry (the caller bumps the generation).
func (lt Lifetimes) renewLink(a *directory.Account, now time.Time) {
	expires := now.Add(lt.Link)
	a.InviteExpiresAt = &expires
}

// issueCode gives a its next access code, which cancels the previous,
// working for the organization's code lifetime.
func (v *Inviter) issueCode(a *directory.Account, now time.Time, lt Lifetimes) {
	a.AccessCodeGeneration++
	expires := now.Add(lt.Code)
	a.AccessCodeExpiresAt = &expires
	a.AccessCodeHash = v.secrets.CodeHash(v.secrets.AccessCode(*a))
}
