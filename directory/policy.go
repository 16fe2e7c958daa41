package directory

import "context"

// Actor is who performs a change, for the audit trail.
type Actor struct {
	Type      ActorType
	ID        string
	Name      string
	RequestID string
}

// AccountPolicy is what happens around every account write, whichever
// adapter makes it (SCIM, the admin API): the invitation rules live in
// package claim, and protocols call them without importing it. Both
// hooks run inside the write's transaction, so their changes and the
// jobs they enqueue commit or roll back with it.
type AccountPolicy interface {
	// BeforeWrite may change next before it is stored; prev is nil for
	// a new account (which then has no ID yet).
	BeforeWrite(ctx context.Context, tx Store, actor Actor, prev *Account, next *Account) error
	// AfterWrite runs once next is stored. It may write next again
	// (through tx.UpdateAccount, leaving next as stored).
	AfterWrite(ctx context.Context, tx Store, actor Actor, prev *Account, next *Account) error
}

// NoPolicy is an AccountPolicy that does nothing.
type NoPolicy struct{}

// BeforeWrite implements AccountPolicy.
func (NoPolicy) BeforeWrite(context.Context, Store, Actor, *Account, *Account) error { return nil }

// AfterWrite implements AccountPolicy.
func (NoPolicy) AfterWrite(context.Context, Store, Actor, *Account, *Account) error { return nil }
