package admin

import (
	"context"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

type outboxReply struct {
	Messages []outboxMessage `json:"messages"`
}

type outboxMessage struct {
	ID        string    `json:"id"`
	To        string    `json:"to"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text"`
	HTML      string    `json:"html"`
	CreatedAt time.Time `json:"createdAt"`
}

// listOutbox shows the messages kept instead of sent (no SMTP server
// configured), newest first: GET /admin/v1/outbox?limit=50.
func (h *Handler) listOutbox(c echo.Context) error {
	limit := 50
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return invalidField("limit", "must be a whole number from 1 to 1000")
		}
		limit = n
	}
	ctx := c.Request().Context()
	who := callerFrom(ctx)
	msgs, err := h.store.ListOutbox(ctx, who.OrgID, limit)
	if err != nil {
		return err
	}
	others, err := h.otherAdmins(ctx, who)
	if err != nil {
		return err
	}
	out := make([]outboxMessage, 0, len(msgs))
	for _, m := range msgs {
		// Mail to another admin (an export's signed download link, a
		// test email) is theirs: the link would let the reader act as
		// them. Invitations to people are what the outbox is for.
		if others[recipientAddress(m.Recipient)] {
			continue
		}
		out = append(out, outboxMessage{ID: m.ID, To: m.Recipient, Subject: m.Subject, Text: m.Text, HTML: m.HTML, CreatedAt: m.CreatedAt})
	}
	return c.JSON(http.StatusOK, outboxReply{Messages: out})
}

// otherAdmins are the lower-cased addresses of the org's admins other
// than the caller.
func (h *Handler) otherAdmins(ctx context.Context, who caller) (map[string]bool, error) {
	admins, err := h.store.ListAdmins(ctx, who.OrgID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(admins))
	for _, a := range admins {
		if a.ID != who.AdminID {
			out[strings.ToLower(a.Email)] = true
		}
	}
	return out, nil
}

// recipientAddress is the lower-cased address of a recipient written as
// "Name <addr>" or addr.
func recipientAddress(recipient string) string {
	if addr, err := mail.ParseAddress(recipient); err == nil {
		return strings.ToLower(addr.Address)
	}
	return strings.ToLower(strings.TrimSpace(recipient))
}
