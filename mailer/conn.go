package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wneessen/go-mail/smtp"
)

// abortableConn lets a cancelled context interrupt a connection that
// go-mail is blocked on: go-mail takes no context once connected, and
// resets deadlines itself before each message, so once aborted this
// conn ignores further deadline changes.
type abortableConn struct {
	net.Conn
	mu      sync.Mutex
	aborted bool
}

var pastDeadline = time.Unix(1, 0)

func (c *abortableConn) abort() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.aborted = true
	_ = c.Conn.SetDeadline(pastDeadline)
}

func (c *abortableConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.aborted {
		return c.Conn.SetDeadline(pastDeadline)
	}
	return c.Conn.SetDeadline(t)
}

func (c *abortableConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.aborted {
		t = pastDeadline
	}
	return c.Conn.SetReadDeadline(t)
}

func (c *abortableConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.aborted {
		t = pastDeadline
	}
	return c.Conn.SetWriteDeadline(t)
}

// dialSlot carries, through the dial context, where the dialer leaves the
// connection it made and whether the caller gave up meanwhile.
type dialSlot struct {
	mu      sync.Mutex
	conn    *abortableConn
	aborted bool
}

func (s *dialSlot) set(c *abortableConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conn = c
	if s.aborted {
		c.abort()
	}
}

func (s *dialSlot) abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aborted = true
	if s.conn != nil {
		s.conn.abort()
	}
}

// close drops the connection without QUIT, for one that failed while
// being set up (go-mail leaves those open).
func (s *dialSlot) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		_ = s.conn.Close()
	}
}

type slotKey struct{}

// dialFunc opens the TCP connection (and, for smtps, the TLS session)
// for go-mail. It ignores go-mail's "host:port" string, which is wrong
// for IPv6 literals.
func (m *Mailer) dialFunc(ctx context.Context, network, _ string) (net.Conn, error) {
	d := net.Dialer{Timeout: m.cfg.Timeout}
	raw, err := d.DialContext(ctx, network, net.JoinHostPort(m.cfg.Host, strconv.Itoa(m.cfg.Port)))
	if err != nil {
		return nil, err
	}
	c := &abortableConn{Conn: raw}
	if slot, ok := ctx.Value(slotKey{}).(*dialSlot); ok {
		slot.set(c)
	}
	if m.cfg.Security != ImplicitTLS {
		return c, nil
	}
	tc := tls.Client(c, m.tlsConfig)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = raw.Close()
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}

// newAuth returns a fresh authenticator for one connection (LOGIN and
// SCRAM keep per-exchange state, so they cannot be shared).
func (m *Mailer) newAuth() smtp.Auth {
	return &chooseAuth{cfg: m.cfg}
}

// authPreference is AuthAuto's order: challenge-response mechanisms that
// never reveal the password first, then PLAIN and LOGIN, which go-mail
// refuses on an unencrypted connection to anything but loopback.
var authPreference = []AuthMechanism{AuthSCRAMSHA256, AuthSCRAMSHA1, AuthPlain, AuthLogin, AuthCRAMMD5}

// chooseAuth picks the mechanism once the server's EHLO reply is known.
type chooseAuth struct {
	cfg   SMTPConfig
	inner smtp.Auth
}

func (a *chooseAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if len(server.Auth) == 0 {
		return "", nil, errors.New("the server offers no AUTH mechanism on this connection (some offer it only over TLS)")
	}
	offered := func(m AuthMechanism) bool {
		for _, s := range server.Auth {
			if AuthMechanism(strings.ToLower(s)) == m {
				return true
			}
		}
		return false
	}
	want := []AuthMechanism{a.cfg.Auth}
	if a.cfg.Auth == AuthAuto || a.cfg.Auth == "" {
		want = authPreference
	}
	i := slices.IndexFunc(want, offered)
	if i < 0 {
		return "", nil, fmt.Errorf("the server offers AUTH %v, none of which is %v", server.Auth, want)
	}
	user, pass, host := a.cfg.Username, a.cfg.Password, a.cfg.Host
	switch want[i] {
	case AuthSCRAMSHA256:
		a.inner = smtp.ScramSHA256Auth(user, pass)
	case AuthSCRAMSHA1:
		a.inner = smtp.ScramSHA1Auth(user, pass)
	case AuthPlain:
		a.inner = smtp.PlainAuth("", user, pass, host, false)
	case AuthLogin:
		a.inner = smtp.LoginAuth(user, pass, host, false)
	case AuthCRAMMD5:
		a.inner = smtp.CRAMMD5Auth(user, pass)
	}
	mech, resp, err := a.inner.Start(server)
	if errors.Is(err, smtp.ErrUnencrypted) {
		err = fmt.Errorf("refusing to send the password in clear text over an unencrypted connection to %s; use STARTTLS or smtps://", host)
	}
	return mech, resp, err
}

func (a *chooseAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	return a.inner.Next(fromServer, more)
}
