package mailer

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/mailer/mailtest"
)

func TestDefaultTemplatesValidate(t *testing.T) {
	for _, kind := range Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			def, err := DefaultTemplate(kind)
			if err != nil {
				t.Fatal(err)
			}
			if def.Subject == "" || def.Text == "" || def.HTML == "" {
				t.Fatalf("default template has an empty part: %+v", def)
			}
			if err := Validate(kind, def); err != nil {
				t.Fatal(err)
			}
			if err := Validate(kind, Template{}); err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, err := DefaultTemplate("welcome"); err == nil {
		t.Fatal("unknown kind accepted")
	}
	if _, err := Compile("../templates/invitation", Template{}); err == nil {
		t.Fatal("path-like kind accepted")
	}
}

func TestRenderInvitation(t *testing.T) {
	c, err := Compile(KindInvitation, Template{})
	if err != nil {
		t.Fatal(err)
	}
	d := Data{
		OrgName:       "Acme & Sons",
		Name:          "Ada Lovelace",
		GivenName:     "Ada",
		Link:          "https://latchkey.example.com/claim/tok_123?x=1&y=2",
		CustomMessage: "Welcome!\n\nBring <your> badge.",
		ExpiresAt:     time.Date(2030, 1, 2, 15, 4, 0, 0, time.UTC),
	}
	msg, err := c.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Subject != "Acme & Sons has set up an account for you" {
		t.Errorf("subject %q", msg.Subject)
	}
	for _, want := range []string{"Hello Ada,", d.Link, "Bring <your> badge.", "2 January 2030 15:04 UTC"} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("text body lacks %q:\n%s", want, msg.Text)
		}
	}
	for _, want := range []string{
		`href="https://latchkey.example.com/claim/tok_123?x=1&amp;y=2"`,
		"Acme &amp; Sons",
		"<p>Welcome!</p>",
		"<p>Bring &lt;your&gt; badge.</p>",
	} {
		if !strings.Contains(msg.HTML, want) {
			t.Errorf("HTML body lacks %q:\n%s", want, msg.HTML)
		}
	}
	// Without the optional fields nothing dangles.
	msg, err = c.Render(Data{OrgName: "Acme", Link: d.Link})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(msg.Text, "Hello,\n") || strings.Contains(msg.Text, "message from") || strings.Contains(msg.Text, "until") {
		t.Errorf("text body without optional data:\n%s", msg.Text)
	}
}

func TestRenderEscapesHostileValues(t *testing.T) {
	for _, kind := range Kinds() {
		c, err := Compile(kind, Template{})
		if err != nil {
			t.Fatal(err)
		}
		msg, err := c.Render(Data{
			OrgName:       "Evil\r\nBcc: victim@evil.test",
			Name:          `<script>alert("name")</script>`,
			GivenName:     `<script>alert("given")</script>`,
			Link:          "javascript:alert(1)",
			CustomMessage: `<img src=x onerror=alert(1)>`,
		})
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(msg.Subject, "\r\n") {
			t.Errorf("%s: subject %q has a line break", kind, msg.Subject)
		}
		if strings.Contains(msg.HTML, "<script>") || strings.Contains(msg.HTML, "<img") {
			t.Errorf("%s: HTML not escaped:\n%s", kind, msg.HTML)
		}
		if !strings.Contains(msg.HTML, "&lt;script&gt;") {
			t.Errorf("%s: escaped name missing:\n%s", kind, msg.HTML)
		}
		if strings.Contains(msg.HTML, `href="javascript:`) {
			t.Errorf("%s: javascript: URL in href:\n%s", kind, msg.HTML)
		}
	}
}

