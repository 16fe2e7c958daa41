// Package mailtest runs a real SMTP server (emersion/go-smtp) inside a
// test process, so tests of anything that sends email can check what
// arrived: envelope, headers, decoded text and HTML parts, whether the
// connection was TLS and who logged in.
//
//	srv := mailtest.NewServer(t, mailtest.Options{})
//	cfg, _ := mailer.ParseURL(srv.URL())
//	... send ...
//	msg := srv.Wait(1)[0]
//	link := regexp.MustCompile(`https://\S+`).FindString(msg.Text)
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options shape the server. The zero value is a plain SMTP server
// without TLS or AUTH, like a local relay.
type Options struct {
	// STARTTLS offers STARTTLS with a self-signed certificate for
	// 127.0.0.1, ::1 and localhost; clients trust it through CertPool.
	STARTTLS bool
	// ImplicitTLS speaks TLS from the first byte (smtps://), with the
	// same certificate.
	ImplicitTLS bool
	// Username and Password, when set, make the server offer AUTH PLAIN
	// and refuse MAIL FROM before a successful login. go-smtp offers
	// AUTH only over TLS unless AllowInsecureAuth is set.
	Username, Password string
	AllowInsecureAuth  bool
	// Rcpt, when set, is asked about every RCPT TO; return Reply(...)
	// to refuse the recipient with a given SMTP reply.
	Rcpt func(to string) error
	// Discard counts messages without keeping or parsing them, for
	// benchmarks.
	Discard bool
	// IdleTimeout, when set, makes the server drop a connection that
	// sent nothing for this long (with a 421 reply), as real servers do.
	IdleTimeout time.Duration
	// Addr, when set, is the host:port to listen on instead of a free
	// loopback port. For an outage use SetDown rather than closing a
	// server and listening on its Addr again: meanwhile the port may go
	// to another test.
	Addr string
}

// Message is one message as the server received it.
type Message struct {
	From string   // envelope sender (MAIL FROM)
	To   []string // envelope recipients (RCPT TO)
	Raw  []byte   // the message as sent, headers and body
	// Header, Subject (decoded), Text and HTML (decoded parts) are
	// parsed from Raw; ParseErr says why they are missing.
	Header   mail.Header
	Subject  string
	Text     string
	HTML     string
	ParseErr error
	// TLS is the connection's TLS state, nil for plain SMTP.
	TLS *tls.ConnectionState
	// AuthUser is who logged in, "" without AUTH.
	AuthUser string
	// Helo is the name the client gave in EHLO.
	Helo string
}

// Server is a running test SMTP server; NewServer stops it when the test
// ends.
type Server struct {
	t     testing.TB
	opts  Options
	srv   *smtp.Server
	addr  string
	certs *x509.CertPool

	mu      sync.Mutex
	msgs    []Message
	count   int
	conns   int
	changed chan struct{}
	closed  bool
	down    bool
}

// NewServer starts a server on 127.0.0.1 with a free port, or on
// Options.Addr.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{t: t, opts: opts, changed: make(chan struct{})}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = opts.AllowInsecureAuth
	s.srv.ReadTimeout = time.Minute
	if opts.IdleTimeout > 0 {
		s.srv.ReadTimeout = opts.IdleTimeout
	}
	s.srv.WriteTimeout = time.Minute
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ErrorLog = logger{s}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	if opts.STARTTLS || opts.ImplicitTLS {
		cert, pool, err := selfSigned()
		if err != nil {
			t.Fatalf("mailtest: certificate: %v", err)
		}
		s.certs = pool
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if opts.ImplicitTLS {
			ln = tls.NewListener(ln, s.srv.TLSConfig)
		}
	}
	s.addr = ln.Addr().String()
	go func() { _ = s.srv.Serve(countingListener{ln, s}) }()
	t.Cleanup(s.Close)
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// URL is an SMTP URL for the server: smtps:// with ImplicitTLS, else
// smtp://, with the credentials when Options has them. A client must
// trust CertPool to use STARTTLS or smtps.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.addr}
	if s.opts.ImplicitTLS {
		u.Scheme = "smtps"
	}
	if s.opts.Username != "" {
		u.User = url.UserPassword(s.opts.Username, s.opts.Password)
	}
	return u.String()
}

// CertPool trusts the server's self-signed certificate; nil without TLS.
func (s *Server) CertPool() *x509.CertPool { return s.certs }

