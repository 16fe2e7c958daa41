// Package mailer delivers Latchkey's email (invitations with claim links,
// reminders, export-ready notices) over SMTP, and renders the messages
// from per-organization templates.
//
// Connections are pooled: a Send borrows an open, authenticated
// connection, runs one mail transaction on it and returns it, so a burst
// (the invitation backlog after a large SCIM push) pays the TCP, TLS and
// AUTH round trips once per connection instead of once per message, and
// concurrent senders (job queue workers) use up to MaxConns connections
// in parallel. There is no separate batch call: sequential Sends on one
// goroutine already reuse one connection.
//
// Errors say whether retrying can help: see IsPermanent.
package mailer

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Mailer sends messages through one SMTP server. It is safe for
// concurrent use; Close it on shutdown.
type Mailer struct {
	cfg       SMTPConfig
	from      *mail.Address
	domain    string
	tlsConfig *tls.Config
	// client holds go-mail's settings; we dial our own connections with
	// it (DialToSMTPClientWithContext) and keep them in the pool.
	client *gomail.Client
	// slots limits open connections: a Send holds a slot while it uses
	// a connection, and a connection is idle only while nobody holds it,
	// so busy plus idle never exceeds MaxConns.
	slots chan struct{}

	mu     sync.Mutex
	idle   []*pooledConn // most recently used last
	reaper *time.Timer
	closed bool
}

type pooledConn struct {
	c        *smtp.Client
	slot     *dialSlot
	sent     int
	lastUsed time.Time
	aborted  bool // a cancelled context broke the connection
}

// Options are the settings that do not come from the SMTP URL.
type Options struct {
	// From is the sender, "Name <address>" or a bare address
	// (LATCHKEY_MAIL_FROM). Its domain also names fresh Message-IDs.
	From string
	// RootCAs, when set, replaces the system roots and SMTPConfig.CAFile
	// for verifying the server's certificate (tests use it for a
	// self-signed server).
	RootCAs *x509.CertPool
}

// New checks the settings and returns a Mailer. It does not connect;
// call Check for that.
func New(cfg SMTPConfig, opts Options) (*Mailer, error) {
	from, err := mail.ParseAddress(opts.From)
	if err != nil {
		return nil, fmt.Errorf("mailer: invalid From address %q: %w", opts.From, err)
	}
	_, domain, _ := strings.Cut(from.Address, "@")
	if cfg.Host == "" || cfg.Port < 1 || cfg.Port > 65535 {
		return nil, errors.New("mailer: SMTP host and port are required (use ParseURL)")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.MaxMessagesPerConn <= 0 {
		cfg.MaxMessagesPerConn = DefaultMaxMessagesPerConn
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Security == "" {
		cfg.Security = STARTTLSAuto
	}
	tlsConfig := &tls.Config{
		ServerName:         cfg.Host,
		MinVersion:         tls.VersionTLS12,
		RootCAs:            opts.RootCAs,
		InsecureSkipVerify: cfg.InsecureSkipVerify, //nolint:gosec // documented as tests-only
	}
	if tlsConfig.RootCAs == nil && cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("mailer: SMTP ca_file: %w", err)
		}
		tlsConfig.RootCAs = x509.NewCertPool()
		if !tlsConfig.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("mailer: SMTP ca_file %s holds no PEM certificate", cfg.CAFile)
		}
	}
	m := &Mailer{
		cfg:       cfg,
		from:      from,
		domain:    domain,
		tlsConfig: tlsConfig,
		slots:     make(chan struct{}, cfg.MaxConns),
	}
	copts := []gomail.Option{
		gomail.WithPort(cfg.Port),
		gomail.WithTimeout(cfg.Timeout),
		// dial does STARTTLS, dialFunc the TLS of smtps://.
		gomail.WithTLSPolicy(gomail.NoTLS),
		gomail.WithDialContextFunc(m.dialFunc),
		// The pool replaces go-mail's per-message NOOP (a round trip to
		// check the connection) with one retry on a fresh connection
		// when a reused one turns out dead; RSET after a completed
		// transaction is redundant (RFC 5321 §4.1.1.4).
		gomail.WithoutNoop(),
		gomail.WithoutRset(),
	}
	if cfg.HELO != "" {
		copts = append(copts, gomail.WithHELO(cfg.HELO))
	}
	m.client, err = gomail.NewClient(cfg.Host, copts...)
	if err != nil {
		return nil, fmt.Errorf("mailer: %w", err)
	}
	return m, nil
}

