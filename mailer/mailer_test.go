package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wneessen/go-mail/smtp"

	"github.com/latchkeyhq/latchkey/mailer/mailtest"
)

const testFrom = "Latchkey <noreply@latchkey.test>"

// newMailer connects a Mailer to srv, trusting its certificate; query is
// appended to the server's URL.
func newMailer(t testing.TB, srv *mailtest.Server, query string) *Mailer {
	t.Helper()
	cfg, err := ParseURL(srv.URL() + query)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, Options{From: testFrom, RootCAs: srv.CertPool()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func testMessage(to string) Message {
	return Message{
		To:      mail.Address{Name: "Ada Lovelace", Address: to},
		Subject: "Claim your account",
		Text:    "Hello Ada,\n\nOpen https://latchkey.test/claim/abc123 to claim it.\n",
		HTML:    `<p>Hello Ada, <a href="https://latchkey.test/claim/abc123">claim</a></p>`,
	}
}

func send(t *testing.T, m *Mailer, msg Message) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
}

func mustError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *mailer.Error", err, err)
	}
	return e
}

func TestSendPlainServerWithoutTLS(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{})
	m := newMailer(t, srv, "")
	msg := testMessage("ada@example.com")
	msg.References = []string{"first@latchkey.test", "second@latchkey.test"}
	send(t, m, msg)

	got := srv.Wait(1)[0]
	if got.ParseErr != nil {
		t.Fatal(got.ParseErr)
	}
	if got.TLS != nil {
		t.Fatal("a server without STARTTLS got a TLS connection?")
	}
	if got.From != "noreply@latchkey.test" || len(got.To) != 1 || got.To[0] != "ada@example.com" {
		t.Fatalf("envelope %q -> %q", got.From, got.To)
	}
	h := got.Header
	checks := map[string]string{
		"From":                     `"Latchkey" <noreply@latchkey.test>`,
		"To":                       `"Ada Lovelace" <ada@example.com>`,
		"Auto-Submitted":           "auto-generated",
		"X-Auto-Response-Suppress": "All",
		"References":               "<first@latchkey.test> <second@latchkey.test>",
		"In-Reply-To":              "<second@latchkey.test>",
	}
	for k, want := range checks {
		if h.Get(k) != want {
			t.Errorf("%s: %q, want %q", k, h.Get(k), want)
		}
	}
	if !regexp.MustCompile(`^<[a-z2-7]{32}@latchkey\.test>$`).MatchString(h.Get("Message-Id")) {
		t.Errorf("Message-ID %q", h.Get("Message-Id"))
	}
	if got.Subject != msg.Subject {
		t.Errorf("subject %q", got.Subject)
	}
	link := regexp.MustCompile(`https://\S+/claim/\S+`).FindString(got.Text)
	if link != "https://latchkey.test/claim/abc123" {
		t.Errorf("claim link %q read from text part %q", link, got.Text)
	}
	if !strings.Contains(got.HTML, `href="https://latchkey.test/claim/abc123"`) {
		t.Errorf("HTML part %q", got.HTML)
	}
}

func TestStableMessageID(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{})
	m := newMailer(t, srv, "")
	msg := testMessage("ada@example.com")
	msg.MessageID = NewMessageID("latchkey.test")
	send(t, m, msg)
	send(t, m, msg)
	got := srv.Wait(2)
	for _, g := range got {
		if g.Header.Get("Message-Id") != "<"+msg.MessageID+">" {
			t.Fatalf("Message-ID %q, want <%s>", g.Header.Get("Message-Id"), msg.MessageID)
		}
	}
}

func TestSTARTTLS(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{STARTTLS: true})
	for _, query := range []string{"", "?starttls=required"} {
		m := newMailer(t, srv, query)
		send(t, m, testMessage("ada@example.com"))
	}
	for _, got := range srv.Wait(2) {
		if got.TLS == nil || !got.TLS.HandshakeComplete || got.TLS.Version < tls.VersionTLS12 {
			t.Fatalf("message arrived without TLS: %+v", got.TLS)
		}
	}
}

func TestSTARTTLSNeverStaysPlain(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{STARTTLS: true})
	send(t, newMailer(t, srv, "?starttls=never"), testMessage("ada@example.com"))
	if got := srv.Wait(1)[0]; got.TLS != nil {
		t.Fatal("starttls=never used TLS")
	}
}

func TestUntrustedCertificateDoesNotFallBack(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{STARTTLS: true})
	cfg, _ := ParseURL(srv.URL())
	m, err := New(cfg, Options{From: testFrom}) // system roots only
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	err = m.Send(context.Background(), testMessage("ada@example.com"))
	e := mustError(t, err)
	if e.Stage != StageConnect || e.Permanent || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("error %v", err)
	}
	if srv.Count() != 0 {
		t.Fatal("a message went out after a failed TLS handshake")
	}

	insecure := newMailer(t, srv, "?insecure_skip_verify=true")
	insecure.tlsConfig.RootCAs = nil
	send(t, insecure, testMessage("ada@example.com"))
}

