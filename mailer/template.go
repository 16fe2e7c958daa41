package mailer

import (
	"embed"
	"errors"
	"fmt"
	htemplate "html/template"
	"regexp"
	"slices"
	"strings"
	ttemplate "text/template"
	"text/template/parse"
	"time"
	"unicode/utf8"
)

// Kind is a kind of email Latchkey sends; each has a default template
// and may have an organization's own.
type Kind string

// The kinds of email.
const (
	KindInvitation  Kind = "invitation"
	KindReminder    Kind = "reminder"
	KindExportReady Kind = "export_ready"
)

// Kinds lists every kind, for admin UIs and tests.
func Kinds() []Kind { return []Kind{KindInvitation, KindReminder, KindExportReady} }

// Template is the source of one kind of email: Subject and Text use
// text/template, HTML uses html/template, so values inserted into the
// HTML are escaped for where they land (element text, attribute, URL).
// An empty field means the default for the kind, so an organization can
// change only the subject, say.
//
// Templates see a Data value ({{.OrgName}}, {{.Link}}, ...). The HTML
// template also has {{paragraphs .CustomMessage}}, which escapes the text
// and keeps its line breaks. Because organization admins write
// templates, {{range}}, {{template}}, {{define}} and {{block}} are not
// allowed (they can loop or recurse without bound), and output is
// capped in size.
type Template struct {
	Subject string
	Text    string
	HTML    string
}

// Data is what a template can show.
type Data struct {
	OrgName string
	// Name is the person's full display name, GivenName the first name;
	// either may be empty.
	Name      string
	GivenName string
	Email     string
	// Link is the claim link (invitation, reminder) or the download link
	// (export ready).
	Link string
	// CustomMessage is the admin's note for this invitation, plain text.
	CustomMessage string
	// ExpiresAt is when Link stops working; zero when it does not expire.
	ExpiresAt time.Time
}

// Size limits: a template is an admin's text, and its output goes into
// a mail header or body.
const (
	maxTemplateSource = 64 << 10
	maxSubject        = 400
	maxBody           = 512 << 10
)

//go:embed templates
var defaultTemplates embed.FS

// DefaultTemplate returns the built-in source for kind, a starting point
// for an organization's own.
func DefaultTemplate(kind Kind) (Template, error) {
	if !slices.Contains(Kinds(), kind) {
		return Template{}, fmt.Errorf("mailer: unknown email kind %q", kind)
	}
	var t Template
	for _, f := range []struct {
		dst  *string
		name string
	}{{&t.Subject, ".subject.txt"}, {&t.Text, ".txt"}, {&t.HTML, ".html"}} {
		b, err := defaultTemplates.ReadFile("templates/" + string(kind) + f.name)
		if err != nil {
			return Template{}, fmt.Errorf("mailer: default %s template: %w", kind, err)
		}
		*f.dst = string(b)
	}
	return t, nil
}

// Compiled is a parsed Template, ready to Render many times. It is safe
// for concurrent use.
type Compiled struct {
	kind    Kind
	subject *ttemplate.Template
	text    *ttemplate.Template
	html    *htemplate.Template
}

// Compile parses t, filling empty fields from kind's default. It checks
// syntax and the allowed constructs but not field names; Validate does
// that too.
func Compile(kind Kind, t Template) (*Compiled, error) {
	def, err := DefaultTemplate(kind)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(t.Subject) == "" {
		t.Subject = def.Subject
	}
	if strings.TrimSpace(t.Text) == "" {
		t.Text = def.Text
	}
	if strings.TrimSpace(t.HTML) == "" {
		t.HTML = def.HTML
	}
	c := &Compiled{kind: kind}
	// Errors name the part and line: "template: HTML body:3: ...".
	wrap := func(err error) error { return fmt.Errorf("mailer: %s template: %w", kind, err) }
	if c.subject, err = parseText("subject", t.Subject); err != nil {
		return nil, wrap(err)
	}
	if c.text, err = parseText("text body", t.Text); err != nil {
		return nil, wrap(err)
	}
	if c.html, err = parseHTML("HTML body", t.HTML); err != nil {
		return nil, wrap(err)
	}
	return c, nil
}

func parseText(name, src string) (*ttemplate.Template, error) {
	if len(src) > maxTemplateSource {
		return nil, fmt.Errorf("template: %s: longer than %d bytes", name, maxTemplateSource)
	}
	t, err := ttemplate.New(name).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, err
	}
	return t, checkConstructs(name, t.Tree, len(t.Templates()))
}

