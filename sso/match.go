package sso

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/latchkeyhq/latchkey/directory"
)

// matchPages bounds how many candidate pages MatchAccount reads: the
// candidates are accounts sharing an email value with the identity, which
// in any real directory is a handful.
const matchPages = 10

// MatchAccount finds the organization's account a verified identity
// belongs to: the one whose userName or primary email (Account.
// PrimaryEmail) equals the identity's NameID or Email, compared
// case-insensitively (lower-cased as the store's *_lower columns are).
// It uses the store's filters, so it runs in the database. ErrNotFound
// when no account matches, ErrConflict when more than one does (two
// accounts, e.g. one's userName is another's email: an admin must sort
// that out), ErrAccountInactive when the account is deactivated.
func MatchAccount(ctx context.Context, store directory.AccountStore, orgID string, id Identity) (directory.Account, error) {
	var keys []string
	for _, k := range []string{id.NameID, id.Email} {
		k = strings.ToLower(strings.TrimSpace(k))
		if k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return directory.Account{}, fmt.Errorf("sso: match account: no NameID or email: %w", directory.ErrNotFound)
	}
	var or directory.Or
	for _, k := range keys {
		or = append(or,
			directory.Compare{Attr: directory.AttrUserName, Op: directory.OpEq, Value: k},
			directory.Compare{Attr: directory.AttrEmailValue, Op: directory.OpEq, Value: k})
	}
	var matches []directory.Account
	q := directory.ListQuery{Filter: or, Limit: 100}
	for page := 0; ; page++ {
		if page == matchPages {
			return directory.Account{}, fmt.Errorf("sso: match account: too many candidates: %w", directory.ErrConflict)
		}
		res, err := store.FindAccounts(ctx, orgID, q)
		if err != nil {
			return directory.Account{}, fmt.Errorf("sso: match account: %w", err)
		}
		for _, a := range res.Accounts {
			if slices.Contains(keys, strings.ToLower(a.UserName)) || slices.Contains(keys, strings.ToLower(a.PrimaryEmail())) {
				matches = append(matches, a)
			}
		}
		if res.NextCursor == "" {
			break
		}
		q.After = res.NextCursor
	}
	switch len(matches) {
	case 0:
		return directory.Account{}, fmt.Errorf("sso: match account: %w", directory.ErrNotFound)
	case 1:
	default:
		return directory.Account{}, fmt.Errorf("sso: match account: %d accounts match: %w", len(matches), directory.ErrConflict)
	}
	if !matches[0].Active {
		return directory.Account{}, fail(ErrAccountInactive, "account "+matches[0].ID, nil)
	}
	return matches[0], nil
}
