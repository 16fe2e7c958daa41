package console

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// mountSSOSettings mounts the single sign-on settings page: the values
// to copy into the identity provider, the identity provider's settings
// (settings.read to see them, sso.manage to change them), removing SSO,
// and "Test SSO". Everything goes through the API's /sso routes.
//
//	GET  /admin/settings/sso, POST   show; save (PUT /sso)
//	POST /admin/settings/sso/remove  DELETE /sso
//	POST /admin/settings/sso/test    POST /sso/test: the form's settings, or the saved ones
func (k *Console) mountSSOSettings(g *echo.Group) {
	g.GET("/settings/sso", k.admin(k.showSSO))
	g.POST("/settings/sso", k.admin(k.saveSSO))
	g.POST("/settings/sso/remove", k.admin(k.removeSSO))
	g.POST("/settings/sso/test", k.admin(k.testSSO))
}

// ssoDoc is the API's GET /sso answer.
type ssoDoc struct {
	Configured bool `json:"configured"`
	Settings   *struct {
		IdPEntityID  string `json:"idp_entity_id"`
		SSOURL       string `json:"sso_url"`
		Certificates []struct {
			Subject   string    `json:"subject"`
			NotBefore time.Time `json:"not_before"`
			NotAfter  time.Time `json:"not_after"`
			SHA256    string    `json:"sha256"`
			PEM       string    `json:"pem"`
		} `json:"certificates"`
		EmailDomains      []string  `json:"email_domains"`
		AllowIdPInitiated bool      `json:"allow_idp_initiated"`
		FromMetadata      bool      `json:"from_metadata"`
		UpdatedAt         time.Time `json:"updated_at"`
	} `json:"settings"`
	ServiceProvider struct {
		EntityID    string `json:"entity_id"`
		ACSURL      string `json:"acs_url"`
		MetadataURL string `json:"metadata_url"`
	} `json:"service_provider"`
	Warnings []string `json:"warnings"`
}

// ssoForm is the identity provider form, as typed: the field names are
// the API's.
type ssoForm struct {
	MetadataXML       string
	IdPEntityID       string
	SSOURL            string
	Certificates      string
	EmailDomains      string
	AllowIdPInitiated bool
}

// body is the API's PUT /sso (and POST /sso/test) body: certificates
// split into PEM blocks, email domains by commas, spaces or lines.
func (f ssoForm) body() map[string]any {
	body := map[string]any{"allow_idp_initiated": f.AllowIdPInitiated}
	if s := strings.TrimSpace(f.MetadataXML); s != "" {
		body["metadata_xml"] = s
	}
	if s := strings.TrimSpace(f.IdPEntityID); s != "" {
		body["idp_entity_id"] = s
	}
	if s := strings.TrimSpace(f.SSOURL); s != "" {
		body["sso_url"] = s
	}
	if certs := splitPEM(f.Certificates); len(certs) > 0 {
		body["certificates"] = certs
	}
	if domains := strings.FieldsFunc(f.EmailDomains, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' || r == ';' }); len(domains) > 0 {
		body["email_domains"] = domains
	}
	return body
}

// splitPEM splits pasted certificates into one PEM block each; text
// without PEM markers is one certificate (the API says what is wrong with
// it).
func splitPEM(s string) []string {
	const end = "-----END CERTIFICATE-----"
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if !strings.Contains(s, end) {
		return []string{s}
	}
	var out []string
	for _, part := range strings.SplitAfter(s, end) {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p+"\n")
		}
	}
	return out
}

// ssoCheck is one of Test SSO's results.
type ssoCheck struct {
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Message string `json:"message"`
}

type ssoTest struct {
	OK     bool       `json:"ok"`
	Checks []ssoCheck `json:"checks"`
	// Saved says whether the saved settings were tested (else the
	// form's).
	Saved bool `json:"-"`
}

type ssoView struct {
	Doc  ssoDoc
	Form ssoForm
	// Test is the result of Test SSO, on the page that answers it.
	Test *ssoTest
	// Warnings are what the last save warned about.
	Warnings []string
}

