package claim

import (
	"context"
	"log/slog"
	"net/mail"
	"strings"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/mailer"
)

// Postman hands a rendered message to its way out: SMTP, or the outbox
// when no SMTP server is configured.
type Postman interface {
	Post(ctx context.Context, orgID string, m mailer.Message) error
}

// SMTPPostman sends through an SMTP server.
type SMTPPostman struct{ Sender mailer.Sender }

// Post implements Postman.
func (p SMTPPostman) Post(ctx context.Context, _ string, m mailer.Message) error {
	return p.Sender.Send(ctx, m)
}

// OutboxPostman keeps messages in the database for admins to read at
// GET /admin/v1/outbox, and announces each in the log without the secret
// part of any claim link, so a newcomer without SMTP can still follow
// one from the outbox.
type OutboxPostman struct {
	Store  directory.Store
	Logger *slog.Logger
}

// Post implements Postman.
func (p OutboxPostman) Post(ctx context.Context, orgID string, m mailer.Message) error {
	msg := directory.OutboxMessage{OrgID: orgID, Recipient: m.To.String(), Subject: m.Subject, Text: m.Text, HTML: m.HTML}
	if err := p.Store.AppendOutbox(ctx, &msg); err != nil {
		return err
	}
	if p.Logger != nil {
		p.Logger.InfoContext(ctx, "message kept in the outbox (no SMTP server configured); read it at GET /admin/v1/outbox",
			"org_id", orgID, "to", m.To.Address, "subject", m.Subject, "outbox_id", msg.ID)
	}
	return nil
}

// recipient is the account's address with its name, for the To header.
func recipient(a directory.Account) mail.Address {
	name := strings.TrimSpace(a.DisplayName)
	if name == "" {
		name = strings.TrimSpace(a.GivenName + " " + a.FamilyName)
	}
	return mail.Address{Name: name, Address: a.PrimaryEmail()}
}
