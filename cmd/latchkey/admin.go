package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
)

// defaultAdminTokenExpiry is shorter than a SCIM token's: admin tokens
// grant more and are easier to mint again.
const defaultAdminTokenExpiry = "90d"

func runAdmin(ctx context.Context, env *cli, args []string) error {
	return subcommand(ctx, env, "admin", args, map[string]func(context.Context, *cli, []string) error{
		"create":   runAdminCreate,
		"password": runAdminPassword,
	})
}

func runAdminCreate(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "admin create", "admin create --org SLUG --email EMAIL --role ROLE [flags]", true)
	email := c.fs.String("email", "", "the admin's email address (required)")
	roles := make([]string, len(directory.Roles))
	for i, r := range directory.Roles {
		roles[i] = string(r)
	}
	role := c.fs.String("role", "", "one of "+strings.Join(roles, ", ")+", or a custom role of the org (required)")
	tokenName := c.fs.String("token-name", "cli", "name of the admin API token created with the admin")
	expires := c.fs.String("expires", defaultAdminTokenExpiry, "token lifetime: days (90d), a Go duration (12h) or never")
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := errors.Join(requireNoArgs("admin create", rest), required("email", *email), required("role", *role)); err != nil {
		return &usageError{msg: err.Error()}
	}
	if !directory.Role(*role).ValidName() {
		return usagef("--role %q: want one of %s or a custom role's name", *role, strings.Join(roles, ", "))
	}
	expiresAt, err := parseExpiry(*expires, time.Now())
	if err != nil {
		return err
	}
	return withOrg(ctx, env, c, config.Needs{SecretKey: true}, func(s *session, org directory.Organization) error {
		hasher, err := newHasher(s.cfg, s.log)
		if err != nil {
			return err
		}
		plaintext, hash, err := hasher.New(credential.KindAdmin)
		if err != nil {
			return err
		}
		admin := directory.Admin{OrgID: org.ID, Email: *email, Role: directory.Role(*role)}
		tok := directory.AdminToken{OrgID: org.ID, Name: *tokenName, Hash: hash, ExpiresAt: expiresAt}
		// Two rows and two audit records: more than change writes.
		err = s.store.InTx(ctx, func(tx directory.Store) error {
			if err := tx.CreateAdmin(ctx, &admin); err != nil {
				return err
			}
			tok.AdminID = admin.ID
			if err := tx.CreateAdminToken(ctx, &tok); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, org.ID, "admin.create", "admin", admin.ID, fmt.Sprintf(`{"role":%q}`, admin.Role)); err != nil {
				return err
			}
			return s.audit(ctx, tx, org.ID, "admin_token.create", "admin_token", tok.ID, "")
		})
		switch {
		case errors.Is(err, directory.ErrConflict):
			return fmt.Errorf("%s is already an admin of organization %s", *email, org.Slug)
		case errors.Is(err, directory.ErrNotFound):
			return fmt.Errorf("organization %s has no role %q; create it with POST /admin/v1/roles or use a built-in role", org.Slug, *role)
		case errors.Is(err, directory.ErrInvalid):
			return &usageError{msg: err.Error()}
		case err != nil:
			return err
		}
		fmt.Fprintf(env.stdout, "Created admin %s (id %s, role %s) in organization %s.\n", admin.Email, admin.ID, admin.Role, org.Slug)
		fmt.Fprintf(env.stdout, "Admin API token %q (id %s) expires %s.\n", tok.Name, tok.ID, formatTime(tok.ExpiresAt))
		fmt.Fprintln(env.stdout, "Copy the token now; it is not stored and cannot be shown again:")
		fmt.Fprintln(env.stdout, plaintext)
		return nil
	})
}