func TestCustomTemplate(t *testing.T) {
	custom := Template{Subject: "Join {{.OrgName}}, {{.GivenName}}!"}
	if err := Validate(KindReminder, custom); err != nil {
		t.Fatal(err)
	}
	c, err := Compile(KindReminder, custom)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := c.Render(Data{OrgName: "Acme", GivenName: "Ada", Link: "https://x.test/c/1"})
	if err != nil {
		t.Fatal(err)
	}
	if msg.Subject != "Join Acme, Ada!" || !strings.Contains(msg.Text, "https://x.test/c/1") || msg.HTML == "" {
		t.Fatalf("custom subject with default bodies: %+v", msg)
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name string
		tmpl Template
		want string
	}{
		{"syntax", Template{Subject: "Hi {{.Name"}, "subject"},
		{"unknown field", Template{Text: "{{.Nmae}} {{.Link}}"}, "Nmae"},
		{"unknown field in an optional branch", Template{Text: "{{if .CustomMessage}}{{.Mesage}}{{end}}"}, "Mesage"},
		{"unknown field when data is missing", Template{Text: "{{if not .CustomMessage}}{{.Mesage}}{{end}}x"}, "Mesage"},
		{"unknown function", Template{HTML: "{{shout .Name}}"}, "shout"},
		{"paragraphs is HTML only", Template{Text: "{{paragraphs .CustomMessage}}"}, "paragraphs"},
		{"range", Template{Text: "{{range 1000000000}}{{end}}"}, "{{range}} is not allowed"},
		{"range in if", Template{HTML: "{{if .Name}}{{range .Link}}x{{end}}{{end}}"}, "{{range}} is not allowed"},
		{"define", Template{Text: `{{define "a"}}x{{end}}y`}, "{{define}}"},
		{"template call", Template{Text: `{{template "text body"}}`}, "{{template}} is not allowed"},
		{"block", Template{HTML: `{{block "b" .}}x{{end}}`}, "not allowed"},
		{"empty subject", Template{Subject: "{{if false}}x{{end}} \n"}, "subject"},
		{"empty text", Template{Text: "{{if false}}x{{end}}"}, "text body"},
		{"huge output", Template{HTML: strings.Repeat(`{{printf "%900000s" ""}}`, 1)}, "longer than"},
		{"huge subject", Template{Subject: `{{printf "%5000s" "x"}}`}, "longer than"},
		{"huge source", Template{Text: strings.Repeat("x", 70<<10)}, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(KindInvitation, tt.tmpl)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), "invitation") {
				t.Fatalf("error %q does not name the template", err)
			}
		})
	}
}

func TestParagraphs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  \n ", ""},
		{"one", "<p>one</p>\n"},
		{"a\r\nb\n\n\n  c <d>", "<p>a<br>\nb</p>\n<p>c &lt;d&gt;</p>\n"},
	}
	for _, tt := range tests {
		if got := string(paragraphs(tt.in)); got != tt.want {
			t.Errorf("paragraphs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestInvitationEndToEnd renders the default invitation, sends it and
// reads the claim link back out of the delivered text part, the way the
// claim package's tests will.
func TestInvitationEndToEnd(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{STARTTLS: true})
	m := newMailer(t, srv, "?starttls=required")
	c, err := Compile(KindInvitation, Template{})
	if err != nil {
		t.Fatal(err)
	}
	link := "https://latchkey.example.com/claim/lkc_Zm9vYmFyYmF6cXV4"
	msg, err := c.Render(Data{OrgName: "Acme", Name: "<script>x</script>", Link: link})
	if err != nil {
		t.Fatal(err)
	}
	msg.To = mail.Address{Name: "Ada", Address: "ada@example.com"}
	if err := m.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(1)[0]
	if got.ParseErr != nil {
		t.Fatal(got.ParseErr)
	}
	if found := regexp.MustCompile(`https://\S+/claim/\S+`).FindString(got.Text); found != link {
		t.Fatalf("claim link %q, want %q, in:\n%s", found, link, got.Text)
	}
	if !strings.Contains(got.HTML, "Hello &lt;script&gt;x&lt;/script&gt;,") || strings.Contains(got.HTML, "<script>") {
		t.Fatalf("HTML part:\n%s", got.HTML)
	}
	if got.Subject != "Acme has set up an account for you" {
		t.Fatalf("subject %q", got.Subject)
	}
}
