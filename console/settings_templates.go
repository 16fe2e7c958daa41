package console

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
)

// mountTemplateSettings mounts the email templates: one page per kind
// of email, to edit, preview, send a test to oneself, and reset.
func (k *Console) mountTemplateSettings(g *echo.Group) {
	g.GET("/settings/templates", k.admin(k.listTemplates))
	g.GET("/settings/templates/:kind", k.admin(k.showTemplate))
	g.POST("/settings/templates/:kind", k.admin(k.submitTemplate))
	g.POST("/settings/templates/:kind/reset", k.admin(k.resetTemplate))
}

// templateKinds describe the kinds of email the API knows; a kind not
// listed here still shows, under its own name.
var templateKinds = map[string][2]string{
	"invitation":   {"Invitation", "Sent when a person is invited: the claim link and the admin's message."},
	"reminder":     {"Reminder", "Sent on the reminder schedule while an invitation is not claimed yet."},
	"export_ready": {"Export ready", "Sent to the admin who asked for an export, with the download link."},
}

type templateKindItem struct {
	Kind   string `json:"kind"`
	Custom bool   `json:"custom"`
}

func (t templateKindItem) Label() string       { return templateLabel(t.Kind) }
func (t templateKindItem) Description() string { return templateKinds[t.Kind][1] }

func templateLabel(kind string) string {
	if d, ok := templateKinds[kind]; ok {
		return d[0]
	}
	return kind
}

func (k *Console) listTemplates(c echo.Context) error {
	var reply struct {
		Items []templateKindItem `json:"items"`
	}
	if err := k.call(c, http.MethodGet, "/templates", nil, nil, &reply); err != nil {
		return err
	}
	return k.render(c, http.StatusOK, "settings_templates", newPage(c, "settings", "Email templates", reply.Items))
}

// emailTemplate is a kind's template (GET /templates/{kind}) and a
// draft's source (the form, PUT and preview bodies).
type emailTemplate struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

type templateView struct {
	Kind, Label, Description string
	Custom                   bool
	UpdatedAt                *time.Time
	Draft                    emailTemplate
	// Preview is the API's rendering with sample data (nil when the
	// draft does not render).
	Preview *emailTemplate
	// Variables are what templates may use.
	Variables []option
}

var templateVariables = []option{
	{Value: "{{.OrgName}}", Label: "the organization's name"},
	{Value: "{{.Name}}", Label: "the person's full name"},
	{Value: "{{.GivenName}}", Label: "the person's first name"},
	{Value: "{{.Email}}", Label: "the person's email address"},
	{Value: "{{.Link}}", Label: "the claim link (or the download link of an export)"},
	{Value: "{{.CustomMessage}}", Label: "the admin's message; in HTML use {{paragraphs .CustomMessage}}"},
	{Value: "{{.ExpiresAt}}", Label: "when the link stops working"},
}

// templatePage reads the kind's template; the draft is the stored one
// unless the form sent one.
func (k *Console) templatePage(c echo.Context, draft *emailTemplate) (page, error) {
	kind := c.Param("kind")
	var doc struct {
		emailTemplate
		Custom    bool       `json:"custom"`
		UpdatedAt *time.Time `json:"updated_at"`
	}
	if err := k.call(c, http.MethodGet, "/templates/"+url.PathEscape(kind), nil, nil, &doc); err != nil {
		return page{}, err
	}
	v := templateView{Kind: kind, Label: templateLabel(kind), Description: templateKinds[kind][1], Custom: doc.Custom,
		UpdatedAt: doc.UpdatedAt, Draft: doc.emailTemplate, Variables: templateVariables}
	if draft != nil {
		v.Draft = *draft
	}
	return newPage(c, "settings", v.Label+" email", v), nil
}

// preview asks the API to render the page's draft with sample data; a
// draft that does not render names its fields.
func (k *Console) preview(c echo.Context, pg *page) error {
	v := pg.Data.(templateView)
	var out emailTemplate
	err := k.call(c, http.MethodPost, "/templates/"+url.PathEscape(v.Kind)+"/preview", nil, v.Draft, &out)
	var apiErr *apiError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest {
		pg.Errors = sentences(apiErr.fields())
		pg.Notice = "The template does not render: fix the parts marked below."
		return nil
	} else if err != nil {
		return err
	}
	v.Preview = &out
	pg.Data = v
	return nil
}

func (k *Console) showTemplate(c echo.Context) error {
	pg, err := k.templatePage(c, nil)
	if err != nil {
		return err
	}
	if err := k.preview(c, &pg); err != nil {
		return err
	}
	return k.render(c, http.StatusOK, "settings_template", pg)
}

// submitTemplate handles the form's buttons: do=preview renders the
// draft, do=test sends it to the admin's own address, do=save stores it.
// Preview and test keep the draft in the form, saved or not.
func (k *Console) submitTemplate(c echo.Context) error {
	draft := emailTemplate{Subject: c.FormValue("subject"), Text: c.FormValue("text"), HTML: c.FormValue("html")}
	pg, err := k.templatePage(c, &draft)
	if err != nil {
		return err
	}
	kind := url.PathEscape(c.Param("kind"))
	var apiErr *apiError
	switch c.FormValue("do") {
	case "save":
		err := k.call(c, http.MethodPut, "/templates/"+kind, nil, draft, nil)
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest {
			pg.Errors, pg.Notice = sentences(apiErr.fields()), "Nothing was saved: the template does not render. Fix the parts marked below."
			return k.render(c, http.StatusBadRequest, "settings_template", pg)
		} else if err != nil {
			return err
		}
		return seeOther(c, Prefix+"/settings/templates/"+kind, "Saved the "+templateLabel(c.Param("kind"))+" email template.")
	case "test":
		var sent struct {
			SentTo string `json:"sent_to"`
		}
		err := k.call(c, http.MethodPost, "/templates/"+kind+"/test", nil, draft, &sent)
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest {
			pg.Errors, pg.Notice = sentences(apiErr.fields()), "No email was sent: the template does not render. Fix the parts marked below."
			return k.render(c, http.StatusBadRequest, "settings_template", pg)
		} else if err != nil {
			return err
		}
		pg.Flash = "Sent a test email to " + sent.SentTo + ". It shows this draft with sample data; the draft is not saved."
	}
	if err := k.preview(c, &pg); err != nil {
		return err
	}
	status := http.StatusOK
	if pg.Errors != nil {
		status = http.StatusBadRequest
	}
	return k.render(c, status, "settings_template", pg)
}

func (k *Console) resetTemplate(c echo.Context) error {
	kind := url.PathEscape(c.Param("kind"))
	if err := k.call(c, http.MethodDelete, "/templates/"+kind, nil, nil, nil); err != nil {
		return err
	}
	return seeOther(c, Prefix+"/settings/templates/"+kind, "The "+templateLabel(c.Param("kind"))+" email is back to the default template.")
}
