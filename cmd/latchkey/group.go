package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/directory"
)

func runGroup(ctx context.Context, env *cli, args []string) error {
	return subcommand(ctx, env, "group", args, map[string]func(context.Context, *cli, []string) error{
		"flags": runGroupFlags,
		"list":  runGroupList,
	})
}

// runGroupFlags marks groups as offered to people claiming (default) or
// findable and joinable by search (open).
func runGroupFlags(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "group flags", "group flags --org SLUG [--default=BOOL] [--open=BOOL] GROUP-NAME... [flags]", true)
	isDefault := c.fs.String("default", "", "offer the group to everyone claiming an account (true or false)")
	open := c.fs.String("open", "", "let people find and join the group by search (true or false)")
	names, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return usagef("latchkey group flags: name at least one group (its displayName)")
	}
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		for _, name := range names {
			g, err := groupByName(ctx, s.store, org.ID, name)
			if err != nil {
				return err
			}
			flags := g.Flags
			if err := setBool(&flags.Default, "default", *isDefault); err != nil {
				return err
			}
			if err := setBool(&flags.Open, "open", *open); err != nil {
				return err
			}
			err = s.change(ctx, org.ID, "group.flags", "group", &g.ID, "", func(tx directory.Store) error {
				return tx.SetGroupFlags(ctx, org.ID, g.ID, flags)
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(env.stdout, "%s: default %t, open %t\n", g.DisplayName, flags.Default, flags.Open)
		}
		return nil
	})
}

func setBool(dst *bool, name, raw string) error {
	if raw == "" {
		return nil
	}
	v, err := strconv.ParseBool(raw)
	if err != nil {
		return usagef("--%s: want true or false", name)
	}
	*dst = v
	return nil
}

func groupByName(ctx context.Context, store directory.Store, orgID, name string) (directory.Group, error) {
	page, err := store.FindGroups(ctx, orgID, directory.ListQuery{
		Filter: directory.Compare{Attr: directory.AttrDisplayName, Op: directory.OpEq, Value: name}, Limit: 1})
	if err != nil {
		return directory.Group{}, err
	}
	if len(page.Groups) == 0 {
		return directory.Group{}, fmt.Errorf("no group named %q; `latchkey group list` shows them", name)
	}
	return page.Groups[0], nil
}

// runGroupList lists the organization's default and open groups.
func runGroupList(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "group list", "group list --org SLUG [flags]", true)
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := requireNoArgs("group list", rest); err != nil {
		return err
	}
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		groups, err := s.store.SearchOpenGroups(ctx, org.ID, "", directory.MaxPageSize)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "GROUP\tDEFAULT\tOPEN\tID")
		for _, g := range groups {
			fmt.Fprintf(w, "%s\t%t\t%t\t%s\n", g.DisplayName, g.Flags.Default, g.Flags.Open, g.ID)
		}
		return w.Flush()
	})
}
