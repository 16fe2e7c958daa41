package pages

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"

	"github.com/google/uuid"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/password"
)

// The first-access steps as operations, shared by the pages and the JSON
// API: each checks the step may be done now, writes what it changes in
// one transaction with its audit entry, and records the step as done.

// maxGroupsAtOnce bounds one groups step.
const maxGroupsAtOnce = 50

// beginStep checks the claim may do step now and returns its plan.
func (p *Pages) beginStep(ctx context.Context, cs *claimState, step string) (plan, error) {
	if cs.ssoPending() {
		return plan{}, errSSORequired
	}
	pl, err := p.planFor(ctx, cs)
	if err != nil {
		return pl, err
	}
	return pl, pl.mayDo(step, cs.progress)
}

// finishStep records step as done.
func (p *Pages) finishStep(ctx context.Context, cs *claimState, step string) error {
	cs.progress.markDone(step)
	return p.saveProgress(ctx, cs)
}

// skipStep passes over step, where the organization allows it.
func (p *Pages) skipStep(ctx context.Context, cs *claimState, step string) error {
	if _, err := p.beginStep(ctx, cs, step); err != nil {
		return err
	}
	if !skippable(step, cs.org, cs.account) {
		return errStepRequired
	}
	return p.finishStep(ctx, cs, step)
}

// lockAccount loads the claim's account for update in tx and checks the
// claim can still go on.
func lockAccount(ctx context.Context, tx directory.Store, cs *claimState) (directory.Account, error) {
	a, err := tx.AccountForUpdate(ctx, cs.account.OrgID, cs.account.ID)
	if err != nil {
		return a, err
	}
	return a, claimable(a, cs.session)
}

// acceptTerms records that the person accepted version of the terms.
func (p *Pages) acceptTerms(ctx context.Context, cs *claimState, version int, accepted bool) error {
	pl, err := p.beginStep(ctx, cs, stepTerms)
	if err != nil {
		return err
	}
	switch {
	case !accepted:
		return &formError{field: "accept", message: "Accept the terms of use to continue."}
	case version != pl.terms.Version:
		return &formError{field: "accept", message: "The terms of use changed while you read them. Read this version and accept it."}
	}
	err = p.store.InTx(ctx, func(tx directory.Store) error {
		acceptance := directory.TermsAcceptance{OrgID: cs.org.ID, AccountID: cs.account.ID, Version: version, AcceptedAt: p.now().UTC()}
		if err := tx.AcceptTerms(ctx, acceptance); err != nil {
			return err
		}
		return record(ctx, tx, personActor(ctx, cs.account), accountEvent(cs.account, "account.terms_accept"),
			map[string]any{"version": version})
	})
	if err != nil {
		return err
	}
	return p.finishStep(ctx, cs, stepTerms)
}

// saveProfile applies the fields the organization lets people edit.
func (p *Pages) saveProfile(ctx context.Context, cs *claimState, prof claim.Profile) error {
	if _, err := p.beginStep(ctx, cs, stepProfile); err != nil {
		return err
	}
	err := p.store.InTx(ctx, func(tx directory.Store) error {
		a, err := lockAccount(ctx, tx, cs)
		if err != nil {
			return err
		}
		changed, err := claim.EditProfile(&a, prof, cs.org.Claim.Editable)
		if err != nil || len(changed) == 0 {
			return err
		}
		if err := tx.UpdateAccount(ctx, &a); err != nil {
			return err
		}
		cs.account = a
		return record(ctx, tx, personActor(ctx, a), accountEvent(a, "account.profile_update"), map[string]any{"fields": changed})
	})
	if err != nil {
		return err
	}
	return p.finishStep(ctx, cs, stepProfile)
}

// savePicture re-encodes the uploaded picture, stores it under a new id
// and points the account at it, in one transaction.
func (p *Pages) savePicture(ctx context.Context, cs *claimState, upload io.Reader) error {
	if _, err := p.beginStep(ctx, cs, stepPicture); err != nil {
		return err
	}
	img, err := p.pictures.Normalize(upload)
	if err != nil {
		return err
	}
	err = p.store.InTx(ctx, func(tx directory.Store) error {
		a, err := lockAccount(ctx, tx, cs)
		if err != nil {
			return err
		}
		pic := directory.Picture{ID: newPictureID(), OrgID: a.OrgID, AccountID: a.ID, ContentType: img.ContentType,
			Data: img.Data, Width: img.Width, Height: img.Height, CreatedAt: p.now().UTC()}
		if err := tx.PutPicture(ctx, &pic); err != nil {
			return err
		}
		a.PictureID = pic.ID
		if err := tx.UpdateAccount(ctx, &a); err != nil {
			return err
		}
		cs.account = a
		return record(ctx, tx, personActor(ctx, a), accountEvent(a, "account.picture_set"), map[string]any{"picture": pic.ID})
	})
	if err != nil {
		return err
	}
	return p.finishStep(ctx, cs, stepPicture)
}

