package mailer

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"net/mail"
	"strings"
	"unicode"

	gomail "github.com/wneessen/go-mail"
)

// Sender delivers one message. *Mailer implements it; other packages
// depend on this interface so tests and an outbox can stand in.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Message is one email to one person.
type Message struct {
	To      mail.Address
	Subject string
	// Text is the plain-text body; HTML the optional alternative. At
	// least one is required, and sending Text always is kinder to
	// screen readers, text-only clients and spam filters.
	Text string
	HTML string
	// MessageID is the Message-ID without angle brackets. Leave it empty
	// to get a fresh one; set it (from NewMessageID, stored with the
	// outbox row) to keep it stable across retries so a duplicate send is
	// recognisable as the same message.
	MessageID string
	// References are Message-IDs this message follows up, oldest first
	// (a reminder refers to its invitation), so mail clients thread them.
	References []string
	// Kind is the template the message was rendered from (Render sets
	// it); metrics count messages by it. It is not sent.
	Kind Kind
}

// NewMessageID returns a fresh, unguessable Message-ID (without angle
// brackets) in domain, normally the From address's domain.
func NewMessageID(domain string) string {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)) + "@" + domain
}

// build turns a Message into go-mail's form, refusing what cannot be sent
// correctly. Header values are single-line by construction: go-mail
// encodes control characters, and we also replace CR and LF by spaces in
// the subject and display name, so nothing in them can start a header.
func (m *Mailer) build(msg Message) (*gomail.Msg, error) {
	to, err := mail.ParseAddress(msg.To.Address)
	if err != nil || to.Name != "" || to.Address != strings.TrimSpace(msg.To.Address) {
		return nil, invalid("invalid recipient address %q", msg.To.Address)
	}
	to.Name = oneLine(msg.To.Name)
	subject := oneLine(msg.Subject)
	if subject == "" {
		return nil, invalid("empty subject")
	}
	if msg.Text == "" && msg.HTML == "" {
		return nil, invalid("no body")
	}
	id := msg.MessageID
	if id == "" {
		id = NewMessageID(m.domain)
	}
	if !validMessageID(id) {
		return nil, invalid("invalid Message-ID %q (want local@domain, printable ASCII, no brackets or spaces)", id)
	}
	refs := make([]string, 0, len(msg.References))
	for _, r := range msg.References {
		if !validMessageID(r) {
			return nil, invalid("invalid reference %q", r)
		}
		refs = append(refs, "<"+r+">")
	}

	g := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	g.FromMailAddress(m.from)
	g.AddToMailAddress(to)
	g.Subject(subject)
	g.SetMessageIDWithValue(id)
	g.SetDate()
	if len(refs) > 0 {
		g.SetGenHeader(gomail.HeaderReferences, strings.Join(refs, " "))
		g.SetGenHeader(gomail.HeaderInReplyTo, refs[len(refs)-1])
	}
	// RFC 3834: automatic mail; suppresses vacation auto-replies (and
	// X-Auto-Response-Suppress does so for Exchange).
	g.SetGenHeader("Auto-Submitted", "auto-generated")
	g.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	switch {
	case msg.Text != "" && msg.HTML != "":
		g.SetBodyString(gomail.TypeTextPlain, msg.Text)
		g.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	case msg.Text != "":
		g.SetBodyString(gomail.TypeTextPlain, msg.Text)
	default:
		g.SetBodyString(gomail.TypeTextHTML, msg.HTML)
	}
	return g, nil
}

// oneLine replaces line breaks and other control characters by spaces
// and collapses runs of spaces: a header value can then never contain a
// CR or LF, which is what header injection needs.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

func validMessageID(id string) bool {
	left, right, ok := strings.Cut(id, "@")
	if !ok || left == "" || right == "" || len(id) > 250 {
		return false
	}
	for _, r := range id {
		if r <= ' ' || r > '~' || strings.ContainsRune("<>()[]\\,;:\"", r) {
			return false
		}
	}
	return strings.Count(id, "@") == 1
}
