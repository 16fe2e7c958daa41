package claim

import (
	"context"
	"errors"
	"fmt"

	"github.com/latchkeyhq/latchkey/directory"
)

// Why a claim link or access code does not work. Pages say which, and
// what to do; none of them tells a guesser more than "unknown".
var (
	ErrUnknown     = errors.New("claim: no such link or code")
	ErrExpired     = errors.New("claim: the link or code has expired")
	ErrUsed        = errors.New("claim: the account was already claimed")
	ErrRevoked     = errors.New("claim: the link or code was replaced or revoked")
	ErrDeactivated = errors.New("claim: the account is deactivated")
)

// Method is how an account was claimed.
type Method string

// The claim methods.
const (
	MethodLink Method = "link"
	MethodSSO  Method = "sso"
	MethodCode Method = "code"
)

// ResolveLink finds the account a claim link token belongs to and says
// whether the link still works. Opening a link must not spend it (mail
// scanners open links), so this only reads.
func (v *Inviter) ResolveLink(ctx context.Context, store directory.Store, token string) (directory.Account, error) {
	orgID, accountID, err := ParseLinkToken(token)
	if err != nil {
		return directory.Account{}, ErrUnknown
	}
	a, err := store.Account(ctx, orgID, accountID)
	if errors.Is(err, directory.ErrNotFound) {
		return directory.Account{}, ErrUnknown
	}
	if err != nil {
		return directory.Account{}, err
	}
	return a, v.linkState(a, token)
}

// linkState checks a presented token against the account's current link
// and says why it does not work. An earlier link of the account and a
// forged one look the same (ErrRevoked): the MAC cannot tell them apart.
func (v *Inviter) linkState(a directory.Account, token string) error {
	if a.State == directory.StateClaimed {
		return ErrUsed // claiming moved the generation; any link of it is spent
	}
	if !v.secrets.CheckLinkToken(a, token) {
		return ErrRevoked
	}
	switch {
	case !a.Active:
		return ErrDeactivated
	case a.State != directory.StateInvited:
		return ErrRevoked
	case !v.now().Before(*a.InviteExpiresAt):
		return ErrExpired
	}
	return nil
}

// ResolveCode finds the account an access code (as typed) belongs to.
// Only a current code finds anything: an old code of an account is
// indistinguishable from a code that never existed.
func (v *Inviter) ResolveCode(ctx context.Context, store directory.Store, typed string) (directory.Account, error) {
	code, err := NormalizeCode(typed)
	if err != nil {
		return directory.Account{}, ErrUnknown
	}
	a, err := store.AccountByAccessCode(ctx, v.secrets.CodeHash(code))
	if errors.Is(err, directory.ErrNotFound) {
		return directory.Account{}, ErrUnknown
	}
	if err != nil {
		return directory.Account{}, err
	}
	switch {
	case a.State == directory.StateClaimed:
		return a, ErrUsed
	case !a.Active:
		return a, ErrDeactivated
	case !v.now().Before(*a.AccessCodeExpiresAt):
		return a, ErrExpired
	}
	return a, nil
}

// Complete marks the account claimed, in the caller's transaction on an
// account loaded with AccountForUpdate: the link and the code are spent
// (a concurrent second completion finds the account claimed and gets
// ErrUsed). Passwords, terms and the other first-access steps are the
// caller's, before this.
func (v *Inviter) Complete(ctx context.Context, tx directory.Store, actor directory.Actor, a *directory.Account, method Method) error {
	switch {
	case a.State == directory.StateClaimed:
		return ErrUsed
	case !a.Active:
		return ErrDeactivated
	}
	now := v.timestamp()
	a.State = directory.StateClaimed
	a.ClaimedAt = &now
	a.InviteGeneration++
	clearCode(a)
	if err := tx.UpdateInvitation(ctx, a); err != nil {
		return fmt.Errorf("claim: complete: %w", err)
	}
	return appendAudit(ctx, tx, actor, *a, "account.claim", map[string]any{"method": string(method)})
}
