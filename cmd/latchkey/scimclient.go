package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
)

// defaultSecretOverlap is how long a rotated-out secret keeps working: a
// day is enough to paste the new one into the identity provider and see
// it used, short enough that a leaked old secret soon stops mattering.
const defaultSecretOverlap = "24h"

// maxSecretOverlap bounds --overlap; two secrets valid for longer is no
// longer a rotation.
const maxSecretOverlap = 30 * 24 * time.Hour

func runScimClient(ctx context.Context, env *cli, args []string) error {
	return subcommand(ctx, env, "scim-client", args, map[string]func(context.Context, *cli, []string) error{
		"create": runScimClientCreate,
		"list":   runScimClientList,
		"rotate": runScimClientRotate,
		"revoke": runScimClientRevoke,
	})
}

func runScimClientCreate(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "scim-client create", "scim-client create --org SLUG --name NAME [flags]", true)
	name := c.fs.String("name", "", "what the client is, e.g. \"Entra ID\" (required)")
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := errors.Join(requireNoArgs("scim-client create", rest), required("name", *name)); err != nil {
		return &usageError{msg: err.Error()}
	}
	return withOrg(ctx, env, c, config.Needs{SecretKey: true}, func(s *session, org directory.Organization) error {
		hasher, err := newHasher(s.cfg, s.log)
		if err != nil {
			return err
		}
		clientID, err := credential.NewClientID()
		if err != nil {
			return err
		}
		secret, hash, err := hasher.New(credential.KindScimClientSecret)
		if err != nil {
			return err
		}
		client := directory.ScimClient{OrgID: org.ID, Name: *name, ClientID: clientID, SecretHash: hash}
		err = s.change(ctx, org.ID, "scim_client.create", "scim_client", &client.ID, jsonDetails("client_id", clientID), func(tx directory.Store) error {
			return tx.CreateScimClient(ctx, &client)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "Created SCIM client %q (id %s) for organization %s.\n", client.Name, client.ID, org.Slug)
		fmt.Fprintf(env.stdout, "Token endpoint: %s/oauth/token (OAuth 2.0 client credentials; access tokens last %s).\n",
			s.cfg.BaseURL, shortDuration(s.cfg.OAuthTokenLifetime))
		fmt.Fprintf(env.stdout, "SCIM base URL:  %s/scim/v2\n", s.cfg.BaseURL)
		fmt.Fprintf(env.stdout, "Client ID:      %s\n", client.ClientID)
		fmt.Fprintln(env.stdout, "Copy the client secret now; it is not stored and cannot be shown again:")
		fmt.Fprintln(env.stdout, secret)
		return nil
	})
}

func runScimClientList(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "scim-client list", "scim-client list --org SLUG [flags]", true)
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if err := requireNoArgs("scim-client list", rest); err != nil {
		return err
	}
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		clients, err := s.store.ListScimClients(ctx, org.ID)
		if err != nil {
			return err
		}
		now := time.Now()
		w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tCLIENT ID\tSTATUS\tCREATED\tLAST USED\tOLD SECRET UNTIL")
		for _, cl := range clients {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cl.ID, cl.Name, cl.ClientID,
				tokenStatus(cl.RevokedAt, nil, now), formatTime(&cl.CreatedAt), formatTime(cl.LastUsedAt), oldSecretUntil(cl, now))
		}
		return w.Flush()
	})
}

// oldSecretUntil shows when a rotated-out secret stops working, while it
// still works.
func oldSecretUntil(c directory.ScimClient, now time.Time) string {
	if _, previous := c.SecretHashesAt(now); previous == "" || c.RevokedAt != nil {
		return "-"
	}
	return formatTime(c.PreviousSecretExpiresAt)
}

