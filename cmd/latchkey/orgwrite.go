package main

import (
	"context"
	"errors"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/directory"
)

// withOrg connects with the settings needs asks for, finds the command's
// organization and runs fn; the shape every organization-scoped command
// shares.
func withOrg(ctx context.Context, env *cli, c *commandFlags, needs config.Needs, fn func(s *session, org directory.Organization) error) error {
	s, err := c.connect(ctx, env, needs)
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

// audited runs fn and its audit record in one transaction. targetID is
// read after fn ran, so a create can name the row it made (&row.ID).
func (s *session) audited(ctx context.Context, orgID, action, targetType string, targetID *string, details string,
	fn func(tx directory.Store) error) error {
	return s.store.InTx(ctx, func(tx directory.Store) error {
		if err := fn(tx); err != nil {
			return err
		}
		return s.audit(ctx, tx, orgID, action, targetType, *targetID, details)
	})
}

// change is audited for a write of values the command was given: one the
// store refuses (ErrInvalid) is the caller's mistake, a usage error.
func (s *session) change(ctx context.Context, orgID, action, targetType string, targetID *string, details string,
	fn func(tx directory.Store) error) error {
	err := s.audited(ctx, orgID, action, targetType, targetID, details, fn)
	if errors.Is(err, directory.ErrInvalid) {
		return &usageError{msg: err.Error()}
	}
	return err
}