// ssoFormOf is the form filled in with the saved settings (the metadata
// box empty: its values are in the other fields).
func ssoFormOf(doc ssoDoc) ssoForm {
	var f ssoForm
	if s := doc.Settings; s != nil {
		f.IdPEntityID, f.SSOURL, f.AllowIdPInitiated = s.IdPEntityID, s.SSOURL, s.AllowIdPInitiated
		pems := make([]string, 0, len(s.Certificates))
		for _, c := range s.Certificates {
			pems = append(pems, strings.TrimSpace(c.PEM))
		}
		f.Certificates = strings.Join(pems, "\n")
		f.EmailDomains = strings.Join(s.EmailDomains, "\n")
	}
	return f
}

func ssoFormSubmitted(c echo.Context) ssoForm {
	return ssoForm{MetadataXML: c.FormValue("metadata_xml"), IdPEntityID: c.FormValue("idp_entity_id"), SSOURL: c.FormValue("sso_url"),
		Certificates: c.FormValue("certificates"), EmailDomains: c.FormValue("email_domains"), AllowIdPInitiated: c.FormValue("allow_idp_initiated") != ""}
}

// ssoPage reads the settings; form, when not nil, is what was typed.
func (k *Console) ssoPage(c echo.Context, form *ssoForm) (page, error) {
	var doc ssoDoc
	if err := k.call(c, http.MethodGet, "/sso", nil, nil, &doc); err != nil {
		return page{}, err
	}
	view := ssoView{Doc: doc, Form: ssoFormOf(doc)}
	if form != nil {
		view.Form = *form
	}
	return newPage(c, "settings", "Single sign-on", view), nil
}

func (k *Console) showSSO(c echo.Context) error {
	pg, err := k.ssoPage(c, nil)
	if err != nil {
		return err
	}
	return k.render(c, http.StatusOK, "settings_sso", pg)
}

// saveSSO sets the identity provider (PUT /sso). Warnings (a certificate
// expiring soon) are shown on the page that answers the POST.
func (k *Console) saveSSO(c echo.Context) error {
	form := ssoFormSubmitted(c)
	var saved ssoDoc
	err := k.call(c, http.MethodPut, "/sso", nil, form.body(), &saved)
	if err == nil && len(saved.Warnings) == 0 {
		return seeOther(c, Prefix+"/settings/sso", "Single sign-on is saved.")
	}
	if err == nil {
		pg, err := k.ssoPage(c, nil)
		if err != nil {
			return err
		}
		view := pg.Data.(ssoView)
		view.Warnings = saved.Warnings
		pg.Data, pg.Flash = view, "Single sign-on is saved."
		return k.render(c, http.StatusOK, "settings_sso", pg)
	}
	pg, perr := k.ssoPage(c, &form)
	if perr != nil {
		return perr
	}
	if status, ok := formProblem(err, &pg); ok {
		return k.render(c, status, "settings_sso", pg)
	}
	return err
}

func (k *Console) removeSSO(c echo.Context) error {
	err := k.call(c, http.MethodDelete, "/sso", nil, nil, nil)
	var apiErr *apiError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		return seeOther(c, Prefix+"/settings/sso", "Single sign-on was not set up.")
	}
	if err != nil {
		return err
	}
	return seeOther(c, Prefix+"/settings/sso", "Single sign-on is removed: admins and people sign in with passwords.")
}

// testSSO runs the API's checks (metadata, settings, each certificate's
// validity) on the settings of the form when it sends some ("Test these
// settings" in the form), else on the saved ones ("Test SSO"). Nothing
// is saved; the page shows the form as it was.
func (k *Console) testSSO(c echo.Context) error {
	var body any
	var form *ssoForm
	if c.FormValue("source") == "form" {
		f := ssoFormSubmitted(c)
		form, body = &f, f.body()
	}
	var result ssoTest
	var err error
	if body != nil {
		err = k.call(c, http.MethodPost, "/sso/test", nil, body, &result)
	} else {
		err = k.call(c, http.MethodPost, "/sso/test", nil, nil, &result)
	}
	pg, perr := k.ssoPage(c, form)
	if perr != nil {
		return perr
	}
	var apiErr *apiError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		pg.Notice = "Single sign-on is not set up yet: fill in the identity provider's settings below, then test them."
		return k.render(c, http.StatusOK, "settings_sso", pg)
	}
	if err != nil {
		if status, ok := formProblem(err, &pg); ok {
			return k.render(c, status, "settings_sso", pg)
		}
		return err
	}
	result.Saved = form == nil
	view := pg.Data.(ssoView)
	view.Test = &result
	pg.Data = view
	return k.render(c, http.StatusOK, "settings_sso", pg)
}
