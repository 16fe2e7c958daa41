package pages

import (
	"context"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
)

// complete claims the account, in one transaction on the locked account:
// it checks the claim can still go on (of two completions at once the
// second finds the account claimed: claim.ErrUsed), writes the pending
// password, marks the account claimed (spending the link or code), ends
// the claim session and starts a sign-in session under a new secret,
// which it returns.
func (p *Pages) complete(ctx context.Context, cs *claimState) (string, error) {
	if cs.ssoPending() {
		return "", errSSORequired
	}
	pl, err := p.planFor(ctx, cs)
	if err != nil {
		return "", err
	}
	if pl.next(cs.progress) != "" {
		return "", errStepsLeft
	}
	var secret string
	err = p.store.InTx(ctx, func(tx directory.Store) error {
		a, err := lockAccount(ctx, tx, cs)
		if err != nil {
			return err
		}
		if err := p.codeStillWorks(cs, a); err != nil {
			return err
		}
		actor := personActor(ctx, a)
		if err := p.writePassword(ctx, tx, actor, cs, a); err != nil {
			return err
		}
		if err := p.inviter.Complete(ctx, tx, actor, &a, cs.method()); err != nil {
			return err
		}
		if err := tx.DeleteSession(ctx, cs.session.Hash); err != nil {
			return err
		}
		secret, _, err = p.startSession(ctx, tx, directory.Session{OrgID: a.OrgID, AccountID: a.ID,
			Method: string(cs.method()), Purpose: directory.PurposeSignIn})
		return err
	})
	if err == nil {
		p.metrics.Claimed(cs.method()) // counted once committed
	}
	return secret, err
}

// codeStillWorks checks, for a claim begun with an access code, that the
// code was not cancelled and has not expired since.
func (p *Pages) codeStillWorks(cs *claimState, a directory.Account) error {
	if cs.method() != claim.MethodCode {
		return nil
	}
	switch {
	case a.AccessCodeHash == "":
		return claim.ErrRevoked
	case a.AccessCodeExpiresAt != nil && !p.now().Before(*a.AccessCodeExpiresAt):
		return claim.ErrExpired
	}
	return nil
}

// writePassword stores the password chosen in the claim, if any.
func (p *Pages) writePassword(ctx context.Context, tx directory.Store, actor directory.Actor, cs *claimState, a directory.Account) error {
	if cs.progress.passwordHash == "" || cs.needsSSO || cs.method() == claim.MethodSSO {
		return nil
	}
	if err := tx.SetPassword(ctx, a.OrgID, a.ID, cs.progress.passwordHash, p.now().UTC()); err != nil {
		return err
	}
	return record(ctx, tx, actor, accountEvent(a, "account.password_set"), nil)
}
