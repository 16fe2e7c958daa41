package admin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/sso"
)

// ssoTestReply: OK when every check passed. A check that passed may
// still carry a warning (a certificate expiring within 30 days).
type ssoTestReply struct {
	OK     bool       `json:"ok"`
	Checks []ssoCheck `json:"checks"`
}

type ssoCheck struct {
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Message string `json:"message"`
}

// errSSOChecked ends the transaction that ran the save-time checks
// without saving.
var errSSOChecked = errors.New("admin: sso settings checked, not saved")

// testSSO checks the body's settings, or the stored ones, with the sso
// package's own validation: the metadata parses (sso.ParseIdPMetadata),
// the settings pass everything `latchkey sso set` checks (SaveSettings,
// in a transaction rolled back: entity ID, https SSO URL, certificates
// that parse with at least one valid now, email domains), and each
// certificate is within its validity period, with SaveSettings' warning
// for one expiring soon.
func (h *Handler) testSSO(c echo.Context) error {
	settings, err := h.ssoUnderTest(c)
	if err != nil {
		return err
	}
	var checks []ssoCheck
	if strings.TrimSpace(settings.MetadataXML) != "" {
		md, err := sso.ParseIdPMetadata([]byte(settings.MetadataXML))
		if err != nil {
			checks = append(checks, ssoCheck{Name: "metadata", Message: ssoProblemText(err)})
			return c.JSON(http.StatusOK, ssoTestReply{Checks: checks})
		}
		checks = append(checks, ssoCheck{Name: "metadata", OK: true,
			Message: fmt.Sprintf("identity provider %s, %d signing certificate(s)", md.EntityID, len(md.Certificates))})
	}
	warnings, err := h.checkSSOSettings(c.Request().Context(), &settings)
	switch {
	case err == nil:
		checks = append(checks, ssoCheck{Name: "settings", OK: true, Message: "entity ID, SSO URL " + settings.SSOURL + ", certificates and email domains are valid"})
	case errors.As(err, new(*directory.ValidationError)):
		checks = append(checks, ssoCheck{Name: "settings", Message: ssoProblemText(err)})
	default:
		return err
	}
	checks = append(checks, h.certificateChecks(settings.Certificates, warnings)...)
	reply := ssoTestReply{OK: true, Checks: checks}
	for _, ch := range checks {
		reply.OK = reply.OK && ch.OK
	}
	return c.JSON(http.StatusOK, reply)
}

// ssoUnderTest is the body's settings when it has some, else the
// stored ones.
func (h *Handler) ssoUnderTest(c echo.Context) (directory.SAMLSettings, error) {
	ctx := c.Request().Context()
	orgID := callerFrom(ctx).OrgID
	raw, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return directory.SAMLSettings{}, err
	}
	if len(bytes.TrimSpace(raw)) > 0 {
		c.Request().Body = io.NopCloser(bytes.NewReader(raw))
		var body ssoBody
		if err := decodeBody(c, &body); err != nil {
			return directory.SAMLSettings{}, err
		}
		return body.settings(orgID), nil
	}
	s, err := h.store.SAMLSettings(ctx, orgID)
	if errors.Is(err, directory.ErrNotFound) {
		return s, newProblem(http.StatusNotFound, "not_found", "single sign-on is not set up; send settings to test in the body")
	}
	return s, err
}

// checkSSOSettings runs SaveSettings in a transaction it then rolls
// back: every check of a save, nothing saved. s comes back normalised
// (certificates from the metadata, re-encoded).
func (h *Handler) checkSSOSettings(ctx context.Context, s *directory.SAMLSettings) ([]string, error) {
	var warnings []string
	err := h.store.InTx(ctx, func(tx directory.Store) error {
		sp, err := h.serviceProvider(tx)
		if err != nil {
			return err
		}
		if warnings, err = sp.SaveSettings(ctx, s); err != nil {
			return err
		}
		return errSSOChecked
	})
	if errors.Is(err, errSSOChecked) {
		return warnings, nil
	}
	return nil, err
}

// certificateChecks is one check per certificate: it parses and is
// valid now; sso's warning about it, if any, is its message.
func (h *Handler) certificateChecks(pems []string, warnings []string) []ssoCheck {
	now := h.now()
	var checks []ssoCheck
	for i, p := range pems {
		name := fmt.Sprintf("certificate %d", i+1)
		cert, err := directory.ParseCertificatePEM(p)
		if err != nil {
			checks = append(checks, ssoCheck{Name: name, Message: err.Error()})
			continue
		}
		from, until := cert.NotBefore.UTC().Format(time.DateOnly), cert.NotAfter.UTC().Format(time.DateOnly)
		ch := ssoCheck{Name: name, OK: true, Message: fmt.Sprintf("%s (%s) is valid until %s", name, cert.Subject.CommonName, until)}
		switch {
		case now.After(cert.NotAfter):
			ch.OK, ch.Message = false, fmt.Sprintf("%s (%s) expired on %s", name, cert.Subject.CommonName, until)
		case now.Before(cert.NotBefore):
			ch.OK, ch.Message = false, fmt.Sprintf("%s (%s) is not valid before %s", name, cert.Subject.CommonName, from)
		}
		for _, w := range warnings {
			if strings.HasPrefix(w, name+" ") {
				ch.Message = w
			}
		}
		checks = append(checks, ch)
	}
	return checks
}

// ssoProblemText is a validation error in this API's field names.
func ssoProblemText(err error) string {
	var p *problem
	if errors.As(ssoProblem(err), &p) && len(p.Errors) == 1 {
		return p.Errors[0].Field + ": " + p.Errors[0].Message
	}
	return err.Error()
}
