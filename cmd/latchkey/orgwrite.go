package main

import (
	"context"
	"errors"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/directory"
)

// withOrg connects, finds the command's organization and runs fn; the
// shape every organization-scoped command shares.
func withOrg(ctx context.Context, env *cli, c *commandFlags, fn func(s *session, org directory.Organization) error) error {
	s, err := c.connect(ctx, env, config.Needs{})
	if err != nil {
		return err
	}
	defer s.close()
	org, err := s.organization(ctx, *c.org)
	if err != nil {
		return err
	}
	return fn(s, org)
}

// change runs fn and its audit record in one transaction. A value the
// store refuses (ErrInvalid) is the caller's mistake: a usage error.
func (s *session) change(ctx context.Context, orgID, action, targetType, targetID string, fn func(tx directory.Store) error) error {
	err := s.store.InTx(ctx, func(tx directory.Store) error {
		if err := fn(tx); err != nil {
			return err
		}
		return s.audit(ctx, tx, orgID, action, targetType, targetID, "")
	})
	if errors.Is(err, directory.ErrInvalid) {
		return &usageError{msg: err.Error()}
	}
	return err
}
