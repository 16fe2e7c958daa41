package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/mailer"
)

func runTemplate(ctx context.Context, env *cli, args []string) error {
	return subcommand(ctx, env, "template", args, map[string]func(context.Context, *cli, []string) error{
		"show": runTemplateShow,
		"set":  runTemplateSet,
	})
}

func templateKind(kind string) (mailer.Kind, error) {
	for _, k := range mailer.Kinds() {
		if string(k) == kind {
			return k, nil
		}
	}
	return "", usagef("--kind: want one of %v", mailer.Kinds())
}

func runTemplateShow(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "template show", "template show --org SLUG --kind invitation|reminder|export_ready [flags]", true)
	kind := c.fs.String("kind", string(mailer.KindInvitation), "which email")
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := requireNoArgs("template show", rest); err != nil {
		return err
	}
	k, err := templateKind(*kind)
	if err != nil {
		return err
	}
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		def, err := mailer.DefaultTemplate(k)
		if err != nil {
			return err
		}
		source := "the built-in default"
		t := def
		own, err := s.store.MessageTemplate(ctx, org.ID, string(k))
		switch {
		case err == nil:
			source = "the organization's own (empty parts fall back to the default)"
			t = mailer.Template{Subject: orElse(own.Subject, def.Subject), Text: orElse(own.Text, def.Text), HTML: orElse(own.HTML, def.HTML)}
		case !errors.Is(err, directory.ErrNotFound):
			return err
		}
		fmt.Fprintf(env.stdout, "# %s template of %s: %s\n# subject\n%s\n# text\n%s\n# html\n%s\n", k, org.Slug, source, t.Subject, t.Text, t.HTML)
		return nil
	})
}

func orElse(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func runTemplateSet(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "template set", "template set --org SLUG --kind KIND [--subject TEXT] [--text-file F] [--html-file F] [flags]", true)
	kind := c.fs.String("kind", string(mailer.KindInvitation), "which email: invitation, reminder or export_ready")
	subject := c.fs.String("subject", "", "subject template, e.g. \"Welcome to {{.OrgName}}\" (empty: the default)")
	textFile := c.fs.String("text-file", "", "file with the plain-text body template (empty: the default)")
	htmlFile := c.fs.String("html-file", "", "file with the HTML body template (empty: the default)")
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := requireNoArgs("template set", rest); err != nil {
		return err
	}
	k, err := templateKind(*kind)
	if err != nil {
		return err
	}
	t := mailer.Template{Subject: *subject}
	for _, f := range []struct {
		path string
		dst  *string
	}{{*textFile, &t.Text}, {*htmlFile, &t.HTML}} {
		if f.path == "" {
			continue
		}
		b, err := os.ReadFile(f.path)
		if err != nil {
			return usagef("%v", err)
		}
		*f.dst = string(b)
	}
	if err := mailer.Validate(k, t); err != nil {
		return usagef("the template does not work: %v", err)
	}
	kindName := string(k)
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		stored := directory.MessageTemplate{OrgID: org.ID, Kind: kindName, Subject: t.Subject, Text: t.Text, HTML: t.HTML}
		err := s.audited(ctx, org.ID, "template.set", "template", &kindName, "", func(tx directory.Store) error {
			return tx.PutMessageTemplate(ctx, &stored)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "Set the %s template of organization %s; `latchkey template show --kind %s` prints it.\n", k, org.Slug, k)
		return nil
	})
}