func TestSTARTTLSRequiredButNotOffered(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{Username: "app", Password: "pw", AllowInsecureAuth: true})
	m := newMailer(t, srv, "?starttls=required")
	err := m.Send(context.Background(), testMessage("ada@example.com"))
	e := mustError(t, err)
	if e.Stage != StageConnect || e.Permanent || !strings.Contains(err.Error(), "does not offer STARTTLS") ||
		!strings.Contains(err.Error(), "starttls=required") {
		t.Fatalf("error %v", err)
	}
	if err := m.Check(context.Background()); err == nil {
		t.Fatal("Check passed")
	}
	if srv.Count() != 0 {
		t.Fatal("a message was sent")
	}
}

func TestImplicitTLS(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{ImplicitTLS: true})
	if !strings.HasPrefix(srv.URL(), "smtps://") {
		t.Fatalf("URL %s", srv.URL())
	}
	m := newMailer(t, srv, "")
	if err := m.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	send(t, m, testMessage("ada@example.com"))
	if got := srv.Wait(1)[0]; got.TLS == nil || !got.TLS.HandshakeComplete {
		t.Fatal("smtps message arrived without TLS")
	}
}

func TestAuthPlain(t *testing.T) {
	const user, pass = "app@latchkey.test", "p@ss:w/rd%?#"
	tests := []struct {
		name string
		opts mailtest.Options
	}{
		{"over STARTTLS", mailtest.Options{STARTTLS: true}},
		{"over smtps", mailtest.Options{ImplicitTLS: true}},
		{"plain, server allows insecure auth", mailtest.Options{AllowInsecureAuth: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Username, tt.opts.Password = user, pass
			srv := mailtest.NewServer(t, tt.opts)
			for _, query := range []string{"", "?auth=plain"} {
				send(t, newMailer(t, srv, query), testMessage("ada@example.com"))
			}
			for _, got := range srv.Wait(2) {
				if got.AuthUser != user {
					t.Fatalf("logged in as %q", got.AuthUser)
				}
			}
		})
	}
}

func TestAuthFailures(t *testing.T) {
	tests := []struct {
		name  string
		opts  mailtest.Options
		url   func(*mailtest.Server) string
		stage Stage
		want  string
	}{
		{"wrong password", mailtest.Options{STARTTLS: true, Username: "app", Password: "right"},
			func(s *mailtest.Server) string { return "smtp://app:wrong@" + s.Addr() }, StageAuth, "535"},
		{"AUTH not offered without TLS", mailtest.Options{Username: "app", Password: "pw"},
			func(s *mailtest.Server) string { return s.URL() }, StageAuth, "offers no AUTH"},
		{"no credentials configured", mailtest.Options{Username: "app", Password: "pw", AllowInsecureAuth: true},
			func(s *mailtest.Server) string { return "smtp://" + s.Addr() }, StageMailFrom, "authenticate"},
		{"mechanism not offered", mailtest.Options{STARTTLS: true, Username: "app", Password: "pw"},
			func(s *mailtest.Server) string { return s.URL() + "?auth=cram-md5" }, StageAuth, "none of which"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.NewServer(t, tt.opts)
			cfg, err := ParseURL(tt.url(srv))
			if err != nil {
				t.Fatal(err)
			}
			m, err := New(cfg, Options{From: testFrom, RootCAs: srv.CertPool()})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			err = m.Send(context.Background(), testMessage("ada@example.com"))
			e := mustError(t, err)
			if e.Stage != tt.stage || e.Permanent || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v (stage %s), want temporary at %s containing %q", err, e.Stage, tt.stage, tt.want)
			}
			if strings.Contains(err.Error(), "right") || strings.Contains(err.Error(), ":wrong") {
				t.Fatalf("error %q shows a password", err)
			}
			if srv.Count() != 0 {
				t.Fatal("a message was sent")
			}
		})
	}
}

