package scim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/server"
)

// TokenPrefix is where the OAuth 2.0 token endpoint is mounted: at the
// server root, since identity providers take a token URL separately from
// the SCIM base URL.
const TokenPrefix = "/oauth"

// Token endpoint throttles. A client needs about one token an hour, so
// these leave room for retries and several IdP workers, and still make a
// flood of guesses or requests pointless. Several organizations behind
// one IdP share its addresses, hence the larger per-address allowance.
const (
	defaultTokenLifetime = time.Hour
	tokenRatePerClient   = 0.1 // sustained requests per second
	tokenBurstPerClient  = 10
	tokenRatePerIP       = 1
	tokenBurstPerIP      = 30
)

// tokenEndpoint is the OAuth 2.0 token endpoint (RFC 6749 §3.2): a SCIM
// client trades its client id and secret for a short-lived SCIM bearer
// token (client-credentials grant, §4.4). The token is an ordinary
// scim_tokens row, so SCIM's bearer check accepts it unchanged on every
// replica. It is a server.Area of its own because its errors are OAuth's
// JSON (§5.2), not SCIM's.
type tokenEndpoint struct {
	h         *Handler
	lifetime  time.Duration
	perClient directory.RateLimit
	perIP     directory.RateLimit
}

func newTokenEndpoint(h *Handler, lifetime time.Duration) *tokenEndpoint {
	if lifetime <= 0 {
		lifetime = defaultTokenLifetime
	}
	return &tokenEndpoint{
		h: h, lifetime: lifetime,
		perClient: directory.RateLimit{PerSecond: tokenRatePerClient, Burst: tokenBurstPerClient},
		perIP:     directory.RateLimit{PerSecond: tokenRatePerIP, Burst: tokenBurstPerIP},
	}
}

// TokenEndpoint returns the OAuth token endpoint, which shares the SCIM
// endpoint's store, key and clock; mount it beside the SCIM area.
func (h *Handler) TokenEndpoint() server.Area { return h.oauth }

// Prefix implements server.Area.
func (t *tokenEndpoint) Prefix() string { return TokenPrefix }

// Mount implements server.Area: the whole OAuth surface is one route.
func (t *tokenEndpoint) Mount(g *echo.Group) {
	g.POST("/token", t.handle(t.issue))
}

// tokenResponse is a successful access token response (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope,omitempty"`
}

// issue answers POST /oauth/token. The order keeps the cheap refusals
// first: the caller's address is throttled before the body is read, the
// client id before the secret is checked.
func (t *tokenEndpoint) issue(c echo.Context) error {
	ctx, now, ip := c.Request().Context(), t.h.now(), c.RealIP()
	if err := t.throttle(ctx, "oauth:ip:"+ip, t.perIP, now, "address"); err != nil {
		return err
	}
	req, err := readTokenRequest(c.Request())
	if err != nil {
		return err
	}
	if req.clientID == "" {
		t.refuse(ctx, nil, "no client credentials", ip)
		return invalidClient("client authentication required: send the client id and secret with HTTP Basic or as client_id and client_secret")
	}
	if err := t.throttle(ctx, clientRateKey(req.clientID), t.perClient, now, "client"); err != nil {
		return err
	}
	client, err := t.authenticate(ctx, req, now, ip)
	if err != nil {
		return err
	}
	if req.grantType != grantClientCredentials {
		t.refuse(ctx, &client, "unsupported grant type", ip)
		return &oauthError{status: http.StatusBadRequest, code: errUnsupportedGrantType,
			description: "only grant_type=client_credentials is supported"}
	}
	token, err := t.mint(ctx, client, now, ip)
	if err != nil {
		return err
	}
	resp := tokenResponse{AccessToken: token, TokenType: "Bearer", ExpiresIn: int64(t.lifetime / time.Second)}
	if req.scope != "" {
		// RFC 6749 §3.3: the granted scope differs from the requested one
		// (every token grants the whole SCIM endpoint), so say which it is.
		resp.Scope = scopeSCIM
	}
	return writeOAuthJSON(c, http.StatusOK, resp)
}

