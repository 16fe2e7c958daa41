package pages

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/password"
	"github.com/latchkeyhq/latchkey/picture"
	"github.com/latchkeyhq/latchkey/server"
	"github.com/latchkeyhq/latchkey/sso"
)

// Session lifetimes (defaults of Options). A claim session is short: the
// steps take minutes, and it stands for a spent link or code. A sign-in
// session follows NIST SP 800-63B AAL2 (security.md SES-4): one hour of
// inactivity, a day in all.
const (
	DefaultClaimIdle      = 30 * time.Minute
	DefaultClaimLifetime  = time.Hour
	DefaultSignInIdle     = time.Hour
	DefaultSignInLifetime = 24 * time.Hour
)

// Options configure the pages.
type Options struct {
	Store   directory.Store
	Inviter *claim.Inviter
	// Secrets hash session secrets (the server key's session subkey).
	Secrets claim.Secrets
	// Guard limits access-code and password guessing.
	Guard *claim.Guard
	// SSO is the SAML service provider.
	SSO *sso.ServiceProvider
	// BaseURL is the server's public URL; it decides the cookie names,
	// HSTS and the allowed origin of forms.
	BaseURL string
	Logger  *slog.Logger
	Now     func() time.Time
	// Session lifetimes; zero means the default.
	ClaimIdle, ClaimLifetime, SignInIdle, SignInLifetime time.Duration
	// Metrics count completed claims; nil counts nothing.
	Metrics *claim.Metrics
}

// Pages serves the person-facing pages and the claim API.
type Pages struct {
	store    directory.Store
	inviter  *claim.Inviter
	secrets  claim.Secrets
	guard    *claim.Guard
	sp       *sso.ServiceProvider
	base     *url.URL
	log      *slog.Logger
	now      func() time.Time
	lifetime map[string]lifetime // by session purpose
	cookies  cookies
	views    *views
	csrf     *http.CrossOriginProtection
	// pictures bounds concurrent picture decodes (memory, see picture.Limiter).
	pictures *picture.Limiter
	// dummyHash is verified against when a sign-in names no usable
	// account, so that costs as much time as a wrong password.
	dummyHash string
	// adminSignIn finishes admin console sign-ins at the ACS (nil: none).
	adminSignIn AdminSignIn
	metrics     *claim.Metrics
}

// lifetime bounds one purpose of session.
type lifetime struct{ idle, absolute time.Duration }

// New checks opts and builds the pages. On a base URL that is neither
// https nor loopback it logs, once, that cookies cannot be Secure.
// concurrentPictureDecodes is how many uploaded pictures one process
// decodes at once.
const concurrentPictureDecodes = 2

func New(opts Options) (*Pages, error) {
	if opts.Store == nil || opts.Inviter == nil || opts.Guard == nil || opts.SSO == nil {
		return nil, errors.New("pages: Store, Inviter, Guard and SSO are required")
	}
	base, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("pages: BaseURL %q must be an absolute http(s) URL", opts.BaseURL)
	}
	v, err := loadViews()
	if err != nil {
		return nil, err
	}
	p := &Pages{store: opts.Store, inviter: opts.Inviter, secrets: opts.Secrets, guard: opts.Guard, sp: opts.SSO,
		base: base, log: opts.Logger, now: opts.Now, cookies: newCookies(base), views: v, metrics: opts.Metrics,
		csrf: http.NewCrossOriginProtection(), pictures: picture.NewLimiter(concurrentPictureDecodes)}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.dummyHash, err = password.Hash(newSecret()); err != nil {
		return nil, err
	}
	// The server's handler adds each request's id to what is logged.
	p.log = slog.New(server.NewLogHandler(p.log.Handler()))
	if p.now == nil {
		p.now = time.Now
	}
	p.lifetime = map[string]lifetime{
		directory.PurposeClaim:  {orDefault(opts.ClaimIdle, DefaultClaimIdle), orDefault(opts.ClaimLifetime, DefaultClaimLifetime)},
		directory.PurposeSignIn: {orDefault(opts.SignInIdle, DefaultSignInIdle), orDefault(opts.SignInLifetime, DefaultSignInLifetime)},
	}
	if !p.cookies.secure {
		p.log.Warn("the base URL is plain http on a host that is not loopback: session cookies cannot be Secure " +
			"and lose their __Host- prefix; use this only for development, and https everywhere else")
	}
	return p, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Areas are the pages' parts of the HTTP surface, for server.Options.
func (p *Pages) Areas() []server.Area {
	return []server.Area{
		p.htmlArea("/claim", p.mountClaim).allow(http.MethodPost, "/claim/steps/picture", uploadLimit),
		p.htmlArea("/signin", p.mountSignIn),
		p.htmlArea("/signout", p.mountSignOut),
		p.htmlArea("/account", p.mountAccount),
		p.htmlArea("/pictures", p.mountPictures),
		p.htmlArea("/saml", p.mountSAML),
		p.apiArea(),
	}
}