func TestRecipientRejections(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{Rcpt: func(to string) error {
		switch to {
		case "gone@example.com":
			return mailtest.Reply(550, "5.1.1", "no such user")
		case "full@example.com":
			return mailtest.Reply(452, "4.2.2", "mailbox full")
		case "greylist@example.com":
			return mailtest.Reply(451, "", "try again later")
		case "relay@example.com":
			return mailtest.Reply(530, "5.7.0", "authentication required")
		}
		return nil
	}})
	m := newMailer(t, srv, "")
	tests := []struct {
		to        string
		code      int
		enhanced  string
		permanent bool
	}{
		{"gone@example.com", 550, "5.1.1", true},
		{"full@example.com", 452, "4.2.2", false},
		{"greylist@example.com", 451, "4.0.0", false},
		{"relay@example.com", 530, "5.7.0", false},
	}
	for _, tt := range tests {
		t.Run(tt.to, func(t *testing.T) {
			err := m.Send(context.Background(), testMessage(tt.to))
			e := mustError(t, err)
			if e.Stage != StageRcptTo || e.Code != tt.code || e.EnhancedCode != tt.enhanced ||
				e.Permanent != tt.permanent || IsPermanent(err) != tt.permanent {
				t.Fatalf("error %v: stage %s code %d enhanced %q permanent %v", err, e.Stage, e.Code, e.EnhancedCode, e.Permanent)
			}
			// The next message still goes through.
			send(t, m, testMessage("ada@example.com"))
		})
	}
	if got := srv.Wait(len(tests)); len(got) != len(tests) {
		t.Fatalf("%d messages", len(got))
	}
}

func TestConnectionRefusedIsTemporary(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg, _ := ParseURL("smtp://" + addr)
	m, err := New(cfg, Options{From: testFrom})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	err = m.Send(context.Background(), testMessage("ada@example.com"))
	e := mustError(t, err)
	if e.Stage != StageConnect || e.Permanent || IsPermanent(err) || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("error %v", err)
	}
}

func TestInvalidMessagesArePermanent(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{})
	m := newMailer(t, srv, "")
	tests := []struct {
		name   string
		change func(*Message)
	}{
		{"no address", func(m *Message) { m.To.Address = "" }},
		{"not an address", func(m *Message) { m.To.Address = "ada" }},
		{"name in address", func(m *Message) { m.To.Address = "Ada <ada@example.com>" }},
		{"CRLF in address", func(m *Message) { m.To.Address = "ada@example.com\r\nRCPT TO:<x@evil.test>" }},
		{"empty subject", func(m *Message) { m.Subject = " \r\n " }},
		{"no body", func(m *Message) { m.Text, m.HTML = "", "" }},
		{"bad Message-ID", func(m *Message) { m.MessageID = "a b@c" }},
		{"bad reference", func(m *Message) { m.References = []string{"<x@y>"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := testMessage("ada@example.com")
			tt.change(&msg)
			err := m.Send(context.Background(), msg)
			if e := mustError(t, err); e.Stage != StageMessage || !IsPermanent(err) {
				t.Fatalf("error %v", err)
			}
		})
	}
	if srv.Connections() != 0 {
		t.Fatal("connected for an invalid message")
	}
}

func TestHeaderInjectionNeutralised(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{})
	m := newMailer(t, srv, "")
	msg := testMessage("ada@example.com")
	msg.Subject = "Welcome\r\nBcc: victim@evil.test\r\n\r\nInjected body"
	msg.To.Name = "Ada\r\nCc: other@evil.test"
	send(t, m, msg)
	got := srv.Wait(1)[0]
	if got.ParseErr != nil {
		t.Fatal(got.ParseErr)
	}
	if len(got.To) != 1 || got.Header.Get("Bcc") != "" || got.Header.Get("Cc") != "" {
		t.Fatalf("injected recipients: envelope %q, headers %v", got.To, got.Header)
	}
	if got.Subject != "Welcome Bcc: victim@evil.test Injected body" {
		t.Fatalf("subject %q", got.Subject)
	}
	if strings.Contains(got.Text, "Injected") {
		t.Fatal("subject text reached the body")
	}
}

func TestConnectionReuse(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{STARTTLS: true})
	m := newMailer(t, srv, "")
	for i := range 10 {
		send(t, m, testMessage(fmt.Sprintf("p%d@example.com", i)))
	}
	srv.Wait(10)
	if n := srv.Connections(); n != 1 {
		t.Fatalf("10 sequential messages used %d connections, want 1", n)
	}

	srv2 := mailtest.NewServer(t, mailtest.Options{})
	m2 := newMailer(t, srv2, "?max_msgs_per_conn=3")
	for i := range 10 {
		send(t, m2, testMessage(fmt.Sprintf("p%d@example.com", i)))
	}
	srv2.Wait(10)
	if n := srv2.Connections(); n != 4 {
		t.Fatalf("10 messages at 3 per connection used %d connections, want 4", n)
	}
}

