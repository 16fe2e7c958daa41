package scim

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/server"
)

// principal is who is calling: the organization a token selects and the
// token itself (named in audit records).
type principal struct {
	OrgID     string
	TokenID   string
	TokenName string
	// RateKey names the rate-limit bucket: the SCIM client for tokens
	// from the OAuth endpoint (a client that fetches a new token every
	// hour, or many at once, keeps one budget), else the token.
	RateKey string
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

func principalFrom(ctx context.Context) principal {
	p, _ := ctx.Value(principalKey{}).(principal)
	return p
}

// authenticate accepts only "Authorization: Bearer <token>" (RFC 6750 §2.1;
// tokens in URLs end up in logs and are refused). Unknown, revoked and
// expired tokens get the same 401.
func (h *Handler) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.URL.Query().Has("access_token") {
			return unauthorized(c, "tokens are not accepted in the URL; send Authorization: Bearer <token>")
		}
		scheme, token, ok := strings.Cut(req.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return unauthorized(c, "authentication required: send Authorization: Bearer <token>")
		}
		tok, err := credential.Authenticate(req.Context(), h.hasher, credential.KindScim, strings.TrimSpace(token), h.now(),
			h.store.ScimTokenByHash, func(err error) bool { return errors.Is(err, directory.ErrNotFound) })
		if errors.Is(err, credential.ErrInvalid) {
			return unauthorized(c, "the bearer token is invalid, expired or revoked")
		}
		if err != nil {
			return h.handle(func(echo.Context) error { return err })(c)
		}
		h.touch(req.Context(), tok)
		p := principal{OrgID: tok.OrgID, TokenID: tok.ID, TokenName: tok.Name, RateKey: "token:" + tok.ID}
		if tok.ClientID != "" {
			p.RateKey = "client:" + tok.ClientID
		}
		server.SetOrg(req.Context(), p.OrgID) // logs of this request carry org_id
		c.SetRequest(req.WithContext(withPrincipal(req.Context(), p)))
		return next(c)
	}
}

func unauthorized(c echo.Context, detail string) error {
	c.Response().Header().Set("WWW-Authenticate", `Bearer realm="latchkey", error="invalid_token"`)
	return writeError(c, &Error{Status: http.StatusUnauthorized, Detail: detail})
}

// touch records the token's last use at most once a minute per token, so
// reads stay reads; a failure only costs accuracy and is logged.
func (h *Handler) touch(ctx context.Context, tok directory.ScimToken) {
	now := h.now()
	if !h.touches.due(tok.ID, now) {
		return
	}
	if err := h.store.TouchScimToken(ctx, tok.OrgID, tok.ID, now); err != nil {
		h.log.WarnContext(ctx, "record scim token use", "err", err)
	}
}

// touchThrottle remembers when each token was last recorded as used.
type touchThrottle struct {
	mu    sync.Mutex
	every time.Duration
	last  map[string]time.Time
}

func newTouchThrottle(every time.Duration) *touchThrottle {
	return &touchThrottle{every: every, last: map[string]time.Time{}}
}

func (t *touchThrottle) due(id string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.last[id]) < t.every {
		return false
	}
	if len(t.last) > 10000 {
		clear(t.last) // bounded: forgetting only means one extra write
	}
	t.last[id] = now
	return true
}
