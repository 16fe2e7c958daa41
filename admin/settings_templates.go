package admin

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/mailer"
)

// Email templates: each kind of email has a built-in default and may
// have the organization's own; parts left empty use the default's.
func (h *Handler) settingsTemplateRoutes() []route {
	return []route{
		{Method: http.MethodGet, Path: "/templates", Permission: directory.PermReadSettings, Tag: "settings",
			Summary: "The kinds of email, and which have the organization's own template", Reply: templateList{}, Handle: h.listTemplates},
		{Method: http.MethodGet, Path: "/templates/:kind", Permission: directory.PermReadSettings, Tag: "settings",
			Summary: "One kind's template: the organization's (custom) or the default", Reply: templateDoc{}, Handle: h.getTemplate},
		// Templates carry claim links and download links ({{.Link}}):
		// whoever writes one can send them anywhere, so writing needs
		// accounts.manage too.
		{Method: http.MethodPut, Path: "/templates/:kind", Permission: directory.PermManageSettings,
			Also: directory.PermManageAccounts, Tag: "settings",
			Summary: "Set the organization's template (empty parts use the default's); a template that does not render is refused",
			Body:    templateBody{}, Reply: templateDoc{}, Handle: h.putTemplate},
		{Method: http.MethodDelete, Path: "/templates/:kind", Permission: directory.PermManageSettings, Tag: "settings",
			Summary: "Go back to the default template", Status: http.StatusNoContent, Handle: h.deleteTemplate},
		{Method: http.MethodPost, Path: "/templates/:kind/preview", Permission: directory.PermReadSettings, Tag: "settings",
			Summary: "Render the template (or the draft in the body) with sample data", Body: templateBody{}, OptionalBody: true,
			Reply: templatePreview{}, Handle: h.previewTemplate},
		{Method: http.MethodPost, Path: "/templates/:kind/test", Permission: directory.PermManageSettings, Tag: "settings",
			Summary: "Send me a test email: the template (or the draft in the body) with sample data, to the calling admin",
			Body:    templateBody{}, OptionalBody: true, Reply: templateTestReply{}, Status: http.StatusAccepted, Handle: h.testTemplate},
	}
}

type templateList struct {
	Items []templateKind `json:"items"`
}

type templateKind struct {
	Kind   string `json:"kind"`
	Custom bool   `json:"custom"`
}

