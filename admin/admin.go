// Package admin is Latchkey's admin REST API under /admin/v1,
// authenticated with admin tokens (lka_...) that belong to one admin of
// one organization and carry that admin's role. Every endpoint is one
// row of the route table (routes.go) declaring the permission it needs;
// errors are RFC 7807 problem documents mapped in one place (errors.go).
package admin

import (
	"log/slog"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
)

// Prefix is where the admin API is mounted.
const Prefix = "/admin/v1"

// DefaultExportTTL is how long an export's file is kept, and its emailed
// download link works: 4 days, as in Workplace.
const DefaultExportTTL = 4 * 24 * time.Hour

// Options configure the admin API.
type Options struct {
	Store  directory.Store
	Hasher credential.Hasher
	// Inviter performs the invitation actions and makes claim links and
	// access codes; it is also the policy around every account write.
	Inviter *claim.Inviter
	// Jobs inserts bulk-action and export jobs in the caller's
	// transaction.
	Jobs claim.Enqueuer
	// Postman sends export-ready and test emails.
	Postman claim.Postman
	// BaseURL is the server's public URL, for links in emails.
	BaseURL string
	// SigningKey signs emailed download links (at least 32 bytes,
	// derived from the server key).
	SigningKey []byte
	// ExportDir, when set, keeps export files there (a directory every
	// replica shares) instead of in the database.
	ExportDir string
	// ExportTTL is how long an export is kept (default DefaultExportTTL).
	ExportTTL time.Duration
	// RatePerSecond bounds each admin token's requests (bursts to twice
	// it; 429 with Retry-After beyond); zero leaves tokens unlimited
	// (serve always sets it: the admin_rate_limit setting).
	RatePerSecond float64
	// Rates keeps the limits' state: nil keeps it in process memory,
	// right for a server that runs alone; replicas pass a store they
	// share so they enforce one limit.
	Rates  directory.RateLimitStore
	Logger *slog.Logger
	Now    func() time.Time
}

// Handler serves the admin API.
type Handler struct {
	store      directory.Store
	hasher     credential.Hasher
	inviter    *claim.Inviter
	jobs       claim.Enqueuer
	postman    claim.Postman
	baseURL    string
	signingKey []byte
	exportDir  string
	exportTTL  time.Duration
	// bodyLimits are the routes' own body limits, by "METHOD /path";
	// Mount fills it in before the server serves.
	bodyLimits map[string]int64
	log        *slog.Logger
	now        func() time.Time
	limits     *rateLimiter
	// inProcess serves ServeAs requests (built on first use).
	inProcessOnce sync.Once
	inProcess     *echo.Echo
}

// New builds the admin API.
func New(opts Options) *Handler {
	h := &Handler{store: opts.Store, hasher: opts.Hasher, inviter: opts.Inviter, jobs: opts.Jobs, postman: opts.Postman,
		baseURL: opts.BaseURL, signingKey: opts.SigningKey, exportDir: opts.ExportDir, exportTTL: opts.ExportTTL,
		log: opts.Logger, now: opts.Now}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.exportTTL <= 0 {
		h.exportTTL = DefaultExportTTL
	}
	h.limits = newRateLimiter(opts.Rates, opts.RatePerSecond, h.log)
	return h
}

// Prefix implements server.Area.
func (h *Handler) Prefix() string { return Prefix }
