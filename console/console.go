package console

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/password"
	"github.com/latchkeyhq/latchkey/server"
)

// Prefix is where the console is mounted.
const Prefix = "/admin"

// Session lifetimes (defaults of Options): NIST SP 800-63B AAL2, as the
// claim pages' sign-in sessions (security.md SES-4).
const (
	DefaultIdle     = time.Hour
	DefaultLifetime = 24 * time.Hour
)

// API serves admin API requests as a signed-in admin: admin.Handler.
type API interface {
	ServeAs(w http.ResponseWriter, r *http.Request, orgID, adminID string)
}

// SSO starts an admin's single sign-on at the organization's identity
// provider (claim/pages.Pages); the ACS then calls FinishSSO.
type SSO interface {
	StartAdminSignIn(c echo.Context, org directory.Organization) error
}

// Options configure the console.
type Options struct {
	Store directory.Store
	API   API
	// SSO is optional: without it admins sign in with passwords only.
	SSO SSO
	// Secrets hash session secrets (the server key's session subkey).
	Secrets claim.Secrets
	// Guard limits password guessing.
	Guard *claim.Guard
	// BaseURL is the server's public URL; it decides the cookie name.
	BaseURL string
	Logger  *slog.Logger
	Now     func() time.Time
	// Session lifetimes; zero means the default.
	Idle, Lifetime time.Duration
	// CountsBudget is how long the People page waits for its tabs'
	// counts before it leaves them to console.js (zero: 50 ms; negative:
	// it never waits).
	CountsBudget time.Duration
	// CountsKept is how long finished counts answer the same filters
	// again (zero: 5 s; negative: never, every view counts anew); a
	// change made through the console forgets them.
	CountsKept time.Duration
}

// Console serves the admin console.
type Console struct {
	store    directory.Store
	api      API
	sso      SSO
	secrets  claim.Secrets
	guard    *claim.Guard
	base     *url.URL
	log      *slog.Logger
	now      func() time.Time
	idle     time.Duration
	lifetime time.Duration
	// countsBudget and countsKept: see Options; counts runs them.
	countsBudget, countsKept time.Duration
	counts                   counter
	cookies                  cookies
	views                    *views
	csrf                     *http.CrossOriginProtection
	// dummyHash is verified against when a sign-in names no admin with
	// a password, so that costs as much time as a wrong password.
	dummyHash string
}

// New checks opts and builds the console.
func New(opts Options) (*Console, error) {
	if opts.Store == nil || opts.API == nil || opts.Guard == nil {
		return nil, errors.New("console: Store, API and Guard are required")
	}
	base, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("console: BaseURL %q must be an absolute http(s) URL", opts.BaseURL)
	}
	v, err := loadViews()
	if err != nil {
		return nil, err
	}
	k := &Console{store: opts.Store, api: opts.API, sso: opts.SSO, secrets: opts.Secrets, guard: opts.Guard, base: base,
		log: opts.Logger, now: opts.Now, idle: opts.Idle, lifetime: opts.Lifetime, cookies: newCookies(base), views: v,
		csrf: http.NewCrossOriginProtection()}
	if k.log == nil {
		k.log = slog.New(slog.DiscardHandler)
	}
	k.log = slog.New(server.NewLogHandler(k.log.Handler()))
	if k.now == nil {
		k.now = time.Now
	}
	if k.idle <= 0 {
		k.idle = DefaultIdle
	}
	if k.lifetime <= 0 {
		k.lifetime = DefaultLifetime
	}
	if k.countsBudget = opts.CountsBudget; k.countsBudget == 0 {
		k.countsBudget = defaultCountsBudget
	}
	if k.countsKept = opts.CountsKept; k.countsKept == 0 {
		k.countsKept = defaultCountsKept
	}
	if k.dummyHash, err = password.Hash(newSecret()); err != nil {
		return nil, err
	}
	return k, nil
}

// Prefix implements server.Area.
func (k *Console) Prefix() string { return Prefix }

// WriteError implements server.Area: the errors the server raises itself
// (no route, body too large, panic, database unavailable) as pages.
func (k *Console) WriteError(c echo.Context, status int, detail string) error {
	title := http.StatusText(status)
	message := "Something went wrong on our side. Try again; if it keeps happening, look at the server's log."
	switch {
	case status == http.StatusNotFound:
		title, message = "Page not found", "There is nothing at this address."
	case status == http.StatusServiceUnavailable:
		title, message = "Try again in a moment", "The service is busy or briefly unavailable. Try again in a moment."
	case status < 500:
		message = detail
	}
	if c.Request().Method == http.MethodHead {
		return c.NoContent(status)
	}
	return k.render(c, status, "problem", page{Title: title, Data: problemView{Message: message}})
}

// ssoFormLimit is the body limit of the single sign-on form: it carries
// the IdP's metadata, which the admin API takes up to 1 MiB.
const ssoFormLimit = 2 << 20

// BodyLimit implements server.BodyLimiter.
func (k *Console) BodyLimit(method, route string) int64 {
	if method == http.MethodPost && route == Prefix+"/settings/sso" {
		return ssoFormLimit
	}
	return 0
}
