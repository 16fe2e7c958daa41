package admin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// The emailed download link is the download endpoint with the export's
// organization, an expiry and a signature:
//
//	/admin/v1/exports/<id>/download?org=<org id>&expires=<unix>&sig=<mac>
//
// sig is HMAC-SHA256 under the server's download-signing key over the
// export, the admin who asked for it, the organization and the expiry,
// so the link opens that one file for that one admin until the export
// expires (4 days, as Workplace's), and only while the admin is not
// disabled and their role still grants accounts.manage. Changing any
// part of it, or using it on another export, breaks the signature.

// exportSigPurpose keeps these signatures apart from anything else the
// key might ever sign.
const exportSigPurpose = "latchkey/export-download/v1"

// minSigningKey is the shortest key links are signed with; with a
// shorter one (none configured) the email links to the endpoint, which
// then needs a token.
const minSigningKey = 32

// signedLinkKey marks, in the echo context, a caller let in by a link.
const signedLinkKey = "admin.export.signed_link"

func signedIn(c echo.Context) bool {
	v, _ := c.Get(signedLinkKey).(bool)
	return v
}

// exportDownloadLink is the link the export-ready email carries.
func (h *Handler) exportDownloadLink(x directory.Export) string {
	if len(h.signingKey) < minSigningKey {
		return h.exportURL(x)
	}
	expires := x.ExpiresAt.Unix()
	q := url.Values{}
	q.Set("org", x.OrgID)
	q.Set("expires", strconv.FormatInt(expires, 10))
	q.Set("sig", h.exportSignature(x.OrgID, x.ID, x.AdminID, expires))
	return h.exportURL(x) + "?" + q.Encode()
}

func (h *Handler) exportSignature(orgID, exportID, adminID string, expires int64) string {
	mac := hmac.New(sha256.New, h.signingKey)
	mac.Write([]byte(exportSigPurpose))
	for _, field := range []string{exportID, adminID, orgID, strconv.FormatInt(expires, 10)} {
		mac.Write([]byte{0}) // ids never hold NUL, so fields cannot run together
		mac.Write([]byte(field))
	}
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// authenticateOrSigned lets in the admin of a valid signed link, as that
// admin; a request with an Authorization header, or without a signature,
// authenticates by token as every other route does.
func (h *Handler) authenticateOrSigned(next echo.HandlerFunc) echo.HandlerFunc {
	byToken := h.authenticate(next)
	return func(c echo.Context) error {
		req := c.Request()
		if req.Header.Get("Authorization") != "" || !req.URL.Query().Has("sig") {
			return byToken(c)
		}
		who, err := h.signedCaller(c)
		if err != nil {
			return h.handle(func(echo.Context) error { return err })(c)
		}
		c.Set(signedLinkKey, true)
		c.SetRequest(req.WithContext(withCaller(req.Context(), who)))
		return next(c)
	}
}

var errInvalidLink = newProblem(http.StatusUnauthorized, "invalid_link",
	"this download link is not valid (changed or incomplete); open the link from the email as it is, or download with your admin token")

// signedCaller checks the link and resolves its admin.
func (h *Handler) signedCaller(c echo.Context) (caller, error) {
	q := c.Request().URL.Query()
	orgID, sig := q.Get("org"), q.Get("sig")
	expires, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	if err != nil || orgID == "" || len(h.signingKey) < minSigningKey {
		return caller{}, errInvalidLink
	}
	ctx := c.Request().Context()
	x, err := h.store.Export(ctx, orgID, c.Param("id"))
	if errors.Is(err, directory.ErrNotFound) {
		return caller{}, errInvalidLink
	}
	if err != nil {
		return caller{}, err
	}
	if !hmac.Equal([]byte(sig), []byte(h.exportSignature(orgID, x.ID, x.AdminID, expires))) {
		return caller{}, errInvalidLink
	}
	if !h.now().Before(time.Unix(expires, 0)) {
		return caller{}, exportGone()
	}
	adm, err := h.store.Admin(ctx, orgID, x.AdminID)
	if err != nil {
		return caller{}, err
	}
	if adm.DisabledAt != nil {
		return caller{}, newProblem(http.StatusForbidden, "admin_disabled",
			"the admin this link was sent to is disabled, so it no longer works")
	}
	return callerOf(ctx, h.store, orgID, adm.ID)
}
