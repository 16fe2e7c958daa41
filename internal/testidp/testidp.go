// Package testidp is a real SAML identity provider for tests:
// crewjam/saml's samlidp on a loopback server, with people who sign in
// there with one password.
package testidp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
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
)

// Password is every test user's password at the IdP.
const Password = "correct horse battery staple"

// IdP is a running identity provider.
type IdP struct {
	Server *httptest.Server
	users  *samlidp.MemoryStore
}

// key is made once per test binary: 2048-bit RSA keys are slow.
var key = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// New starts an IdP with a fresh self-signed certificate; it stops when
// the test ends.
func New(t testing.TB) *IdP {
	t.Helper()
	k, err := key()
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "test idp"},
		NotBefore: time.Now().Add(-24 * time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	u, _ := url.Parse("http://" + srv.Listener.Addr().String())
	x := &IdP{Server: srv, users: &samlidp.MemoryStore{}}
	idp, err := samlidp.New(samlidp.Options{URL: *u, Key: k, Certificate: cert, Store: x.users,
		Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = idp
	srv.Start()
	t.Cleanup(srv.Close)
	return x
}

// URL is the IdP's base URL.
func (x *IdP) URL() string { return x.Server.URL }

// AddUser lets a person sign in at the IdP with Password (bcrypt at its
// cheapest: the race detector makes the default cost slow).
func (x *IdP) AddUser(t testing.TB, name, email string) {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(Password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.users.Put("/users/"+name, samlidp.User{Name: name, HashedPassword: hash, Email: email}); err != nil {
		t.Fatal(err)
	}
}

// RegisterSP registers a service provider by its metadata XML.
func (x *IdP) RegisterSP(t testing.TB, name, metadataXML string) {
	t.Helper()
	x.put(t, "/services/"+name, "application/samlmetadata+xml", metadataXML)
}

// Metadata is the IdP's metadata XML.
func (x *IdP) Metadata(t testing.TB) string {
	t.Helper()
	resp, err := http.Get(x.Server.URL + "/metadata")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("IdP metadata: %d %v", resp.StatusCode, err)
	}
	return string(b)
}

func (x *IdP) put(t testing.TB, path, contentType, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, x.Server.URL+path, strings.NewReader(body))
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
