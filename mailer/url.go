package mailer

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Security says how the connection to the SMTP server is protected.
type Security string

// The supported connection security modes.
const (
	// STARTTLSAuto upgrades with STARTTLS when the server offers it and
	// speaks plain SMTP when it does not, so a local relay without TLS
	// works as is. When the server does offer STARTTLS its certificate is
	// verified: a bad certificate fails the connection rather than
	// silently falling back to plain text.
	STARTTLSAuto Security = "auto"
	// STARTTLSRequired fails the connection before any message or
	// credential is sent when the server does not offer STARTTLS.
	STARTTLSRequired Security = "required"
	// STARTTLSNever speaks plain SMTP even when STARTTLS is offered: for a
	// relay on a trusted network whose certificate cannot be verified.
	STARTTLSNever Security = "never"
	// ImplicitTLS (smtps://) starts TLS before the SMTP greeting.
	ImplicitTLS Security = "tls"
)

// AuthMechanism names the SASL mechanism used to log in.
type AuthMechanism string

// The supported mechanisms. AuthAuto picks the strongest the server
// offers (SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, LOGIN, CRAM-MD5, in that
// order); set one explicitly only for a server that advertises a
// mechanism it cannot actually complete.
const (
	AuthAuto        AuthMechanism = "auto"
	AuthPlain       AuthMechanism = "plain"
	AuthLogin       AuthMechanism = "login"
	AuthCRAMMD5     AuthMechanism = "cram-md5"
	AuthSCRAMSHA1   AuthMechanism = "scram-sha-1"
	AuthSCRAMSHA256 AuthMechanism = "scram-sha-256"
)

// Defaults for what LATCHKEY_SMTP_URL leaves out.
const (
	// DefaultPort is the message submission port (RFC 6409), the port
	// an application hands mail to a relay on; port 25 is for relay
	// between mail servers and is often blocked by hosting providers. A
	// local relay listening on 25 is written smtp://localhost:25.
	DefaultPort = 587
	// DefaultTLSPort is the submission-over-TLS port (RFC 8314).
	DefaultTLSPort = 465
	// DefaultTimeout bounds connecting (TCP, greeting, TLS, AUTH) and,
	// separately, each message's transaction. A caller's context can
	// only shorten it.
	DefaultTimeout = 15 * time.Second
	// DefaultMaxConns is how many connections one process keeps open at
	// most. Four connections to a local relay carry several thousand
	// messages per second; hosted relays often refuse more than a few
	// concurrent connections per account.
	DefaultMaxConns = 4
	// DefaultMaxMessagesPerConn is how many messages go over one
	// connection before it is replaced; some hosted relays cap this, and
	// reconnecting now and then spreads load behind a load balancer.
	DefaultMaxMessagesPerConn = 100
	// DefaultIdleTimeout closes a connection nobody has used for this
	// long, well before servers' own idle limits (RFC 5321 suggests 5
	// minutes) so we rarely find a connection dropped under us.
	DefaultIdleTimeout = 30 * time.Second
)

// SMTPConfig is how to reach and log in to the SMTP server. ParseURL
// builds one from LATCHKEY_SMTP_URL; String and LogValue never reveal the
// password.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	Security Security
	Auth     AuthMechanism
	// HELO is the name sent in EHLO; empty means the machine's hostname.
	// Some relays reject container hostnames or "localhost".
	HELO               string
	Timeout            time.Duration
	MaxConns           int
	MaxMessagesPerConn int
	IdleTimeout        time.Duration
	// CAFile is a PEM bundle of certificate authorities trusted for the
	// server's certificate instead of the system roots (an internal CA).
	CAFile string
	// InsecureSkipVerify accepts any server certificate. For tests only:
	// it makes TLS useless against an active attacker.
	InsecureSkipVerify bool
}

// urlParams are the query parameters ParseURL understands; any other is
// an error, so a typo does not silently fall back to a default.
var urlParams = []string{"starttls", "auth", "helo", "timeout", "max_conns",
	"max_msgs_per_conn", "idle_timeout", "ca_file", "insecure_skip_verify"}

