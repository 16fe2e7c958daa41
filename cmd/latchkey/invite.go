package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/directory"
)

func runInviteRule(ctx context.Context, env *cli, args []string) error {
	return subcommand(ctx, env, "invite-rule", args, map[string]func(context.Context, *cli, []string) error{
		"add":    runInviteRuleAdd,
		"list":   runInviteRuleList,
		"remove": runInviteRuleRemove,
	})
}

func runInviteRuleAdd(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "invite-rule add",
		`invite-rule add --org SLUG --name NAME --filter 'department eq "Sales"' --action invite_now|invite_on_start_date|never [--message TEXT] [--position N]`, true)
	name := c.fs.String("name", "", "what the rule is for (required)")
	filter := c.fs.String("filter", "", `a SCIM filter over User attributes, e.g. 'emails.value ew "@corp.com"' (required)`)
	action := c.fs.String("action", "", "invite_now, invite_on_start_date or never (required)")
	message := c.fs.String("message", "", "a note added to the invitations this rule sends")
	position := c.fs.Int("position", 0, "where the rule goes (1 = first); default after the last")
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := errors.Join(requireNoArgs("invite-rule add", rest), required("name", *name), required("filter", *filter), required("action", *action)); err != nil {
		return &usageError{msg: err.Error()}
	}
	if _, err := claim.ParseRuleFilter(*filter); err != nil {
		return usagef("--filter: %v", err)
	}
	return withOrg(ctx, env, c, config.Needs{SecretKey: true}, func(s *session, org directory.Organization) error {
		inviter, err := s.inviter(ctx)
		if err != nil {
			return err
		}
		rule := directory.InviteRule{OrgID: org.ID, Name: *name, Filter: *filter, Action: directory.InviteAction(*action),
			Message: *message, Position: *position}
		err = s.change(ctx, org.ID, "invite_rule.create", "invite_rule", &rule.ID, "", func(tx directory.Store) error {
			if err := tx.CreateInviteRule(ctx, &rule); err != nil {
				return err
			}
			return inviter.StartBackfill(ctx, tx, rule)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "Added invite rule %q (id %s, position %d) to organization %s.\n", rule.Name, rule.ID, rule.Position, org.Slug)
		fmt.Fprintln(env.stdout, "Accounts already present that match it are invited in the background by the running server.")
		return nil
	})
}

func runInviteRuleList(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "invite-rule list", "invite-rule list --org SLUG [flags]", true)
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := requireNoArgs("invite-rule list", rest); err != nil {
		return err
	}
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		rules, err := s.store.InviteRules(ctx, org.ID)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "POSITION\tNAME\tACTION\tFILTER\tID")
		for _, r := range rules {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", r.Position, r.Name, r.Action, r.Filter, r.ID)
		}
		return w.Flush()
	})
}

func runInviteRuleRemove(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "invite-rule remove", "invite-rule remove --org SLUG RULE_ID [flags]", true)
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("latchkey invite-rule remove: name exactly one rule id (see `latchkey invite-rule list`)")
	}
	id := rest[0]
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		err := s.audited(ctx, org.ID, "invite_rule.delete", "invite_rule", &id, "", func(tx directory.Store) error {
			return tx.DeleteInviteRule(ctx, org.ID, id)
		})
		if errors.Is(err, directory.ErrNotFound) {
			return fmt.Errorf("no invite rule %s in organization %s; `latchkey invite-rule list` shows them", id, org.Slug)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "Removed invite rule %s.\n", id)
		return nil
	})
}

func runOrgSettings(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "org settings", "org settings --org SLUG [--auto-invite=true|false] [--invite-hour 9] [--time-zone Europe/Berlin]", true)
	autoInvite := c.fs.String("auto-invite", "", "invite every account as soon as it is provisioned (true or false)")
	hour := c.fs.String("invite-hour", "", "local hour (0-23) at which start-date rules invite")
	zone := c.fs.String("time-zone", "", "IANA time zone of the invite hour")
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := requireNoArgs("org settings", rest); err != nil {
		return err
	}
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		changed := false
		if *autoInvite != "" {
			v, err := strconv.ParseBool(*autoInvite)
			if err != nil {
				return usagef("--auto-invite: want true or false")
			}
			org.AutoInvite, changed = v, true
		}
		if *hour != "" {
			n, err := strconv.Atoi(*hour)
			if err != nil {
				return usagef("--invite-hour: want an hour from 0 to 23")
			}
			org.InviteHour, changed = n, true
		}
		if *zone != "" {
			org.TimeZone, changed = *zone, true
		}
		if changed {
			err := s.change(ctx, org.ID, "organization.settings", "organization", &org.ID, "", func(tx directory.Store) error {
				return tx.UpdateOrganization(ctx, &org)
			})
			if err != nil {
				return err
			}
		}
		fmt.Fprintf(env.stdout, "Organization %s: auto-invite %t, start-date invitations at %02d:00 %s.\n",
			org.Slug, org.AutoInvite, org.InviteHour, org.TimeZone)
		return nil
	})
}

