package sso

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/latchkeyhq/latchkey/directory"
)

// maxReturnPath bounds a return path (it is stored, not sent to the IdP).
const maxReturnPath = 1024

// StartLogin begins an SP-initiated sign-in: it records an AuthnRequest
// (its ID, an unguessable RelayState handle and returnPath, for
// RequestTTL) and returns the IdP URL to redirect the browser to
// (HTTP-Redirect binding). returnPath is where the caller wants the person
// afterwards: "" or a local path ("/claim/..."); HandleACS hands it back.
func (sp *ServiceProvider) StartLogin(ctx context.Context, org directory.Organization, returnPath string) (string, error) {
	if !SafeReturnPath(returnPath) {
		return "", fail(ErrReturnPath, quote(returnPath), nil)
	}
	settings, err := sp.settings(ctx, org)
	if err != nil {
		return "", err
	}
	now := sp.now()
	lib, err := sp.library(org, settings, now)
	if err != nil {
		return "", fmt.Errorf("sso: start login: %w", err)
	}
	doc, err := lib.BuildAuthRequestDocumentNoSig()
	if err != nil {
		return "", fmt.Errorf("sso: build AuthnRequest: %w", err)
	}
	// Our own ID (gosaml2's is random too, but this one we know is from
	// crypto/rand and fits an XML ID: it starts with a letter or "_").
	id := "_" + randomHex(20)
	doc.Root().CreateAttr("ID", id)
	relay := randomToken(16)
	req := directory.SAMLRequest{OrgID: org.ID, ID: id, RelayState: relay, ReturnPath: returnPath,
		CreatedAt: now, ExpiresAt: now.Add(sp.requestTTL)}
	if err := sp.store.CreateSAMLRequest(ctx, req); err != nil {
		return "", storeError("record AuthnRequest", err)
	}
	redirect, err := lib.BuildAuthURLRedirect(relay, doc)
	if err != nil {
		return "", fmt.Errorf("sso: encode AuthnRequest: %w", err)
	}
	sp.purge(ctx, org.ID)
	return redirect, nil
}

// SafeReturnPath reports whether p is "" or a path on this server: it
// starts with one "/", names no scheme or host ("//evil", "/\evil"), and
// holds no control characters. Only such paths are ever handed back as
// Identity.ReturnPath.
func SafeReturnPath(p string) bool {
	if p == "" {
		return true
	}
	if len(p) > maxReturnPath || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') {
		return false
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && strings.HasPrefix(u.Path, "/")
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics instead)
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

func randomToken(n int) string { return base64.RawURLEncoding.EncodeToString(randomBytes(n)) }