// authenticate checks the client's credentials and audits a failure. The
// lookup is wrapped to remember which client, if any, the id named, so a
// refusal lands in that organization's audit trail; the credential check
// itself stays uniform.
func (t *tokenEndpoint) authenticate(ctx context.Context, req tokenRequest, now time.Time, ip string) (directory.ScimClient, error) {
	var named *directory.ScimClient
	find := func(ctx context.Context, clientID string) (directory.ScimClient, error) {
		c, err := t.h.store.ScimClientByClientID(ctx, clientID)
		if err == nil {
			named = &c
		}
		return c, err
	}
	client, err := credential.AuthenticateClient(ctx, t.h.hasher, req.clientID, req.secret, now, find,
		func(err error) bool { return errors.Is(err, directory.ErrNotFound) })
	if errors.Is(err, credential.ErrInvalidClient) {
		reason := "wrong or retired secret"
		if named != nil && !named.UsableAt(now) {
			reason = "client revoked"
		}
		t.refuse(ctx, named, reason, ip)
	}
	return client, err
}

// mint stores a fresh bearer token for the client, records the client's
// use and audits the issuance, all in one transaction.
func (t *tokenEndpoint) mint(ctx context.Context, client directory.ScimClient, now time.Time, ip string) (string, error) {
	plaintext, hash, err := t.h.hasher.New(credential.KindScim)
	if err != nil {
		return "", err
	}
	expires := now.Add(t.lifetime)
	tok := directory.ScimToken{OrgID: client.OrgID, Name: client.Name, Hash: hash, ExpiresAt: &expires, ClientID: client.ID}
	err = t.h.store.InTx(ctx, func(tx directory.Store) error {
		if err := tx.CreateScimToken(ctx, &tok); err != nil {
			return err
		}
		if err := tx.TouchScimClient(ctx, client.OrgID, client.ID, now); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, clientEvent(ctx, client, "scim_token.issue", "scim_token", tok.ID,
			map[string]any{"remote_ip": ip, "expires_at": tok.ExpiresAt}))
	})
	if err != nil {
		return "", err
	}
	return plaintext, nil
}

// refuse records a failed token request: in the client's organization
// when the request named a registered client, else only in the log (an
// audit event needs an organization). Secrets are never recorded, nor is
// an unknown client id (it is sometimes a secret pasted into the wrong
// field), and a failure to record never changes the answer.
func (t *tokenEndpoint) refuse(ctx context.Context, client *directory.ScimClient, reason, ip string) {
	if client == nil {
		t.h.log.WarnContext(ctx, "oauth token request refused", "reason", reason, "remote_ip", ip)
		return
	}
	e := clientEvent(ctx, *client, "scim_client.token_refused", "scim_client", client.ID,
		map[string]any{"reason": reason, "remote_ip": ip})
	if err := t.h.store.AppendAudit(ctx, e); err != nil {
		t.h.log.ErrorContext(ctx, "audit refused oauth token request", "err", err)
	}
}

// clientEvent is an audit event performed by a SCIM client.
func clientEvent(ctx context.Context, client directory.ScimClient, action, targetType, targetID string, details map[string]any) *directory.AuditEvent {
	raw, _ := json.Marshal(details) // maps of strings and times always encode
	return &directory.AuditEvent{
		OrgID: client.OrgID, ActorType: directory.ActorScimClient, ActorID: client.ID, ActorName: client.Name,
		Action: action, TargetType: targetType, TargetID: targetID, RequestID: requestID(ctx), Details: raw,
	}
}

// clientRateKey names a client id's bucket by a hash of the id: the id
// is the caller's text (sometimes a secret pasted into the wrong field),
// kept in the database's limits on replicas, and of any length.
func clientRateKey(clientID string) string {
	sum := sha256.Sum256([]byte(clientID))
	return "oauth:client:" + hex.EncodeToString(sum[:16])
}
