package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
)

// defaultScimTokenExpiry follows RFC 7644's advice that bearer tokens have
// a limited lifetime; a year keeps IdP reconfiguration rare.
const defaultScimTokenExpiry = "365d"

func runScimToken(ctx context.Context, env *cli, args []string) error {
	return subcommand(ctx, env, "scim-token", args, map[string]func(context.Context, *cli, []string) error{
		"create": runScimTokenCreate,
		"list":   runScimTokenList,
		"revoke": runScimTokenRevoke,
	})
}

func runScimTokenCreate(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "scim-token create", "scim-token create --org SLUG --name NAME [--expires 90d|never] [flags]", true)
	name := c.fs.String("name", "", "what the token is for, e.g. \"Entra ID\" (required)")
	expires := c.fs.String("expires", defaultScimTokenExpiry, "lifetime: days (90d), a Go duration (12h) or never")
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := errors.Join(requireNoArgs("scim-token create", rest), required("name", *name)); err != nil {
		return &usageError{msg: err.Error()}
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
		plaintext, hash, err := hasher.New(credential.KindScim)
		if err != nil {
			return err
		}
		tok := directory.ScimToken{OrgID: org.ID, Name: *name, Hash: hash, ExpiresAt: expiresAt}
		err = s.change(ctx, org.ID, "scim_token.create", "scim_token", &tok.ID, "", func(tx directory.Store) error {
			return tx.CreateScimToken(ctx, &tok)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "Created SCIM token %q (id %s) for organization %s; expires %s.\n", tok.Name, tok.ID, org.Slug, formatTime(tok.ExpiresAt))
		fmt.Fprintf(env.stdout, "SCIM base URL: %s/scim/v2 (send the token as \"Authorization: Bearer <token>\").\n", s.cfg.BaseURL)
		fmt.Fprintln(env.stdout, "Copy the token now; it is not stored and cannot be shown again:")
		fmt.Fprintln(env.stdout, plaintext)
		return nil
	})
}

func runScimTokenList(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "scim-token list", "scim-token list --org SLUG [flags]", true)
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := requireNoArgs("scim-token list", rest); err != nil {
		return err
	}
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		tokens, err := s.store.ListScimTokens(ctx, org.ID)
		if err != nil {
			return err
		}
		now := time.Now()
		w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tSTATUS\tCREATED\tEXPIRES\tLAST USED")
		for _, t := range tokens {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, tokenStatus(t.RevokedAt, t.ExpiresAt, now),
				formatTime(&t.CreatedAt), formatTime(t.ExpiresAt), formatTime(t.LastUsedAt))
		}
		return w.Flush()
	})
}

func tokenStatus(revokedAt, expiresAt *time.Time, now time.Time) string {
	switch {
	case revokedAt != nil:
		return "revoked"
	case expiresAt != nil && !now.Before(*expiresAt):
		return "expired"
	}
	return "active"
}

func runScimTokenRevoke(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "scim-token revoke", "scim-token revoke [--org SLUG] ID [flags]", true)
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("latchkey scim-token revoke: want exactly one token ID (see `latchkey scim-token list`)")
	}
	id := rest[0]
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		err := s.audited(ctx, org.ID, "scim_token.revoke", "scim_token", &id, "", func(tx directory.Store) error {
			return tx.RevokeScimToken(ctx, org.ID, id, time.Now())
		})
		if errors.Is(err, directory.ErrNotFound) {
			return fmt.Errorf("no SCIM token %q in organization %s; `latchkey scim-token list --org %s` shows them", id, org.Slug, org.Slug)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "Revoked SCIM token %s; requests using it are refused from now on.\n", id)
		return nil
	})
}