func TestConcurrentSendsRespectMaxConns(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{STARTTLS: true})
	m := newMailer(t, srv, "?max_conns=3")
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for i := range 60 {
		wg.Go(func() {
			errs <- m.Send(context.Background(), testMessage(fmt.Sprintf("p%d@example.com", i)))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	srv.Wait(60)
	if n := srv.Connections(); n > 3 {
		t.Fatalf("%d connections, max_conns is 3", n)
	}
}

func TestServerDroppedIdleConnectionIsRetried(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{IdleTimeout: 100 * time.Millisecond})
	m := newMailer(t, srv, "")
	send(t, m, testMessage("ada@example.com"))
	time.Sleep(300 * time.Millisecond) // the server says 421 and hangs up
	send(t, m, testMessage("ada@example.com"))
	srv.Wait(2)
	if n := srv.Connections(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
}

func TestIdleConnectionsAreClosed(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{})
	cfg, _ := ParseURL(srv.URL())
	cfg.IdleTimeout = 50 * time.Millisecond
	m, err := New(cfg, Options{From: testFrom})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	send(t, m, testMessage("ada@example.com"))
	deadline := time.Now().Add(5 * time.Second)
	for {
		m.mu.Lock()
		idle := len(m.idle)
		m.mu.Unlock()
		if idle == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("idle connection never reaped")
		}
		time.Sleep(10 * time.Millisecond)
	}
	send(t, m, testMessage("ada@example.com"))
	if n := srv.Connections(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
}

func TestContextCancelsASlowServer(t *testing.T) {
	release := make(chan struct{})
	srv := mailtest.NewServer(t, mailtest.Options{Rcpt: func(string) error {
		<-release
		return nil
	}})
	defer close(release)
	m := newMailer(t, srv, "")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := m.Send(ctx, testMessage("ada@example.com"))
	if time.Since(start) > 5*time.Second {
		t.Fatalf("Send took %v despite a 200ms context", time.Since(start))
	}
	if IsPermanent(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v", err)
	}

	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := m.Send(cancelled, testMessage("ada@example.com")); !errors.Is(err, context.Canceled) || IsPermanent(err) {
		t.Fatalf("error %v", err)
	}
}

func TestCheckAndClose(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{STARTTLS: true, Username: "app", Password: "pw"})
	m := newMailer(t, srv, "")
	if err := m.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	send(t, m, testMessage("ada@example.com"))
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), testMessage("ada@example.com")); !errors.Is(err, ErrClosed) || IsPermanent(err) {
		t.Fatalf("Send after Close: %v", err)
	}
	if srv.Count() != 1 {
		t.Fatalf("%d messages", srv.Count())
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	cfg, _ := ParseURL("smtp://localhost:25")
	for _, from := range []string{"", "not an address", "Latchkey <noreply@>"} {
		if _, err := New(cfg, Options{From: from}); err == nil {
			t.Errorf("From %q accepted", from)
		}
	}
	if _, err := New(SMTPConfig{}, Options{From: testFrom}); err == nil {
		t.Error("empty SMTPConfig accepted")
	}
	bad := cfg
	bad.CAFile = "/nonexistent/ca.pem"
	if _, err := New(bad, Options{From: testFrom}); err == nil || !strings.Contains(err.Error(), "ca_file") {
		t.Errorf("missing CA file: %v", err)
	}
}

// The compile-time check that *Mailer is a Sender.
var _ Sender = (*Mailer)(nil)

func TestAuthChoice(t *testing.T) {
	cfg := SMTPConfig{Host: "mail.example.com", Username: "app", Password: "pw", Auth: AuthAuto}
	tests := []struct {
		name    string
		auth    AuthMechanism
		server  smtp.ServerInfo
		mech    string
		wantErr string
	}{
		{"prefers SCRAM", AuthAuto, smtp.ServerInfo{Name: cfg.Host, TLS: true, Auth: []string{"PLAIN", "LOGIN", "SCRAM-SHA-256"}}, "SCRAM-SHA-256", ""},
		{"PLAIN over TLS", AuthAuto, smtp.ServerInfo{Name: cfg.Host, TLS: true, Auth: []string{"LOGIN", "PLAIN"}}, "PLAIN", ""},
		{"explicit LOGIN", AuthLogin, smtp.ServerInfo{Name: cfg.Host, TLS: true, Auth: []string{"PLAIN", "LOGIN"}}, "LOGIN", ""},
		{"no password in clear text to a remote host", AuthAuto, smtp.ServerInfo{Name: cfg.Host, Auth: []string{"PLAIN"}}, "", "clear text"},
		{"SCRAM is fine without TLS", AuthAuto, smtp.ServerInfo{Name: cfg.Host, Auth: []string{"PLAIN", "SCRAM-SHA-1"}}, "SCRAM-SHA-1", ""},
		{"nothing offered", AuthAuto, smtp.ServerInfo{Name: cfg.Host, TLS: true}, "", "offers no AUTH"},
		{"nothing usable", AuthAuto, smtp.ServerInfo{Name: cfg.Host, TLS: true, Auth: []string{"GSSAPI"}}, "", "none of which"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cfg
			c.Auth = tt.auth
			mech, _, err := (&chooseAuth{cfg: c}).Start(&tt.server)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || mech != tt.mech {
				t.Fatalf("mechanism %q, error %v; want %q", mech, err, tt.mech)
			}
		})
	}
}