// Send delivers msg, reusing a pooled connection when one is open. The
// context bounds waiting for a connection and the whole transaction. A
// failure is an *Error; IsPermanent tells whether to retry.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	g, err := m.build(msg)
	if err != nil {
		return err
	}
	select {
	case m.slots <- struct{}{}:
	case <-ctx.Done():
		return &Error{Stage: StageConnect, Err: fmt.Errorf("waiting for a free connection: %w", ctx.Err())}
	}
	defer func() { <-m.slots }()

	pc, reused, err := m.get(ctx)
	if err != nil {
		return err
	}
	err = m.transact(ctx, pc, g)
	if err != nil && reused && deadBeforeAccepted(err) && ctx.Err() == nil {
		// The server dropped the idle connection; nothing was
		// accepted, so one retry on a fresh connection is safe.
		m.discard(pc, false)
		if pc, err = m.dial(ctx); err != nil {
			return err
		}
		err = m.transact(ctx, pc, g)
	}
	if err != nil {
		var e *Error
		m.discard(pc, errors.As(err, &e) && e.Code != 0 && e.Code != 421)
		return err
	}
	if pc.aborted {
		m.discard(pc, false)
		return nil
	}
	m.put(pc)
	return nil
}

// transact runs one mail transaction on pc, aborting the connection if
// ctx ends first. A message the server accepted counts as sent even if
// ctx ended just after: reporting it failed would make the queue send it
// twice.
func (m *Mailer) transact(ctx context.Context, pc *pooledConn, g *gomail.Msg) error {
	stop := context.AfterFunc(ctx, pc.slot.abort)
	err := m.client.SendWithSMTPClient(pc.c, g)
	if !stop() {
		pc.aborted = true
	}
	if err == nil {
		pc.sent++
		return nil
	}
	e := newError(StageConnect, err)
	if pc.aborted {
		e.Err = errors.Join(ctx.Err(), err)
		e.Code, e.EnhancedCode, e.Permanent = 0, "", false
	}
	return e
}

// deadBeforeAccepted: the connection failed at the first command without
// an SMTP reply, or with 421 (the server closing an idle connection).
func deadBeforeAccepted(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return false
	}
	code := se.ErrorCode()
	switch se.Reason {
	case gomail.ErrConnCheck:
		return true
	case gomail.ErrSMTPMailFrom:
		return code == 0 || code == 421
	}
	return false
}

// get returns an idle connection that is still fresh, or a new one.
func (m *Mailer) get(ctx context.Context) (pc *pooledConn, reused bool, err error) {
	now := time.Now()
	var stale []*pooledConn
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, false, &Error{Stage: StageConnect, Err: ErrClosed}
	}
	for len(m.idle) > 0 {
		last := m.idle[len(m.idle)-1]
		m.idle = m.idle[:len(m.idle)-1]
		if now.Sub(last.lastUsed) < m.cfg.IdleTimeout && last.c.HasConnection() {
			pc = last
			break
		}
		stale = append(stale, last)
	}
	m.mu.Unlock()
	for _, s := range stale {
		m.discard(s, true)
	}
	if pc != nil {
		return pc, true, nil
	}
	pc, err = m.dial(ctx)
	return pc, false, err
}

