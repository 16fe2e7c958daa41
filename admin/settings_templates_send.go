package admin

import (
	"bytes"
	"io"
	"net/http"
	"net/mail"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/mailer"
)

// previewTemplate renders the stored template, or the draft in the
// body, with sample data; it sends and stores nothing.
func (h *Handler) previewTemplate(c echo.Context) error {
	msg, err := h.renderSample(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, templatePreview{Subject: msg.Subject, Text: msg.Text, HTML: msg.HTML})
}

// testTemplate sends the rendered sample to the calling admin's own
// address: "send me a test email".
func (h *Handler) testTemplate(c echo.Context) error {
	msg, err := h.renderSample(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	who := callerFrom(ctx)
	msg.To = mail.Address{Address: who.Email}
	if err := h.postman.Post(ctx, who.OrgID, msg); err != nil {
		return err
	}
	err = h.store.InTx(ctx, func(tx directory.Store) error {
		return audit(c, tx, "template.test", "template", c.Param("kind"), map[string]any{"to": who.Email})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, templateTestReply{SentTo: who.Email})
}

// renderSample renders the path's kind for a sample person: the draft
// in the body when there is one (checked as PUT checks it), else the
// organization's template or the default.
func (h *Handler) renderSample(c echo.Context) (mailer.Message, error) {
	kind, err := templateKindParam(c)
	if err != nil {
		return mailer.Message{}, err
	}
	source, err := h.sampleSource(c, kind)
	if err != nil {
		return mailer.Message{}, err
	}
	compiled, err := mailer.Compile(kind, source)
	if err != nil {
		return mailer.Message{}, invalidField("template", err.Error())
	}
	ctx := c.Request().Context()
	org, err := h.store.Organization(ctx, callerFrom(ctx).OrgID)
	if err != nil {
		return mailer.Message{}, err
	}
	msg, err := compiled.Render(h.sampleData(kind, org))
	if err != nil {
		return mailer.Message{}, invalidField("template", err.Error())
	}
	return msg, nil
}

// sampleSource is the draft in the body, or the stored template.
func (h *Handler) sampleSource(c echo.Context, kind mailer.Kind) (mailer.Template, error) {
	raw, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return mailer.Template{}, err
	}
	if len(bytes.TrimSpace(raw)) > 0 {
		c.Request().Body = io.NopCloser(bytes.NewReader(raw))
		var draft templateBody
		if err := decodeBody(c, &draft); err != nil {
			return mailer.Template{}, err
		}
		if err := checkTemplate(kind, draft); err != nil {
			return mailer.Template{}, err
		}
		return mailer.Template{Subject: draft.Subject, Text: draft.Text, HTML: draft.HTML}, nil
	}
	own, _, err := h.orgTemplate(c, h.store, kind)
	if err != nil {
		return mailer.Template{}, err
	}
	return mailer.Template{Subject: own.Subject, Text: own.Text, HTML: own.HTML}, nil
}

// sampleData is a made-up person of the organization, with a link of
// the kind's shape that leads nowhere.
func (h *Handler) sampleData(kind mailer.Kind, org directory.Organization) mailer.Data {
	link := h.baseURL + "/claim/SAMPLE-LINK"
	if kind == mailer.KindExportReady {
		link = h.baseURL + Prefix + "/exports/SAMPLE/download"
	}
	return mailer.Data{OrgName: org.Name, Name: "Ada Lovelace", GivenName: "Ada", Email: "ada.lovelace@example.com",
		Link: link, CustomMessage: "A note from your administrator.\n\nSee you on Monday!",
		ExpiresAt: h.now().Add(h.inviter.Lifetimes(org).Link).UTC().Truncate(time.Minute)}
}
