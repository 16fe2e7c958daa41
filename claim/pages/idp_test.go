package pages_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crewjam/saml/samlidp"
	"golang.org/x/crypto/bcrypt"

	"github.com/latchkeyhq/latchkey/directory"
)

// testIdP is crewjam/saml's samlidp on a loopback server: the
// organization's identity provider, with people who sign in there.
type testIdP struct {
	server *httptest.Server
	users  *samlidp.MemoryStore
}

const idpPassword = "correct horse battery staple"

// idpKey is made once per test binary: 2048-bit RSA keys are slow.
var idpKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func newTestIdP(t *testing.T) *testIdP {
	t.Helper()
	key, err := idpKey()
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "test idp"},
		NotBefore: time.Now().Add(-24 * time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	_ = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	srv := httptest.NewUnstartedServer(nil)
	u, _ := url.Parse("http://" + srv.Listener.Addr().String())
	x := &testIdP{server: srv, users: &samlidp.MemoryStore{}}
	idp, err := samlidp.New(samlidp.Options{URL: *u, Key: key, Certificate: cert, Store: x.users,
		Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = idp
	srv.Start()
	t.Cleanup(srv.Close)
	return x
}

// addUser lets a person sign in at the IdP (bcrypt at its cheapest: the
// race detector makes the default cost slow).
func (x *testIdP) addUser(t *testing.T, name, email string) {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(idpPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.users.Put("/users/"+name, samlidp.User{Name: name, HashedPassword: hash, Email: email}); err != nil {
		t.Fatal(err)
	}
}

func (x *testIdP) put(t *testing.T, path, contentType, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, x.server.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("PUT %s: %s %s", path, resp.Status, b)
	}
}

// withIdP sets single sign-on up for the organization, as an admin
// does: Latchkey's metadata (from its own URL) registered at the IdP, the
// IdP's metadata pasted into Latchkey, example.com required to use it.
func (e *env) withIdP() *testIdP {
	e.t.Helper()
	x := newTestIdP(e.t)
	b := e.browser()
	md := b.get("/saml/acme/metadata")
	if md.status != http.StatusOK || !strings.Contains(md.body, "EntityDescriptor") {
		e.t.Fatalf("SP metadata: %d %s", md.status, md.body)
	}
	x.put(e.t, "/services/latchkey", "application/samlmetadata+xml", md.body)
	idpMD := b.get(x.server.URL + "/metadata")
	settings := directory.SAMLSettings{OrgID: e.org.ID, MetadataXML: idpMD.body, EmailDomains: []string{"example.com"}}
	if _, err := e.sp.SaveSettings(e.t.Context(), &settings); err != nil {
		e.t.Fatalf("SaveSettings: %v", err)
	}
	return x
}

// anyForm is the first form of a page (the IdP's have no ids).
func anyForm(t testing.TB, page string) form {
	t.Helper()
	m := formPattern.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form in\n%s", page)
	}
	f := form{action: attrs(m[1])["action"], fields: url.Values{}}
	for _, in := range inputPattern.FindAllStringSubmatch(m[2], -1) {
		if ia := attrs(in[1]); ia["name"] != "" {
			f.fields.Set(ia["name"], ia["value"])
		}
	}
	return f
}

// signInAtIdP is the person at the IdP's page: it signs in there (when
// the IdP asks) and returns the IdP's answer, the form its page would
// post to our ACS, not posted yet.
func (b *browser) signInAtIdP(x *testIdP, user string) form {
	b.e.t.Helper()
	if !strings.HasPrefix(b.page.url, x.server.URL) {
		b.e.t.Fatalf("not at the IdP but at %s:\n%s", b.page.url, b.page.body)
	}
	if strings.Contains(b.page.body, `name="password"`) {
		login := anyForm(b.e.t, b.page.body)
		login.fields.Set("user", user)
		login.fields.Set("password", idpPassword)
		if !strings.HasPrefix(login.action, "http") {
			login.action = x.server.URL + login.action
		}
		b.post(login.action, login.fields)
	}
	answer := anyForm(b.e.t, b.page.body)
	if answer.fields.Get("SAMLResponse") == "" {
		b.e.t.Fatalf("the IdP answered without SAMLResponse:\n%s", b.page.body)
	}
	return answer
}

// postToACS posts the IdP's answer as the browser does: cross-site.
func (b *browser) postToACS(answer form) response {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, answer.action, strings.NewReader(answer.fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "null")
	return b.do(req)
}
