package admin

import (
	"net/http"
	"strconv"
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
	who := callerFrom(c.Request().Context())
	msgs, err := h.store.ListOutbox(c.Request().Context(), who.OrgID, limit)
	if err != nil {
		return err
	}
	out := make([]outboxMessage, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, outboxMessage{ID: m.ID, To: m.Recipient, Subject: m.Subject, Text: m.Text, HTML: m.HTML, CreatedAt: m.CreatedAt})
	}
	return c.JSON(http.StatusOK, outboxReply{Messages: out})
}