// Messages returns what arrived so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Count is how many messages arrived, kept or discarded.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Connections is how many connections clients opened.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Wait returns the messages once at least n arrived, failing the test
// after 10 seconds. Call it from the test's goroutine.
func (s *Server) Wait(n int) []Message {
	s.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		count, changed := s.count, s.changed
		s.mu.Unlock()
		if count >= n {
			return s.Messages()
		}
		select {
		case <-changed:
		case <-deadline:
			s.t.Fatalf("mailtest: %d message(s) arrived, want %d", count, n)
			return nil
		}
	}
}

// Close stops the server and drops open connections.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	_ = s.srv.Close()
}

// Reply builds an SMTP reply for Options.Rcpt to refuse with, such as
// Reply(550, "5.1.1", "no such user") or Reply(451, "4.3.0", "try later").
// An empty enhanced code becomes X.0.0.
func Reply(code int, enhanced, text string) error {
	e := &smtp.SMTPError{Code: code, Message: text, EnhancedCode: smtp.EnhancedCodeNotSet}
	if enhanced != "" {
		parts := strings.Split(enhanced, ".")
		if len(parts) != 3 {
			panic("mailtest: enhanced code must look like 5.1.1")
		}
		for i, p := range parts {
			n, err := strconv.Atoi(p)
			if err != nil {
				panic("mailtest: enhanced code must look like 5.1.1")
			}
			e.EnhancedCode[i] = n
		}
	}
	return e
}

// NewSession implements smtp.Backend.
func (s *Server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: s, conn: c}, nil
}

// countingListener counts accepted connections (go-smtp starts a new
// session after STARTTLS, so sessions are not connections).
type countingListener struct {
	net.Listener
	s *Server
}

func (l countingListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return c, err
		}
		l.s.mu.Lock()
		l.s.conns++
		down := l.s.down
		l.s.mu.Unlock()
		if !down {
			return c, nil
		}
		_ = c.Close()
	}
}

// SetDown takes the server down (true) or brings it back (false). While
// down it drops every connection before greeting it, as a mail server
// that is not running would fail a client, but keeps its port: a closed
// server's port may go to another test's server meanwhile, which would
// then receive what this outage should have kept back.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

func (s *Server) deliver(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count++
	if !s.opts.Discard {
		s.msgs = append(s.msgs, m)
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

type session struct {
	srv      *Server
	conn     *smtp.Conn
	authUser string
	from     string
	to       []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.srv.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.srv.opts.Username == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.srv.opts.Username || pass != ss.srv.opts.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "invalid credentials"}
		}
		ss.authUser = user
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.opts.Username != "" && ss.authUser == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.srv.opts.Rcpt != nil {
		if err := ss.srv.opts.Rcpt(to); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: ss.from, To: ss.to, Raw: raw, AuthUser: ss.authUser, Helo: ss.conn.Hostname()}
	if state, ok := ss.conn.TLSConnectionState(); ok {
		m.TLS = &state
	}
	if !ss.srv.opts.Discard {
		m.ParseErr = m.parse()
	}
	ss.srv.deliver(m)
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// parse fills Header, Subject, Text and HTML from Raw.
func (m *Message) parse() error {
	pm, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		return err
	}
	m.Header = pm.Header
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(pm.Header.Get("Subject")); err != nil {
		return fmt.Errorf("subject: %w", err)
	}
	return m.walk(pm.Header.Get("Content-Type"), pm.Header.Get("Content-Transfer-Encoding"), pm.Body)
}

func (m *Message) walk(contentType, encoding string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := m.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s part: %w", mediaType, err)
	}
	switch mediaType {
	case "text/plain":
		m.Text = strings.ReplaceAll(string(b), "\r\n", "\n")
	case "text/html":
		m.HTML = strings.ReplaceAll(string(b), "\r\n", "\n")
	}
	return nil
}

// newlineStripper drops line breaks from base64 bodies.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	c, err := n.r.Read(p)
	out := p[:0]
	for _, b := range p[:c] {
		if b != '\r' && b != '\n' {
			out = append(out, b)
		}
	}
	return len(out), err
}

// selfSigned makes a certificate valid for loopback, and a pool that
// trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "mailtest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}

// logger sends go-smtp's error log to the test log until the server
// closes (logging after a test ends panics).
type logger struct{ s *Server }

func (l logger) Printf(format string, v ...any) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if !l.s.closed {
		l.s.t.Logf("mailtest: "+format, v...)
	}
}

func (l logger) Println(v ...any) { l.Printf("%s", fmt.Sprintln(v...)) }