func runScimClientRotate(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "scim-client rotate", "scim-client rotate [--org SLUG] ID [--overlap 24h] [flags]", true)
	overlapFlag := c.fs.String("overlap", defaultSecretOverlap, "how long the old secret keeps working: a Go duration (24h), days (7d) or 0 to end it now")
	id, err := parseOneID(c, args, "scim-client rotate")
	if err != nil {
		return err
	}
	overlap, err := parseOverlap(*overlapFlag)
	if err != nil {
		return err
	}
	return withOrg(ctx, env, c, config.Needs{SecretKey: true}, func(s *session, org directory.Organization) error {
		hasher, err := newHasher(s.cfg, s.log)
		if err != nil {
			return err
		}
		client, err := s.scimClient(ctx, org, id)
		if err != nil {
			return err
		}
		secret, hash, err := hasher.New(credential.KindScimClientSecret)
		if err != nil {
			return err
		}
		var until time.Time
		if overlap > 0 {
			until = time.Now().Add(overlap).UTC()
		}
		details := jsonDetails("previous_secret_until", formatTime(timeOrNil(until)))
		err = s.audited(ctx, org.ID, "scim_client.rotate", "scim_client", &id, details, func(tx directory.Store) error {
			return tx.RotateScimClientSecret(ctx, org.ID, id, hash, until)
		})
		if errors.Is(err, directory.ErrConflict) {
			return fmt.Errorf("SCIM client %s is revoked and cannot get a new secret; `latchkey scim-client create` registers a new client", id)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "Rotated the secret of SCIM client %q (id %s, client id %s) in organization %s.\n", client.Name, id, client.ClientID, org.Slug)
		if until.IsZero() {
			fmt.Fprintln(env.stdout, "The previous secret no longer works.")
		} else {
			fmt.Fprintf(env.stdout, "The previous secret keeps working until %s; give the identity provider the new one before then.\n", formatTime(&until))
		}
		fmt.Fprintln(env.stdout, "Copy the new client secret now; it is not stored and cannot be shown again:")
		fmt.Fprintln(env.stdout, secret)
		return nil
	})
}

func runScimClientRevoke(ctx context.Context, env *cli, args []string) error {
	c := newCommandFlags(env, "scim-client revoke", "scim-client revoke [--org SLUG] ID [flags]", true)
	id, err := parseOneID(c, args, "scim-client revoke")
	if err != nil {
		return err
	}
	return withOrg(ctx, env, c, config.Needs{}, func(s *session, org directory.Organization) error {
		if _, err := s.scimClient(ctx, org, id); err != nil {
			return err
		}
		err := s.audited(ctx, org.ID, "scim_client.revoke", "scim_client", &id, "", func(tx directory.Store) error {
			return tx.RevokeScimClient(ctx, org.ID, id, time.Now())
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "Revoked SCIM client %s; its secrets and every access token issued to it are refused from now on.\n", id)
		return nil
	})
}

// scimClient finds a client of org by id, with advice when there is none.
func (s *session) scimClient(ctx context.Context, org directory.Organization, id string) (directory.ScimClient, error) {
	clients, err := s.store.ListScimClients(ctx, org.ID)
	if err != nil {
		return directory.ScimClient{}, err
	}
	for _, c := range clients {
		if c.ID == id {
			return c, nil
		}
	}
	return directory.ScimClient{}, fmt.Errorf("no SCIM client %q in organization %s; `latchkey scim-client list --org %s` shows them", id, org.Slug, org.Slug)
}

// parseOneID parses flags on either side of the command's one positional
// ID, so `rotate ID --overlap 1h` works as well as `rotate --overlap 1h ID`.
func parseOneID(c *commandFlags, args []string, command string) (string, error) {
	rest, err := c.parse(args)
	if err != nil {
		return "", err
	}
	if len(rest) > 1 {
		more, err := c.parse(rest[1:])
		if err != nil {
			return "", err
		}
		rest = append(rest[:1], more...)
	}
	if len(rest) != 1 {
		return "", usagef("latchkey %s: want exactly one client ID (see `latchkey scim-client list`)", command)
	}
	return rest[0], nil
}

// parseOverlap reads "24h", "7d" or "0".
func parseOverlap(v string) (time.Duration, error) {
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(v, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(v)
	}
	if err != nil || d < 0 || d > maxSecretOverlap {
		return 0, usagef("--overlap %q: want a duration from 0 to 30d, e.g. 24h or 7d", v)
	}
	return d, nil
}

// shortDuration prints 1h rather than time.Duration's 1h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// jsonDetails is an audit event's details from key/value pairs.
func jsonDetails(pairs ...string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	raw, _ := json.Marshal(m) // a map of strings always encodes
	return string(raw)
}
