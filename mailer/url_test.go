package mailer

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		raw  string
		want SMTPConfig
	}{
		{"smtp://mail.example.com", SMTPConfig{Host: "mail.example.com", Port: 587, Security: STARTTLSAuto}},
		{"smtp://localhost:25", SMTPConfig{Host: "localhost", Port: 25, Security: STARTTLSAuto}},
		{"SMTP://relay:2525/", SMTPConfig{Host: "relay", Port: 2525, Security: STARTTLSAuto}},
		{"smtps://mail.example.com", SMTPConfig{Host: "mail.example.com", Port: 465, Security: ImplicitTLS}},
		{"smtp://[::1]:2525", SMTPConfig{Host: "::1", Port: 2525, Security: STARTTLSAuto}},
		{"smtp://user:p%40ss%3Aw%2Frd@mail.example.com?starttls=required",
			SMTPConfig{Host: "mail.example.com", Port: 587, Username: "user", Password: "p@ss:w/rd", Security: STARTTLSRequired}},
		{"smtp://u%40example.com:secret@mail.example.com:587?starttls=never",
			SMTPConfig{Host: "mail.example.com", Port: 587, Username: "u@example.com", Password: "secret", Security: STARTTLSNever}},
		{"smtp://relay?auth=LOGIN&helo=app.example.com&ca_file=/etc/ca.pem&insecure_skip_verify=false",
			SMTPConfig{Host: "relay", Port: 587, Security: STARTTLSAuto, Auth: AuthLogin, HELO: "app.example.com", CAFile: "/etc/ca.pem"}},
		{"smtps://relay?timeout=5s&max_conns=16&max_msgs_per_conn=1&idle_timeout=2m&insecure_skip_verify=true",
			SMTPConfig{Host: "relay", Port: 465, Security: ImplicitTLS, Timeout: 5 * time.Second, MaxConns: 16,
				MaxMessagesPerConn: 1, IdleTimeout: 2 * time.Minute, InsecureSkipVerify: true}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := ParseURL(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want.Auth == "" {
				want.Auth = AuthAuto
			}
			if want.Timeout == 0 {
				want.Timeout = DefaultTimeout
			}
			if want.MaxConns == 0 {
				want.MaxConns = DefaultMaxConns
			}
			if want.MaxMessagesPerConn == 0 {
				want.MaxMessagesPerConn = DefaultMaxMessagesPerConn
			}
			if want.IdleTimeout == 0 {
				want.IdleTimeout = DefaultIdleTimeout
			}
			if got != want {
				t.Fatalf("got  %#v\nwant %#v", fields(got), fields(want))
			}
		})
	}
}

// fields prints every field, password included, for test failures only.
type fields SMTPConfig

func TestParseURLErrors(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"", "is empty"},
		{"   ", "is empty"},
		{"mail.example.com:587", "scheme"},
		{"http://mail.example.com", `scheme "http"`},
		{"smtp:mail.example.com", "two slashes"},
		{"smtp://", "no host"},
		{"smtp://:25", "no host"},
		{"smtp://::1", "invalid host"},
		{"smtp://[mail.example.com]:25", "cannot be parsed"},
		{"smtp://mail!example.com", "invalid host"},
		{"smtp://mail%20example.com", "cannot be parsed"},
		{"smtp://mail.example.com:0", "invalid port"},
		{"smtp://mail.example.com:70000", "invalid port"},
		{"smtp://mail.example.com:smtp", "check the host and port"},
		{"smtp://mail.example.com:", "empty port"},
		{"smtp://mail.example.com/inbox", "path"},
		{"smtp://mail.example.com#x", "fragment"},
		{"smtp://user@mail.example.com", "no password"},
		{"smtp://user:@mail.example.com", "no password"},
		{"smtp://:secret@mail.example.com", "no user name"},
		{"smtp://user:pa/ss@mail.example.com", "percent-encode"},
		{"smtp://user:12345/ss@mail.example.com", "%2F"},
		{"smtp://mail.example.com?startls=required", `unknown parameter "startls"`},
		{"smtp://mail.example.com?starttls=always", "auto, required or never"},
		{"smtp://mail.example.com?starttls=required&starttls=never", "repeats"},
		{"smtps://mail.example.com?starttls=required", "smtp:// only"},
		{"smtp://mail.example.com?auth=ntlm", "expected auto, plain"},
		{"smtp://mail.example.com?timeout=5", "duration"},
		{"smtp://mail.example.com?timeout=0s", "duration"},
		{"smtp://mail.example.com?timeout=2h", "duration"},
		{"smtp://mail.example.com?idle_timeout=-1s", "duration"},
		{"smtp://mail.example.com?max_conns=0", "between 1 and 100"},
		{"smtp://mail.example.com?max_conns=x", "between 1 and 100"},
		{"smtp://mail.example.com?max_msgs_per_conn=0", "between 1 and 100000"},
		{"smtp://mail.example.com?insecure_skip_verify=yes", "true or false"},
		{"smtp://mail.example.com?helo=a%20b", "host name"},
		{"smtp://mail.example.com?ca_file=", "file path"},
		{"smtp://mail.example.com?a=%zz", "malformed query"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			_, err := ParseURL(tt.raw)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "mailer: SMTP URL ") {
				t.Fatalf("error %q does not say what it is about", err)
			}
		})
	}
}

