package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/sso"
)

func runSSO(ctx context.Context, env *cli, args []string) error {
	return subcommand(ctx, env, "sso", args, map[string]func(context.Context, *cli, []string) error{
		"set":    runSSOSet,
		"show":   runSSOShow,
		"remove": runSSORemove,
	})
}

// serviceProvider is the SAML SP as `serve` builds it, for its URLs and
// its checks of IdP settings, on store (a transaction's, to save).
func (s *session) serviceProvider(store directory.Store) (*sso.ServiceProvider, error) {
	return sso.New(sso.Options{BaseURL: s.cfg.BaseURL.String(), Store: store, Logger: s.log})
}

// runSSOSet stores the organization's SAML identity provider, from its
// metadata or typed in, checked the way sign-ins will check it.
func runSSOSet(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "sso set", "sso set --org SLUG (--metadata-file IDP.xml | --entity-id ID --sso-url URL --certificate-file CERT.pem...) "+
		"[--email-domains corp.com,...] [--allow-idp-initiated] [flags]", true)
	metadata := c.fs.String("metadata-file", "", "the IdP's SAML metadata XML (gives entity ID, SSO URL and certificates)")
	entityID := c.fs.String("entity-id", "", "the IdP's entity ID (the Issuer of its responses)")
	ssoURL := c.fs.String("sso-url", "", "the IdP's single sign-on URL (HTTP-Redirect binding)")
	var certFiles listFlag
	c.fs.Var(&certFiles, "certificate-file", "a PEM file with an IdP signing certificate (repeat for a rollover)")
	domains := c.fs.String("email-domains", "", "comma-separated email domains whose people must sign in through the IdP")
	idpInitiated := c.fs.Bool("allow-idp-initiated", false, "accept sign-ins started at the IdP (app tiles); off by default, a login-CSRF risk")
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := requireNoArgs("sso set", rest); err != nil {
		return err
	}
	settings := directory.SAMLSettings{IdPEntityID: *entityID, SSOURL: *ssoURL, AllowIdPInitiated: *idpInitiated}
	if *domains != "" {
		settings.EmailDomains = strings.Split(*domains, ",")
	}
	if *metadata != "" {
		data, err := os.ReadFile(*metadata)
		if err != nil {
			return err
		}
		settings.MetadataXML = string(data)
	}
	for _, f := range certFiles {
		pem, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		settings.Certificates = append(settings.Certificates, string(pem))
	}
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		settings.OrgID = org.ID
		var warnings []string
		var sp *sso.ServiceProvider
		err := s.change(ctx, org.ID, "sso.settings", "organization", &org.ID, "", func(tx directory.Store) error {
			var err error
			if sp, err = s.serviceProvider(tx); err != nil {
				return err
			}
			warnings, err = sp.SaveSettings(ctx, &settings)
			return err
		})
		if err != nil {
			return err
		}
		for _, w := range warnings {
			fmt.Fprintf(env.stderr, "warning: %s\n", w)
		}
		printSSO(env, sp, org, settings)
		return nil
	})
}

func runSSOShow(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "sso show", "sso show --org SLUG [flags]", true)
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := requireNoArgs("sso show", rest); err != nil {
		return err
	}
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		sp, err := s.serviceProvider(s.store)
		if err != nil {
			return err
		}
		settings, err := s.store.SAMLSettings(ctx, org.ID)
		if errors.Is(err, directory.ErrNotFound) {
			fmt.Fprintf(env.stdout, "%s has no SAML identity provider; `latchkey sso set` adds one. Give the IdP these values:\n", org.Slug)
			printSPValues(env, sp, org)
			return nil
		}
		if err != nil {
			return err
		}
		printSSO(env, sp, org, settings)
		return nil
	})
}

func runSSORemove(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "sso remove", "sso remove --org SLUG [flags]", true)
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := requireNoArgs("sso remove", rest); err != nil {
		return err
	}
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		err := s.change(ctx, org.ID, "sso.remove", "organization", &org.ID, "", func(tx directory.Store) error {
			return tx.DeleteSAMLSettings(ctx, org.ID)
		})
		if errors.Is(err, directory.ErrNotFound) {
			return fmt.Errorf("%s has no SAML identity provider", org.Slug)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "Removed the SAML identity provider of %s; SSO accounts cannot sign in until one is set again.\n", org.Slug)
		return nil
	})
}

func printSSO(env *cli, sp *sso.ServiceProvider, org directory.Organization, s directory.SAMLSettings) {
	domains := strings.Join(s.EmailDomains, ", ")
	if domains == "" {
		domains = "none (only accounts whose authMethod is sso)"
	}
	fmt.Fprintf(env.stdout, "SAML identity provider of %s:\n  entity ID:           %s\n  SSO URL:             %s\n  certificates:        %d\n"+
		"  SSO for domains:     %s\n  IdP-initiated login: %t\nGive the IdP these values:\n",
		org.Slug, s.IdPEntityID, s.SSOURL, len(s.Certificates), domains, s.AllowIdPInitiated)
	printSPValues(env, sp, org)
}

func printSPValues(env *cli, sp *sso.ServiceProvider, org directory.Organization) {
	fmt.Fprintf(env.stdout, "  SP entity ID / metadata URL: %s\n  ACS URL (HTTP-POST):         %s\n", sp.EntityID(org), sp.ACSURL(org))
}

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }
