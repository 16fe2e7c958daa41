package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/password"
)

// generatedPasswordLength is the length of a password `admin password`
// makes up: 20 characters of base32 (crypto/rand), 100 bits.
const generatedPasswordLength = 20

// runAdminPassword sets an admin's console password: one read from a
// file, or a generated one printed once. Every console session of the
// admin ends.
func runAdminPassword(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "admin password", "admin password --org SLUG --email EMAIL [--password-file FILE]", true)
	email := c.fs.String("email", "", "the admin's email address (required)")
	file := c.fs.String("password-file", "", "read the new password from this file (its first line); without it a password is generated and printed once")
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := errors.Join(requireNoArgs("admin password", rest), required("email", *email)); err != nil {
		return &usageError{msg: err.Error()}
	}
	pw, generated, err := newAdminPassword(*file, *email)
	if err != nil {
		return err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		adm, err := s.store.AdminByEmail(ctx, org.ID, *email)
		if errors.Is(err, directory.ErrNotFound) {
			return fmt.Errorf("%s is not an admin of organization %s; create one with `latchkey admin create`", *email, org.Slug)
		}
		if err != nil {
			return err
		}
		err = s.store.InTx(ctx, func(tx directory.Store) error {
			if err := tx.SetAdminPassword(ctx, org.ID, adm.ID, hash, time.Now(), ""); err != nil {
				return err
			}
			return s.audit(ctx, tx, org.ID, "admin.password_set", "admin", adm.ID, "")
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "Set the console password of %s in organization %s; their console sessions have ended.\n", adm.Email, org.Slug)
		if generated {
			fmt.Fprintln(env.stdout, "Pass it on safely; it is not stored and cannot be shown again (they can change it under Your account):")
			fmt.Fprintln(env.stdout, pw)
		}
		return nil
	})
}

// newAdminPassword reads the password from file, checked as people's
// are, or generates one.
func newAdminPassword(file, email string) (pw string, generated bool, err error) {
	if file == "" {
		return rand.Text()[:generatedPasswordLength], true, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", false, fmt.Errorf("--password-file: %w", err)
	}
	pw, _, _ = strings.Cut(string(b), "\n")
	pw = strings.TrimRight(pw, "\r")
	if err := password.Check(pw, email); err != nil {
		return "", false, &usageError{msg: "--password-file: " + err.Error()}
	}
	return pw, false, nil
}