// templateDoc is a kind's template as it renders: the organization's
// parts where it has them (Custom), the default's for the rest.
type templateDoc struct {
	Kind      string     `json:"kind"`
	Custom    bool       `json:"custom"`
	Subject   string     `json:"subject"`
	Text      string     `json:"text"`
	HTML      string     `json:"html"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// templateBody is a template's source: Subject and Text in Go's
// text/template, HTML in html/template, seeing {{.OrgName}}, {{.Name}},
// {{.GivenName}}, {{.Email}}, {{.Link}}, {{.CustomMessage}} and
// {{.ExpiresAt}}; an empty part means the default's.
type templateBody struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

type templatePreview struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

type templateTestReply struct {
	SentTo string `json:"sent_to"`
}

// templateKindParam is the path's kind, or a 404 listing the kinds.
func templateKindParam(c echo.Context) (mailer.Kind, error) {
	kind := mailer.Kind(c.Param("kind"))
	if !slices.Contains(mailer.Kinds(), kind) {
		p := newProblem(http.StatusNotFound, "not_found", "no such kind of email; see allowed")
		for _, k := range mailer.Kinds() {
			p.Allowed = append(p.Allowed, string(k))
		}
		return "", p
	}
	return kind, nil
}

// orgTemplate is the organization's own template of kind, and whether
// it has one (a stored template with every part empty is the default).
func (h *Handler) orgTemplate(c echo.Context, store directory.Store, kind mailer.Kind) (directory.MessageTemplate, bool, error) {
	ctx := c.Request().Context()
	t, err := store.MessageTemplate(ctx, callerFrom(ctx).OrgID, string(kind))
	if errors.Is(err, directory.ErrNotFound) {
		return directory.MessageTemplate{}, false, nil
	}
	if err != nil {
		return directory.MessageTemplate{}, false, err
	}
	return t, t.Subject != "" || t.Text != "" || t.HTML != "", nil
}

func (h *Handler) listTemplates(c echo.Context) error {
	out := templateList{Items: []templateKind{}}
	for _, kind := range mailer.Kinds() {
		_, custom, err := h.orgTemplate(c, h.store, kind)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, templateKind{Kind: string(kind), Custom: custom})
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handler) getTemplate(c echo.Context) error {
	kind, err := templateKindParam(c)
	if err != nil {
		return err
	}
	own, custom, err := h.orgTemplate(c, h.store, kind)
	if err != nil {
		return err
	}
	doc, err := templateDocOf(kind, own, custom)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}

// templateDocOf fills the organization's empty parts from the default.
func templateDocOf(kind mailer.Kind, own directory.MessageTemplate, custom bool) (templateDoc, error) {
	def, err := mailer.DefaultTemplate(kind)
	if err != nil {
		return templateDoc{}, err
	}
	doc := templateDoc{Kind: string(kind), Custom: custom, Subject: templateOrDefault(own.Subject, def.Subject),
		Text: templateOrDefault(own.Text, def.Text), HTML: templateOrDefault(own.HTML, def.HTML)}
	if custom {
		doc.UpdatedAt = &own.UpdatedAt
	}
	return doc, nil
}

func templateOrDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// checkTemplate validates t as mailer.Validate does before a template
// is saved, one part at a time (the others the default's) so each broken
// part is named with its parse or render error.
func checkTemplate(kind mailer.Kind, t templateBody) error {
	var errs []fieldError
	for _, part := range []struct {
		field string
		t     mailer.Template
	}{
		{"subject", mailer.Template{Subject: t.Subject}},
		{"text", mailer.Template{Text: t.Text}},
		{"html", mailer.Template{HTML: t.HTML}},
	} {
		if err := mailer.Validate(kind, part.t); err != nil {
			errs = append(errs, fieldError{Field: part.field, Message: err.Error()})
		}
	}
	if len(errs) > 0 {
		return invalidFields(errs)
	}
	if err := mailer.Validate(kind, mailer.Template{Subject: t.Subject, Text: t.Text, HTML: t.HTML}); err != nil {
		return invalidField("template", err.Error())
	}
	return nil
}

func (h *Handler) putTemplate(c echo.Context) error {
	kind, err := templateKindParam(c)
	if err != nil {
		return err
	}
	var body templateBody
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	if err := checkTemplate(kind, body); err != nil {
		return err
	}
	ctx := c.Request().Context()
	stored := directory.MessageTemplate{OrgID: callerFrom(ctx).OrgID, Kind: string(kind), Subject: body.Subject, Text: body.Text, HTML: body.HTML}
	if err := h.saveTemplate(c, kind, stored, "template.set"); err != nil {
		return err
	}
	doc, err := templateDocOf(kind, stored, stored.Subject != "" || stored.Text != "" || stored.HTML != "")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}

// deleteTemplate stores an empty template: every part the default's.
func (h *Handler) deleteTemplate(c echo.Context) error {
	kind, err := templateKindParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	empty := directory.MessageTemplate{OrgID: callerFrom(ctx).OrgID, Kind: string(kind)}
	if err := h.saveTemplate(c, kind, empty, "template.reset"); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// saveTemplate writes t and audits the parts that changed, before and
// after; nothing when none did.
func (h *Handler) saveTemplate(c echo.Context, kind mailer.Kind, t directory.MessageTemplate, action string) error {
	ctx := c.Request().Context()
	return h.store.InTx(ctx, func(tx directory.Store) error {
		own, _, err := h.orgTemplate(c, tx, kind)
		if err != nil {
			return err
		}
		diff, err := settingsDiff(templateBody{Subject: own.Subject, Text: own.Text, HTML: own.HTML},
			templateBody{Subject: t.Subject, Text: t.Text, HTML: t.HTML})
		if err != nil || len(diff) == 0 {
			return err
		}
		if err := tx.PutMessageTemplate(ctx, &t); err != nil {
			return err
		}
		return audit(c, tx, action, "template", string(kind), map[string]any{"changes": diff})
	})
}