// dial opens, secures and authenticates a new connection. go-mail dials
// and says EHLO; STARTTLS is ours so its failures read plainly.
func (m *Mailer) dial(ctx context.Context) (*pooledConn, error) {
	slot := &dialSlot{}
	stop := context.AfterFunc(ctx, slot.abort)
	defer stop()
	fail := func(stage Stage, err error) (*pooledConn, error) {
		slot.close()
		return nil, newError(stage, errors.Join(ctx.Err(), err))
	}
	c, err := m.client.DialToSMTPClientWithContext(context.WithValue(ctx, slotKey{}, slot))
	if err != nil {
		return fail(StageConnect, err)
	}
	if m.cfg.Security == STARTTLSAuto || m.cfg.Security == STARTTLSRequired {
		offered, _ := c.Extension("STARTTLS")
		switch {
		case offered:
			if err := c.StartTLS(m.tlsConfig); err != nil {
				return fail(StageConnect, fmt.Errorf("STARTTLS with %s: %w", m.cfg.Host, err))
			}
		case m.cfg.Security == STARTTLSRequired:
			return fail(StageConnect, fmt.Errorf("%s does not offer STARTTLS and the SMTP URL says starttls=required; nothing was sent", m.cfg.Host))
		}
	}
	if m.cfg.Username != "" {
		if err := c.Auth(m.newAuth()); err != nil {
			return fail(StageAuth, fmt.Errorf("logging in to %s as %q: %w", m.cfg.Host, m.cfg.Username, err))
		}
	}
	return &pooledConn{c: c, slot: slot}, nil
}

// put returns a healthy connection to the pool, or closes it when it has
// carried its share of messages or the Mailer is closed.
func (m *Mailer) put(pc *pooledConn) {
	pc.lastUsed = time.Now()
	m.mu.Lock()
	if m.closed || pc.sent >= m.cfg.MaxMessagesPerConn {
		m.mu.Unlock()
		m.discard(pc, true)
		return
	}
	m.idle = append(m.idle, pc)
	if m.reaper == nil {
		m.reaper = time.AfterFunc(m.cfg.IdleTimeout, m.reap)
	}
	m.mu.Unlock()
}

// reap closes connections idle for IdleTimeout, so a burst does not
// leave connections open on the server until it drops them.
func (m *Mailer) reap() {
	now := time.Now()
	var stale []*pooledConn
	m.mu.Lock()
	m.reaper = nil
	keep := m.idle[:0]
	for _, pc := range m.idle {
		if now.Sub(pc.lastUsed) >= m.cfg.IdleTimeout {
			stale = append(stale, pc)
		} else {
			keep = append(keep, pc)
		}
	}
	clear(m.idle[len(keep):])
	m.idle = keep
	if len(m.idle) > 0 && !m.closed {
		// The oldest remaining connection expires first.
		m.reaper = time.AfterFunc(m.cfg.IdleTimeout-now.Sub(m.idle[0].lastUsed), m.reap)
	}
	m.mu.Unlock()
	for _, pc := range stale {
		m.discard(pc, true)
	}
}

// discard closes a connection, saying QUIT first when it is still in a
// state to hear it.
func (m *Mailer) discard(pc *pooledConn, polite bool) {
	if polite && pc.c.HasConnection() && pc.c.UpdateDeadline(2*time.Second) == nil && pc.c.Quit() == nil {
		return
	}
	if pc.c.HasConnection() {
		_ = pc.c.Close()
	}
}

// Check connects, negotiates TLS, logs in and says QUIT: a start-up or
// readiness check that the settings work, without sending anything.
func (m *Mailer) Check(ctx context.Context) error {
	pc, err := m.dial(ctx)
	if err != nil {
		return err
	}
	m.discard(pc, true)
	return nil
}

// Close says QUIT on idle connections; connections in use are closed
// when their Send finishes. Send fails with ErrClosed afterwards.
func (m *Mailer) Close() error {
	m.mu.Lock()
	m.closed = true
	idle := m.idle
	m.idle = nil
	if m.reaper != nil {
		m.reaper.Stop()
		m.reaper = nil
	}
	m.mu.Unlock()
	for _, pc := range idle {
		m.discard(pc, true)
	}
	return nil
}

// From is the configured sender.
func (m *Mailer) From() mail.Address { return *m.from }