// ParseURL reads an SMTP URL:
//
//	smtp://[user:pass@]host[:port][?param=value&...]   default port 587
//	smtps://[user:pass@]host[:port][?param=value&...]  default port 465
//
// The user name and password are percent-encoded ("p%40ss" for "p@ss").
// smtp:// upgrades with STARTTLS when offered. Parameters:
//
//	starttls=auto|required|never   smtp:// only; default auto
//	auth=auto|plain|login|cram-md5|scram-sha-1|scram-sha-256   default auto
//	helo=NAME                      name sent in EHLO; default the hostname
//	timeout=DURATION               default 15s
//	max_conns=N                    open connections at most; default 4
//	max_msgs_per_conn=N            default 100
//	idle_timeout=DURATION          default 30s
//	ca_file=PATH                   PEM roots for the server certificate
//	insecure_skip_verify=true      accept any certificate: tests only
//
// Error messages never quote the user name, password, host or path: when
// a URL is malformed, parts of the password can land in any of them.
func ParseURL(raw string) (SMTPConfig, error) {
	const shape = "smtp[s]://[user:password@]host[:port][?param=value]"
	cfg := SMTPConfig{
		Auth:               AuthAuto,
		Timeout:            DefaultTimeout,
		MaxConns:           DefaultMaxConns,
		MaxMessagesPerConn: DefaultMaxMessagesPerConn,
		IdleTimeout:        DefaultIdleTimeout,
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return SMTPConfig{}, urlError("is empty; expected %s", shape)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// Both the url.Error and its reason can quote the password (a
		// "/" in it ends the host part early), so say only what to check.
		return SMTPConfig{}, urlError("cannot be parsed as %s; check the host and port, and percent-encode @ : / ? # %% in the user name and password (%%40 for @)", shape)
	}
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		cfg.Security, cfg.Port = STARTTLSAuto, DefaultPort
	case "smtps":
		cfg.Security, cfg.Port = ImplicitTLS, DefaultTLSPort
	case "":
		return SMTPConfig{}, urlError("has no scheme; expected smtp:// or smtps://")
	default:
		return SMTPConfig{}, urlError("has scheme %q; expected smtp:// or smtps://", u.Scheme)
	}
	if u.Opaque != "" {
		return SMTPConfig{}, urlError("must be written %s://host[:port], with two slashes", u.Scheme)
	}
	if u.Path != "" && u.Path != "/" {
		return SMTPConfig{}, urlError("must not have a path (is a / in the password not written %%2F?)")
	}
	if u.Fragment != "" {
		return SMTPConfig{}, urlError("must not have a #fragment")
	}
	cfg.Host = u.Hostname()
	if cfg.Host == "" {
		return SMTPConfig{}, urlError("has no host")
	}
	if !validHost(cfg.Host, strings.HasPrefix(u.Host, "[")) {
		return SMTPConfig{}, urlError("has an invalid host; expected a DNS name, an IPv4 address or an IPv6 address in brackets")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return SMTPConfig{}, urlError("has an invalid port; expected a number from 1 to 65535")
		}
		cfg.Port = n
	} else if strings.HasSuffix(u.Host, ":") {
		return SMTPConfig{}, urlError("has an empty port after the colon")
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
		if cfg.Username == "" {
			return SMTPConfig{}, urlError("has a password but no user name")
		}
		if cfg.Password == "" {
			return SMTPConfig{}, urlError("has a user name but no password (write user:password@host)")
		}
	}
	if err := cfg.applyQuery(u.RawQuery); err != nil {
		return SMTPConfig{}, err
	}
	return cfg, nil
}

func (cfg *SMTPConfig) applyQuery(rawQuery string) error {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return urlError("has a malformed query (%v)", err)
	}
	for key, values := range q {
		if !slices.Contains(urlParams, key) {
			return urlError("has unknown parameter %q; known: %s", key, strings.Join(urlParams, ", "))
		}
		if len(values) != 1 {
			return urlError("repeats parameter %q", key)
		}
		v := strings.TrimSpace(values[0])
		if err := cfg.applyParam(key, v); err != nil {
			return urlError("parameter %s=%q: %v", key, v, err)
		}
	}
	return nil
}

