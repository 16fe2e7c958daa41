package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/directory"
)

// runClaimSettings shows or changes what the first-access steps ask of
// people: which steps are required and which profile fields they edit.
func runClaimSettings(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "claim-settings", "claim-settings --org SLUG [--terms-optional=BOOL] [--profile-required=BOOL] "+
		"[--picture-required=BOOL] [--groups-required=BOOL] [--editable-fields name,title,department,phone|none] [flags]", true)
	bools := map[string]*string{}
	for _, name := range []string{"terms-optional", "profile-required", "picture-required", "groups-required"} {
		bools[name] = c.fs.String(name, "", "true or false (see README: Claiming)")
	}
	editable := c.fs.String("editable-fields", "", "comma-separated profile fields people may edit ("+
		strings.Join(directory.ProfileFields, ", ")+"), or none")
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := requireNoArgs("claim-settings", rest); err != nil {
		return err
	}
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		changed, err := applyClaimFlags(&org.Claim, bools, *editable)
		if err != nil {
			return err
		}
		if changed {
			err := s.change(ctx, org.ID, "organization.claim_settings", "organization", &org.ID, "", func(tx directory.Store) error {
				return tx.UpdateOrganization(ctx, &org)
			})
			if err != nil {
				return err
			}
		}
		printClaimSettings(env, org)
		return nil
	})
}

func applyClaimFlags(cs *directory.ClaimSettings, bools map[string]*string, editable string) (bool, error) {
	targets := map[string]*bool{"terms-optional": &cs.TermsOptional, "profile-required": &cs.ProfileRequired,
		"picture-required": &cs.PictureRequired, "groups-required": &cs.GroupsRequired}
	changed := false
	for name, raw := range bools {
		if *raw == "" {
			continue
		}
		v, err := strconv.ParseBool(*raw)
		if err != nil {
			return false, usagef("--%s: want true or false", name)
		}
		*targets[name], changed = v, true
	}
	switch editable {
	case "":
	case "none":
		cs.EditableFields, changed = []string{}, true
	default:
		cs.EditableFields, changed = strings.Split(strings.ReplaceAll(editable, " ", ""), ","), true
	}
	return changed, nil
}

func printClaimSettings(env *cli, org directory.Organization) {
	cs := org.Claim
	var fields []string
	for _, f := range directory.ProfileFields {
		if cs.Editable(f) {
			fields = append(fields, f)
		}
	}
	if len(fields) == 0 {
		fields = []string{"none"}
	}
	fmt.Fprintf(env.stdout, "Organization %s claim steps: terms %s, profile %s, picture %s, groups %s; people may edit: %s.\n",
		org.Slug, requiredWord(!cs.TermsOptional), requiredWord(cs.ProfileRequired), requiredWord(cs.PictureRequired),
		requiredWord(cs.GroupsRequired), strings.Join(fields, ", "))
}

func requiredWord(required bool) string {
	if required {
		return "required"
	}
	return "optional"
}

func runTerms(ctx context.Context, env *cli, args []string) error {
	return subcommand(ctx, env, "terms", args, map[string]func(context.Context, *cli, []string) error{
		"publish": runTermsPublish,
		"show":    runTermsShow,
	})
}

// runTermsPublish publishes a new version of the terms of use; people
// claiming from now on accept that version.
func runTermsPublish(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "terms publish", "terms publish --org SLUG --file TERMS.txt [flags]", true)
	file := c.fs.String("file", "", "plain-text file with the terms of use (required)")
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := errors.Join(requireNoArgs("terms publish", rest), required("file", *file)); err != nil {
		return &usageError{msg: err.Error()}
	}
	text, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		t := directory.Terms{OrgID: org.ID, Text: string(text)}
		err := s.change(ctx, org.ID, "terms.publish", "organization", &org.ID, "", func(tx directory.Store) error {
			return tx.PublishTerms(ctx, &t)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "Published version %d of the terms of use of %s (%d bytes).\n", t.Version, org.Slug, len(t.Text))
		return nil
	})
}

func runTermsShow(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "terms show", "terms show --org SLUG [flags]", true)
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := requireNoArgs("terms show", rest); err != nil {
		return err
	}
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		t, err := s.store.CurrentTerms(ctx, org.ID)
		if errors.Is(err, directory.ErrNotFound) {
			fmt.Fprintf(env.stdout, "%s has published no terms of use; the claim pages skip that step.\n", org.Slug)
			return nil
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "# version %d, published %s\n%s\n", t.Version, formatTime(&t.CreatedAt), t.Text)
		return nil
	})
}