func TestPasswordNeverShown(t *testing.T) {
	const secret = "Sup3rSecretPassw0rd"
	cfg, err := ParseURL("smtp://user:" + secret + "@mail.example.com?starttls=required&auth=plain")
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("smtp", "config", cfg)
	for _, s := range []string{
		cfg.String(), fmt.Sprint(cfg), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg), logged.String(),
	} {
		if strings.Contains(s, secret) {
			t.Fatalf("password shown in %q", s)
		}
	}
	if want := "smtp://user:xxxxx@mail.example.com:587?auth=plain&starttls=required"; cfg.String() != want {
		t.Fatalf("String() = %q, want %q", cfg.String(), want)
	}
	// A URL that fails to parse must not echo the password either.
	for _, raw := range []string{
		"smtp://user:" + secret + "@bad host:25",
		"smtp://user:" + secret + "/x@mail.example.com",
		"smtp://user:" + secret + "#x@mail.example.com",
		"smtp://user:1234567890/" + secret + "@mail.example.com",
		"smtp://" + secret + "@mail.example.com",
		"smtp://user:" + secret + "@mail.example.com:99999",
	} {
		_, err = ParseURL(raw)
		if err == nil || strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "1234567890") {
			t.Fatalf("ParseURL(%q) error %v", raw, err)
		}
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"smtp://mail.example.com", "smtps://u:p@h:465?timeout=3s", "smtp://[::1]:25?starttls=never",
		"smtp://u:p%40@h?auth=plain&max_conns=3", "smtp://h?x=1", "smtp:opaque", "smtp://u:pw@h:99999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		cfg, err := ParseURL(raw)
		var password string
		if u, perr := url.Parse(strings.TrimSpace(raw)); perr == nil && u.User != nil {
			password, _ = u.User.Password()
		}
		if err != nil {
			if len(password) >= 6 && strings.Contains(err.Error(), password) {
				t.Fatalf("error %q reveals the password", err)
			}
			return
		}
		if cfg.Host == "" || cfg.Port < 1 || cfg.Port > 65535 || cfg.Timeout <= 0 || cfg.MaxConns < 1 {
			t.Fatalf("accepted an unusable config %#v", fields(cfg))
		}
		if (cfg.Username == "") != (cfg.Password == "") {
			t.Fatalf("user without password or the reverse: %#v", fields(cfg))
		}
		other := cfg
		other.Password = "something else"
		if cfg.String() != other.String() {
			t.Fatalf("String %q depends on the password", cfg.String())
		}
		again, err := ParseURL(cfg.String())
		if err != nil {
			t.Fatalf("String() %q does not parse: %v", cfg.String(), err)
		}
		if again.Host != cfg.Host || again.Port != cfg.Port || again.Security != cfg.Security || again.Auth != cfg.Auth {
			t.Fatalf("String() %q does not round-trip: %#v vs %#v", cfg.String(), fields(again), fields(cfg))
		}
	})
}