// newPictureID is 128 random bits in hex: a picture's URL is public and
// cached forever, so it must not be guessable.
func newPictureID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// pickUserName records the username the person chose (claims by access
// code) as the account's sign-in name. The IdP's userName is left alone:
// IdPs find and rewrite their users by it. The name must be free in the
// organization, as another account's sign-in name or userName, so that
// it names one person at sign-in. The account's own userName is free:
// it is stored as the sign-in name like any other choice, so it keeps
// working if the IdP renames the user later.
func (p *Pages) pickUserName(ctx context.Context, cs *claimState, name string) error {
	if _, err := p.beginStep(ctx, cs, stepUserName); err != nil {
		return err
	}
	err := p.store.InTx(ctx, func(tx directory.Store) error {
		a, err := lockAccount(ctx, tx, cs)
		if err != nil {
			return err
		}
		before := a.SignInName
		if err := claim.ChooseSignInName(&a, name); err != nil || a.SignInName == before {
			return err
		}
		if err := nameFree(ctx, tx, a); err != nil {
			return err
		}
		if err := tx.UpdateAccount(ctx, &a); err != nil {
			if errors.Is(err, directory.ErrConflict) {
				return errUserNameTaken // another claim took it meanwhile
			}
			return err
		}
		cs.account = a
		return record(ctx, tx, personActor(ctx, a), accountEvent(a, "account.username_set"),
			map[string]any{"signInName": a.SignInName})
	})
	if err != nil {
		return err
	}
	return p.finishStep(ctx, cs, stepUserName)
}

// nameFree checks that no other account of a's organization has a's
// sign-in name as its sign-in name or its userName (case-insensitively).
func nameFree(ctx context.Context, tx directory.Store, a directory.Account) error {
	for _, find := range []func(context.Context, string, string) (directory.Account, error){
		tx.AccountBySignInName, tx.AccountByUserName,
	} {
		other, err := find(ctx, a.OrgID, a.SignInName)
		switch {
		case err == nil && other.ID != a.ID:
			return errUserNameTaken
		case err != nil && !errors.Is(err, directory.ErrNotFound):
			return err
		}
	}
	return nil
}

// choosePassword checks the new password and keeps its hash in the claim
// session until the claim completes (see pendingPassword).
func (p *Pages) choosePassword(ctx context.Context, cs *claimState, pw, confirm string) error {
	if _, err := p.beginStep(ctx, cs, stepPassword); err != nil {
		return err
	}
	if err := password.Check(pw, passwordContext(cs)...); err != nil {
		return err
	}
	if pw != confirm {
		return &formError{field: "confirm", message: "The two passwords differ. Type the same password twice."}
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	cs.progress.passwordHash = hash
	return p.finishStep(ctx, cs, stepPassword)
}

// passwordContext are the words a password must not be: the person's
// and the organization's names.
func passwordContext(cs *claimState) []string {
	words := []string{cs.org.Name, cs.org.Slug, cs.account.UserName, cs.account.SignInName, cs.account.GivenName,
		cs.account.FamilyName, cs.account.DisplayName}
	for _, e := range cs.account.Emails {
		words = append(words, e.Value)
	}
	return words
}

// joinGroups makes the account a member of the chosen groups, each of
// which the organization must have marked default or open.
func (p *Pages) joinGroups(ctx context.Context, cs *claimState, groupIDs []string) error {
	if _, err := p.beginStep(ctx, cs, stepGroups); err != nil {
		return err
	}
	switch {
	case len(groupIDs) == 0 && !skippable(stepGroups, cs.org, cs.account):
		return &formError{field: "groups", message: "Choose at least one group to join."}
	case len(groupIDs) > maxGroupsAtOnce:
		return &formError{field: "groups", message: "Choose fewer groups: at most 50 at once."}
	}
	err := p.store.InTx(ctx, func(tx directory.Store) error {
		actor := personActor(ctx, cs.account)
		for _, id := range groupIDs {
			if err := joinGroup(ctx, tx, actor, cs.account, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return p.finishStep(ctx, cs, stepGroups)
}

// errGroupClosed: a chosen group is gone, or no longer default or open.
var errGroupClosed = &formError{field: "groups", message: "One of the groups you chose is no longer open. Choose again."}

func joinGroup(ctx context.Context, tx directory.Store, actor directory.Actor, a directory.Account, groupID string) error {
	if _, err := uuid.Parse(groupID); err != nil {
		return errGroupClosed // not an id at all: the store need not see it
	}
	g, err := tx.Group(ctx, a.OrgID, groupID)
	switch {
	case errors.Is(err, directory.ErrNotFound):
		return errGroupClosed
	case err != nil:
		return err
	case !g.Flags.Default && !g.Flags.Open:
		return errGroupClosed
	}
	added, err := tx.AddMembers(ctx, a.OrgID, g.ID, []directory.Member{{ID: a.ID, Type: directory.MemberUser}})
	if err != nil || added == 0 {
		return err
	}
	e := directory.AuditEvent{OrgID: a.OrgID, Action: "group.join", TargetType: "group", TargetID: g.ID}
	return record(ctx, tx, actor, e, map[string]any{"member": a.ID})
}