func runInvite(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "invite", "invite --org SLUG [--resend] [--message TEXT] USERNAME... [flags]", true)
	resend := c.fs.Bool("resend", false, "send the current link again to people already invited")
	message := c.fs.String("message", "", "a note added to the invitation")
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usagef("latchkey invite: name at least one userName")
	}
	return withAccounts(ctx, env, c, rest, "invited", func(ctx context.Context, s *session, inviter *claim.Inviter, tx directory.Store, a *directory.Account) (string, error) {
		was := a.State
		if err := inviter.Invite(ctx, tx, s.cliActor(), a, *message, *resend); err != nil {
			return "", err
		}
		switch {
		case was == directory.StateInvited && *resend:
			return "link sent again", nil
		case was == directory.StateInvited:
			return "already invited (--resend sends the link again)", nil
		case a.AccessCodeHash != "":
			return "invited; access code " + inviter.AccessCode(*a), nil
		}
		return "invited; the invitation email is on its way", nil
	})
}

func runAccessCode(ctx context.Context, env *cli, args []string) error {
	return subcommand(ctx, env, "access-code", args, map[string]func(context.Context, *cli, []string) error{
		"issue":  runAccessCodeIssue,
		"cancel": runAccessCodeCancel,
	})
}

func runAccessCodeIssue(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "access-code issue", "access-code issue --org SLUG USERNAME... [flags]", true)
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usagef("latchkey access-code issue: name at least one userName")
	}
	return withAccounts(ctx, env, c, rest, "access code", func(ctx context.Context, s *session, inviter *claim.Inviter, tx directory.Store, a *directory.Account) (string, error) {
		code, err := inviter.IssueCode(ctx, tx, s.cliActor(), a)
		if err != nil {
			return "", err
		}
		return code + " (valid until " + formatTime(a.AccessCodeExpiresAt) + "; the previous code no longer works)", nil
	})
}

func runAccessCodeCancel(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "access-code cancel", "access-code cancel --org SLUG USERNAME... [flags]", true)
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usagef("latchkey access-code cancel: name at least one userName")
	}
	return withAccounts(ctx, env, c, rest, "access code", func(ctx context.Context, s *session, inviter *claim.Inviter, tx directory.Store, a *directory.Account) (string, error) {
		return "cancelled", inviter.CancelCode(ctx, tx, s.cliActor(), a)
	})
}

// withAccounts runs act on each named account in its own transaction and
// prints one line per account; it fails when any did.
func withAccounts(ctx context.Context, env *cli, c *commandFlags, userNames []string, what string,
	act func(context.Context, *session, *claim.Inviter, directory.Store, *directory.Account) (string, error)) error {
	return withOrg(ctx, env, c, config.Needs{SecretKey: true}, func(s *session, org directory.Organization) error {
		inviter, err := s.inviter(ctx)
		if err != nil {
			return err
		}
		var failed []error
		for _, name := range userNames {
			var outcome string
			err := s.store.InTx(ctx, func(tx directory.Store) error {
				found, err := tx.AccountByUserName(ctx, org.ID, name)
				if err != nil {
					return err
				}
				a, err := tx.AccountForUpdate(ctx, org.ID, found.ID)
				if err != nil {
					return err
				}
				outcome, err = act(ctx, s, inviter, tx, &a)
				return err
			})
			switch {
			case errors.Is(err, directory.ErrNotFound):
				err = fmt.Errorf("%s: no such user in organization %s", name, org.Slug)
			case err != nil:
				err = fmt.Errorf("%s: %w", name, err)
			}
			if err != nil {
				failed = append(failed, err)
				fmt.Fprintf(env.stderr, "%v\n", err)
				continue
			}
			fmt.Fprintf(env.stdout, "%s: %s\n", name, outcome)
		}
		if len(failed) > 0 {
			return fmt.Errorf("%d of %d failed (%s)", len(failed), len(userNames), what)
		}
		return nil
	})
}

// cliActor names the person at the terminal for the account policy.
func (s *session) cliActor() directory.Actor {
	return directory.Actor{Type: directory.ActorCLI, Name: s.actor()}
}