func parseHTML(name, src string) (*htemplate.Template, error) {
	if len(src) > maxTemplateSource {
		return nil, fmt.Errorf("template: %s: longer than %d bytes", name, maxTemplateSource)
	}
	t, err := htemplate.New(name).Option("missingkey=error").
		Funcs(htemplate.FuncMap{"paragraphs": paragraphs}).Parse(src)
	if err != nil {
		return nil, err
	}
	return t, checkConstructs(name, t.Tree, len(t.Templates()))
}

// checkConstructs refuses what could make rendering run away: an
// organization admin's template must not loop (range, which also ranges
// over integers) or call templates (recursion).
func checkConstructs(name string, tree *parse.Tree, templates int) error {
	if tree == nil || templates > 1 {
		return fmt.Errorf("template: %s: {{define}} and {{block}} are not allowed", name)
	}
	var walk func(parse.Node) error
	walk = func(n parse.Node) error {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return nil
			}
			for _, c := range n.Nodes {
				if err := walk(c); err != nil {
					return err
				}
			}
		case *parse.IfNode:
			return errors.Join(walk(n.List), walk(n.ElseList))
		case *parse.WithNode:
			return errors.Join(walk(n.List), walk(n.ElseList))
		case *parse.RangeNode:
			loc, _ := tree.ErrorContext(n)
			return fmt.Errorf("template: %s: {{range}} is not allowed", loc)
		case *parse.TemplateNode:
			loc, _ := tree.ErrorContext(n)
			return fmt.Errorf("template: %s: {{template}} is not allowed", loc)
		}
		return nil
	}
	return walk(tree.Root)
}

// Render executes the template with d. The result has Subject, Text and
// HTML set; the caller adds the recipient (and a Message-ID).
func (c *Compiled) Render(d Data) (Message, error) {
	var subject, text, html limitedBuilder
	subject.max, text.max, html.max = maxSubject*4, maxBody, maxBody
	wrap := func(part string, err error) error {
		return fmt.Errorf("mailer: rendering %s %s: %w", c.kind, part, err)
	}
	if err := c.subject.Execute(&subject, d); err != nil {
		return Message{}, wrap("subject", err)
	}
	if err := c.text.Execute(&text, d); err != nil {
		return Message{}, wrap("text body", err)
	}
	if err := c.html.Execute(&html, d); err != nil {
		return Message{}, wrap("HTML body", err)
	}
	msg := Message{Subject: oneLine(subject.String()), Text: text.String(), HTML: html.String(), Kind: c.kind}
	if msg.Subject == "" {
		return Message{}, wrap("subject", errors.New("renders empty"))
	}
	if utf8.RuneCountInString(msg.Subject) > maxSubject {
		return Message{}, wrap("subject", fmt.Errorf("longer than %d characters", maxSubject))
	}
	if strings.TrimSpace(msg.Text) == "" {
		return Message{}, wrap("text body", errors.New("renders empty"))
	}
	return msg, nil
}

// Validate checks an admin-supplied template before it is saved: it must
// parse, use only allowed constructs and known fields, and render a
// non-empty subject and text body both for a fully filled-in person and
// for one with only the required fields (so a field misspelled inside
// {{if .CustomMessage}} is caught as well).
func Validate(kind Kind, t Template) error {
	c, err := Compile(kind, t)
	if err != nil {
		return err
	}
	for _, d := range sampleData() {
		if _, err := c.Render(d); err != nil {
			return err
		}
	}
	return nil
}

func sampleData() []Data {
	return []Data{{
		OrgName:       "Example Ltd",
		Name:          "Ada Lovelace",
		GivenName:     "Ada",
		Email:         "ada@example.com",
		Link:          "https://latchkey.example.com/claim/SAMPLE",
		CustomMessage: "Welcome aboard!\n\nSee you on Monday.",
		ExpiresAt:     time.Date(2030, 1, 2, 15, 4, 5, 0, time.UTC),
	}, {
		OrgName: "Example Ltd",
		Link:    "https://latchkey.example.com/claim/SAMPLE",
	}}
}

var blankLines = regexp.MustCompile(`\n[ \t]*\n\s*`)

// paragraphs renders plain text as HTML paragraphs: escaped, blank lines
// separating paragraphs, single line breaks kept as <br>.
func paragraphs(s string) htemplate.HTML {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, p := range blankLines.Split(s, -1) {
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(htemplate.HTMLEscapeString(p), "\n", "<br>\n"))
		b.WriteString("</p>\n")
	}
	return htemplate.HTML(b.String()) //nolint:gosec // built from escaped text
}

// limitedBuilder stops a template whose output grows past max.
type limitedBuilder struct {
	strings.Builder
	max int
}

func (b *limitedBuilder) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, fmt.Errorf("output longer than %d bytes", b.max)
	}
	return b.Builder.Write(p)
}
