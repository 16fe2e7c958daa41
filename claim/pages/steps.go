package pages

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
)

// The first-access steps, in the order a claim asks for them.
const (
	stepTerms    = "terms"
	stepProfile  = "profile"
	stepPicture  = "picture"
	stepUserName = "username"
	stepPassword = "password"
	stepGroups   = "groups"
)

var (
	// errStepOrder: a step was attempted before an earlier one was done,
	// or the claim does not have that step.
	errStepOrder = errors.New("pages: step not available now")
	// errStepRequired: the organization does not let people skip it.
	errStepRequired = errors.New("pages: this step cannot be skipped")
	// errStepsLeft: completing before every step is done.
	errStepsLeft = errors.New("pages: steps left")
)

// pendingPassword prefixes the Steps entry that keeps the hash of the
// chosen password until the claim completes. The password is written in
// the completing transaction, not before: of two people racing with one
// link, the one whose claim fails must not leave their password on the
// account the other one claimed.
const pendingPassword = "pending-password="

// progress is what a claim session recorded: the steps done (or
// skipped) and the pending password hash.
type progress struct {
	done         []string
	passwordHash string
}

func readProgress(steps []string) progress {
	var pr progress
	for _, s := range steps {
		if hash, ok := strings.CutPrefix(s, pendingPassword); ok {
			pr.passwordHash = hash
			continue
		}
		pr.done = append(pr.done, s)
	}
	return pr
}

func (pr progress) encode() []string {
	out := slices.Clone(pr.done)
	if pr.passwordHash != "" {
		out = append(out, pendingPassword+pr.passwordHash)
	}
	return out
}

func (pr progress) isDone(step string) bool { return slices.Contains(pr.done, step) }

func (pr *progress) markDone(step string) {
	if !pr.isDone(step) {
		pr.done = append(pr.done, step)
	}
}

// plan is the steps one claim asks for, in order, and the terms the
// terms step shows.
type plan struct {
	steps []string
	terms directory.Terms // Version 0 when the organization published none
}

// planFor decides the steps: terms only when the organization published
// some; profile and picture always; a username for access-code claims;
// a password unless the person signs in through the IdP (or claimed
// through it: the account then has no password); groups when the
// organization has any that people may join.
func (p *Pages) planFor(ctx context.Context, cs *claimState) (plan, error) {
	var pl plan
	terms, err := p.store.CurrentTerms(ctx, cs.org.ID)
	switch {
	case err == nil:
		pl.terms = terms
		pl.steps = append(pl.steps, stepTerms)
	case !errors.Is(err, directory.ErrNotFound):
		return pl, err
	}
	pl.steps = append(pl.steps, stepProfile, stepPicture)
	if cs.method() == claim.MethodCode {
		pl.steps = append(pl.steps, stepUserName)
	}
	if !cs.needsSSO && cs.method() != claim.MethodSSO {
		pl.steps = append(pl.steps, stepPassword)
	}
	groups, err := p.store.SearchOpenGroups(ctx, cs.org.ID, "", 1)
	if err != nil {
		return pl, err
	}
	if len(groups) > 0 {
		pl.steps = append(pl.steps, stepGroups)
	}
	return pl, nil
}

// next is the first step not done, "" when all are.
func (pl plan) next(pr progress) string {
	for _, s := range pl.steps {
		if !pr.isDone(s) {
			return s
		}
	}
	return ""
}

// mayDo allows a step of the plan once every step before it is done
// (done steps may be done again: a person goes back to fix something).
func (pl plan) mayDo(step string, pr progress) error {
	i := slices.Index(pl.steps, step)
	if i < 0 {
		return errStepOrder
	}
	for _, before := range pl.steps[:i] {
		if !pr.isDone(before) {
			return errStepOrder
		}
	}
	return nil
}

// skippable reports whether the organization lets people skip step. A
// required picture counts as given when the account already has one.
func skippable(step string, org directory.Organization, a directory.Account) bool {
	switch step {
	case stepTerms:
		return org.Claim.TermsOptional
	case stepProfile:
		return !org.Claim.ProfileRequired
	case stepPicture:
		return !org.Claim.PictureRequired || a.PictureID != ""
	case stepGroups:
		return !org.Claim.GroupsRequired
	}
	return false
}

// saveProgress records the claim session's progress.
func (p *Pages) saveProgress(ctx context.Context, cs *claimState) error {
	cs.session.Steps = cs.progress.encode()
	return p.store.SaveSessionSteps(ctx, cs.session.Hash, cs.session.Steps)
}
