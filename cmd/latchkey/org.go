package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/directory"
)

func runOrg(ctx context.Context, env *cli, args []string) error {
	return subcommand(ctx, env, "org", args, map[string]func(context.Context, *cli, []string) error{
		"create":   runOrgCreate,
		"list":     runOrgList,
		"settings": runOrgSettings,
	})
}

func runOrgCreate(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "org create", "org create --name NAME --slug SLUG [flags]", false)
	name := c.fs.String("name", "", "display name of the organization (required)")
	slug := c.fs.String("slug", "", "short unique id: lower-case letters, digits, hyphens (required)")
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := errors.Join(requireNoArgs("org create", rest), required("name", *name), required("slug", *slug)); err != nil {
		return &usageError{msg: err.Error()}
	}
	s, err := c.connect(ctx, env, config.Needs{})
	if err != nil {
		return err
	}
	defer s.close()
	org := directory.Organization{Name: *name, Slug: *slug}
	err = s.store.InTx(ctx, func(tx directory.Store) error {
		if err := tx.CreateOrganization(ctx, &org); err != nil {
			return err
		}
		return s.audit(ctx, tx, org.ID, "organization.create", "organization", org.ID, "")
	})
	switch {
	case errors.Is(err, directory.ErrConflict):
		return fmt.Errorf("an organization with slug %q already exists", *slug)
	case errors.Is(err, directory.ErrInvalid):
		return &usageError{msg: err.Error()}
	case err != nil:
		return err
	}
	fmt.Fprintf(env.stdout, "Created organization %q (slug %s, id %s).\n", org.Name, org.Slug, org.ID)
	return nil
}

func runOrgList(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "org list", "org list [flags]", false)
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := requireNoArgs("org list", rest); err != nil {
		return err
	}
	s, err := c.connect(ctx, env, config.Needs{})
	if err != nil {
		return err
	}
	defer s.close()
	orgs, err := s.store.ListOrganizations(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SLUG\tNAME\tID\tCREATED")
	for _, o := range orgs {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", o.Slug, o.Name, o.ID, formatTime(&o.CreatedAt))
	}
	return w.Flush()
}