func (cfg *SMTPConfig) applyParam(key, v string) error {
	var err error
	switch key {
	case "starttls":
		if cfg.Security == ImplicitTLS {
			return errors.New("smtps:// is TLS from the start; starttls applies to smtp:// only")
		}
		switch s := Security(strings.ToLower(v)); s {
		case STARTTLSAuto, STARTTLSRequired, STARTTLSNever:
			cfg.Security = s
		default:
			return errors.New("expected auto, required or never")
		}
	case "auth":
		switch a := AuthMechanism(strings.ToLower(v)); a {
		case AuthAuto, AuthPlain, AuthLogin, AuthCRAMMD5, AuthSCRAMSHA1, AuthSCRAMSHA256:
			cfg.Auth = a
		default:
			return errors.New("expected auto, plain, login, cram-md5, scram-sha-1 or scram-sha-256")
		}
	case "helo":
		if v == "" || strings.ContainsAny(v, " \t\r\n") || len(v) > 255 {
			return errors.New("expected a host name without spaces")
		}
		cfg.HELO = v
	case "timeout":
		cfg.Timeout, err = parseDuration(v, time.Second, 10*time.Minute)
	case "idle_timeout":
		cfg.IdleTimeout, err = parseDuration(v, time.Second, time.Hour)
	case "max_conns":
		cfg.MaxConns, err = parseInt(v, 1, 100)
	case "max_msgs_per_conn":
		cfg.MaxMessagesPerConn, err = parseInt(v, 1, 100000)
	case "ca_file":
		if v == "" {
			return errors.New("expected a file path")
		}
		cfg.CAFile = v
	case "insecure_skip_verify":
		cfg.InsecureSkipVerify, err = strconv.ParseBool(v)
		if err != nil {
			return errors.New("expected true or false")
		}
	}
	return err
}

// validHost accepts a DNS name (letters, digits, "-", "_" for container
// service names, "."), an IPv4 address, or an IPv6 address written in
// brackets.
func validHost(h string, bracketed bool) bool {
	if ip := net.ParseIP(h); ip != nil {
		return bracketed == strings.Contains(h, ":")
	}
	if bracketed || len(h) > 253 {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func parseDuration(v string, lo, hi time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		return 0, fmt.Errorf("expected a duration between %v and %v, such as 30s", lo, hi)
	}
	return d, nil
}

func parseInt(v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("expected a whole number between %d and %d", lo, hi)
	}
	return n, nil
}

func urlError(format string, args ...any) error {
	return fmt.Errorf("mailer: SMTP URL "+format, args...)
}

// String is the configuration as a URL with the password replaced by
// "xxxxx", safe to log.
func (cfg SMTPConfig) String() string {
	scheme := "smtp"
	if cfg.Security == ImplicitTLS {
		scheme = "smtps"
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))}
	if cfg.Username != "" {
		u.User = url.UserPassword(cfg.Username, "xxxxx")
	}
	q := url.Values{}
	if cfg.Security != ImplicitTLS && cfg.Security != STARTTLSAuto && cfg.Security != "" {
		q.Set("starttls", string(cfg.Security))
	}
	if cfg.Auth != AuthAuto && cfg.Auth != "" {
		q.Set("auth", string(cfg.Auth))
	}
	if cfg.InsecureSkipVerify {
		q.Set("insecure_skip_verify", "true")
	}
	if cfg.CAFile != "" {
		q.Set("ca_file", cfg.CAFile)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// GoString keeps %#v from printing the password field.
func (cfg SMTPConfig) GoString() string { return "mailer.SMTPConfig(" + cfg.String() + ")" }

// LogValue makes slog print the redacted form.
func (cfg SMTPConfig) LogValue() slog.Value { return slog.StringValue(cfg.String()) }
