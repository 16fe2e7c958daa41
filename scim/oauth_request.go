package scim

import (
	"encoding/base64"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

const (
	grantClientCredentials = "client_credentials"
	// scopeSCIM is the only scope a token carries: the whole SCIM
	// endpoint of the client's organization.
	scopeSCIM = "scim"
)

// tokenRequest is an access token request (RFC 6749 §4.4.2) with the
// client's credentials (§2.3.1).
type tokenRequest struct {
	grantType string
	scope     string
	clientID  string
	secret    string
}

// readTokenRequest parses the form body and the client's credentials.
// Parameters belong in the body only (§2.3.1 forbids credentials in the
// URI, and URLs end up in logs); none may repeat and empty ones count as
// absent (§3.2); unknown ones are ignored (§4.4.2 allows extensions).
func readTokenRequest(r *http.Request) (tokenRequest, error) {
	if r.URL.RawQuery != "" {
		return tokenRequest{}, invalidRequest("send the parameters in the application/x-www-form-urlencoded body, not in the URL")
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/x-www-form-urlencoded" {
		return tokenRequest{}, invalidRequest("the body must be application/x-www-form-urlencoded")
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return tokenRequest{}, err
	}
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		return tokenRequest{}, invalidRequest("the body is not valid form encoding")
	}
	for name, values := range form {
		if len(values) > 1 {
			return tokenRequest{}, invalidRequest("parameter %.40q appears more than once", name)
		}
	}
	req := tokenRequest{grantType: form.Get("grant_type"), scope: form.Get("scope")}
	if req.grantType == "" {
		return tokenRequest{}, invalidRequest("grant_type is required; use grant_type=client_credentials")
	}
	if err := req.readCredentials(r.Header.Get("Authorization"), form); err != nil {
		return tokenRequest{}, err
	}
	return req, nil
}

// readCredentials takes the client id and secret from HTTP Basic or from
// the form. A client may use only one method (§2.3), though it may name
// itself in the form as well as in the header (§3.2.1) if both agree.
func (req *tokenRequest) readCredentials(header string, form url.Values) error {
	formID, formSecret := form.Get("client_id"), form.Get("client_secret")
	if header == "" {
		req.clientID, req.secret = formID, formSecret
		return nil
	}
	scheme, payload, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return invalidClient("authenticate with HTTP Basic or with client_id and client_secret in the body")
	}
	if formSecret != "" {
		return invalidRequest("use one client authentication method: HTTP Basic or client_secret in the body, not both")
	}
	id, secret, ok := decodeBasic(payload)
	if !ok {
		return invalidClient("the HTTP Basic credentials are malformed")
	}
	if formID != "" && formID != id {
		return invalidRequest("client_id in the body differs from the one in HTTP Basic")
	}
	req.clientID, req.secret = id, secret
	return nil
}

// decodeBasic reads HTTP Basic credentials whose user name and password
// are form-urlencoded first, as RFC 6749 §2.3.1 requires of clients.
// Latchkey's ids and secrets need no encoding, so clients that skip it
// work too.
func decodeBasic(payload string) (id, secret string, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	if err != nil {
		return "", "", false
	}
	user, pass, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", false
	}
	id, errID := url.QueryUnescape(user)
	secret, errSecret := url.QueryUnescape(pass)
	return id, secret, errID == nil && errSecret == nil
}
