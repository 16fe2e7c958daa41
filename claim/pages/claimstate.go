package pages

import (
	"context"
	"errors"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
)

// claimState is one request's view of a claim in progress: the claim
// session, its account and organization, and what the steps recorded.
type claimState struct {
	session  directory.Session
	org      directory.Organization
	account  directory.Account
	progress progress
	// needsSSO: the account must pass the organization's IdP, so the
	// claim goes on only in a session the ACS started (Method sso).
	needsSSO bool
}

func (cs *claimState) method() claim.Method { return claim.Method(cs.session.Method) }

// ssoPending reports a claim session that waits for the IdP: the account
// needs single sign-on, and the person has not passed it yet.
func (cs *claimState) ssoPending() bool { return cs.needsSSO && cs.method() != claim.MethodSSO }

// loadClaim finds the claim session secret names and checks the claim can
// still go on.
func (p *Pages) loadClaim(ctx context.Context, secret string) (*claimState, error) {
	s, err := p.session(ctx, secret, directory.PurposeClaim)
	if err != nil {
		return nil, err
	}
	a, err := p.store.Account(ctx, s.OrgID, s.AccountID)
	if errors.Is(err, directory.ErrNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	if err := claimable(a, s); err != nil {
		return nil, err
	}
	org, err := p.store.Organization(ctx, s.OrgID)
	if err != nil {
		return nil, err
	}
	needsSSO, err := p.needsSSO(ctx, org, a)
	if err != nil {
		return nil, err
	}
	return &claimState{session: s, org: org, account: a, progress: readProgress(s.Steps), needsSSO: needsSSO}, nil
}

// claimable says why a claim that began in session s can no longer go on
// for account a, or nil: claimed since, deactivated, or its invitation
// revoked or replaced (every one of those moves InviteGeneration on).
func claimable(a directory.Account, s directory.Session) error {
	switch {
	case a.State == directory.StateClaimed:
		return claim.ErrUsed
	case !a.Active:
		return claim.ErrDeactivated
	case a.State != directory.StateInvited || a.InviteGeneration != s.InviteGeneration:
		return claim.ErrRevoked
	}
	return nil
}

// needsSSO reports accounts that must sign in through the organization's
// IdP: those whose authMethod is sso, and those whose email domain the
// organization's SAML settings claim.
func (p *Pages) needsSSO(ctx context.Context, org directory.Organization, a directory.Account) (bool, error) {
	if a.AuthMethod == directory.AuthSSO {
		return true, nil
	}
	settings, err := p.store.SAMLSettings(ctx, org.ID)
	if errors.Is(err, directory.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return settings.RequiresSSO(a.PrimaryEmail()), nil
}
