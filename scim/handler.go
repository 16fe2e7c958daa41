// Package scim is Latchkey's SCIM 2.0 endpoint (RFC 7643, 7644, 9865):
// Users and Groups that Okta, Microsoft Entra ID and any RFC client
// provision into, discovery, bulk operations, bearer-token authentication,
// and the OAuth 2.0 token endpoint that issues those bearer tokens to
// registered SCIM clients (client-credentials grant). It is an adapter
// around package directory: requests are validated against the schemas
// in scim/schemas, filters become directory.Filter trees (scim/filter),
// PATCH operations are applied by scim/patch, and every write goes through
// the directory.Store in one transaction with its audit record.
package scim

import (
	"log/slog"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
)

// Prefix is where the SCIM endpoint is mounted.
const Prefix = "/scim/v2"

// Options configure the SCIM endpoint.
type Options struct {
	Store  directory.Store
	Hasher credential.Hasher
	// BaseURL is the server's public URL; resource locations are
	// BaseURL + "/scim/v2/Users/{id}". Never derived from request headers.
	BaseURL string
	Logger  *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// RatePerSecond and Burst bound each token's request rate (429 with
	// Retry-After beyond it). Defaults: 100/s, burst 200 — four times
	// Entra ID's required 25 requests per second per tenant.
	RatePerSecond float64
	Burst         int
	// Rates keeps the rate limits' state (the token endpoint's too): nil
	// keeps it in process memory, right for a server that runs alone;
	// replicas pass a store they share so they enforce one limit.
	Rates directory.RateLimitStore
	// MaxResults caps a page (advertised in ServiceProviderConfig);
	// default 200.
	MaxResults int
	// Policy runs around every account write (invitations); default none.
	Policy directory.AccountPolicy
	// Claims shows claim links and access codes in User resources;
	// nil shows none.
	Claims ClaimDetails
	// MemberBudget bounds the members one Groups list response renders
	// (a page holds fewer groups rather than exceed it; a single group is
	// always whole); default 10,000.
	MemberBudget int
	// AccessTokenLifetime is how long a token from the OAuth token
	// endpoint works; default 1h (Entra ID's gallery expects 1–6 hours).
	AccessTokenLifetime time.Duration
	// Metrics count operations by IdP; nil counts nothing.
	Metrics *Metrics
}

// ClaimDetails derives what an invited account shows of its claim: its
// claim link and access code ("" when it has none). claim.Inviter is one.
type ClaimDetails interface {
	ClaimLink(a directory.Account) string
	AccessCode(a directory.Account) string
}

// Handler serves the SCIM endpoint.
type Handler struct {
	store      directory.Store
	hasher     credential.Hasher
	base       string // BaseURL + Prefix
	root       string // BaseURL without a trailing slash
	log        *slog.Logger
	now        func() time.Time
	limits     *directory.FailOpenRates
	rate       directory.RateLimit
	maxResults int
	policy     directory.AccountPolicy
	claims     ClaimDetails
	// memberBudget: see Options.MemberBudget.
	memberBudget int
	touches      *touchThrottle
	walks        *walkCache
	oauth        *tokenEndpoint
	metrics      *Metrics
}

// New builds the SCIM endpoint.
func New(opts Options) *Handler {
	h := &Handler{
		store: opts.Store, hasher: opts.Hasher, log: opts.Logger, now: opts.Now, metrics: opts.Metrics,
		root:       strings.TrimSuffix(opts.BaseURL, "/"),
		base:       strings.TrimSuffix(opts.BaseURL, "/") + Prefix,
		maxResults: opts.MaxResults,
		touches:    newTouchThrottle(time.Minute),
		walks:      newWalkCache(4096),
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.maxResults <= 0 {
		h.maxResults = 200
	}
	h.policy, h.claims = opts.Policy, opts.Claims
	if h.policy == nil {
		h.policy = directory.NoPolicy{}
	}
	h.memberBudget = opts.MemberBudget
	if h.memberBudget <= 0 {
		h.memberBudget = 10_000
	}
	rate, burst := opts.RatePerSecond, opts.Burst
	if rate <= 0 {
		rate = 100
	}
	if burst <= 0 {
		burst = 200
	}
	h.limits, h.rate = directory.NewFailOpenRates(opts.Rates, h.log, "SCIM"), directory.RateLimit{PerSecond: rate, Burst: burst}
	h.oauth = newTokenEndpoint(h, opts.AccessTokenLifetime)
	return h
}

// Prefix implements server.Area.
func (h *Handler) Prefix() string { return Prefix }

// WriteError implements server.Area: errors the server raises for SCIM
// requests (unknown route, body too large, panic, database down) get a
// SCIM error body too.
func (h *Handler) WriteError(c echo.Context, status int, detail string) error {
	e := &Error{Status: status, Detail: detail}
	if status == 413 {
		e.ScimType = typeInvalidValue
	}
	return writeError(c, e)
}

// timestamp is the handler's clock in UTC at the store's precision.
func (h *Handler) timestamp() time.Time { return h.now().UTC().Truncate(time.Microsecond) }
