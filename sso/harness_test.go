package sso

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"html"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml/samlidp"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
	"golang.org/x/crypto/bcrypt"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/internal/testdb"
	"github.com/latchkeyhq/latchkey/migrations"
)

// backend is a database the tests run on; PostgreSQL is skipped unless
// LATCHKEY_TEST_DATABASE_URL is set.
type backend struct {
	name    string
	dialect gormstore.Dialect
	url     func(t testing.TB) string
}

var backends = []backend{
	{"sqlite", gormstore.SQLite, testdb.SQLitePath},
	{"postgres", gormstore.Postgres, func(t testing.TB) string { return testdb.PostgresURL(t, os.Getenv) }},
}

// forEachBackend runs fn as a subtest per backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, b) })
	}
}

func openStore(t testing.TB, b backend, url string) *gormstore.Store {
	t.Helper()
	// Few connections: the test PostgreSQL is shared with other suites.
	s, err := gormstore.Open(context.Background(), gormstore.Options{URL: url, Dialect: b.dialect, MaxOpenConns: 4})
	if err != nil {
		t.Fatalf("open %s: %v", b.name, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := migrations.Up(context.Background(), s.DB(), migrations.Dialect(b.dialect)); err != nil {
		t.Fatalf("migrate %s: %v", b.name, err)
	}
	return s
}

// testClock is real time plus an offset the test moves.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) Set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = time.Until(at)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// ecCertPEM is a quick self-signed ECDSA certificate, for fuzz seeds
// (fuzz workers run the setup often, and RSA keys are slow to make).
func ecCertPEM(t testing.TB) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fuzz"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// testIdP is crewjam/saml's samlidp on a loopback server, with its own key.
type testIdP struct {
	server   *httptest.Server
	key      *rsa.PrivateKey
	cert     *x509.Certificate
	certPEM  string
	metadata []byte
}

const (
	idpUser     = "alice"
	idpPassword = "correct horse battery staple"
	idpEmail    = "Alice@Example.com"
)

// testKeys are two RSA keys made once per test binary (making 2048-bit
// keys is slow under the race detector): 0 is the IdP's, 1 an attacker's.
var testKeys = sync.OnceValues(func() ([2]*rsa.PrivateKey, error) {
	var keys [2]*rsa.PrivateKey
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return keys, err
		}
		keys[i] = k
	}
	return keys, nil
})

// newKeyAndCert makes a self-signed certificate for test key keyIdx.
func newKeyAndCert(t testing.TB, keyIdx int, cn string, notBefore, notAfter time.Time) (*rsa.PrivateKey, *x509.Certificate, string) {
	t.Helper()
	keys, err := testKeys()
	if err != nil {
		t.Fatal(err)
	}
	key := keys[keyIdx]
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func newTestIdP(t testing.TB) *testIdP {
	t.Helper()
	key, cert, certPEM := newKeyAndCert(t, 0, "test idp", time.Now().Add(-24*time.Hour), time.Now().Add(365*24*time.Hour))
	srv := httptest.NewUnstartedServer(nil)
	u, _ := url.Parse("http://" + srv.Listener.Addr().String())
	users := &samlidp.MemoryStore{}
	idp, err := samlidp.New(samlidp.Options{URL: *u, Key: key, Certificate: cert, Store: users,
		Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatalf("samlidp.New: %v", err)
	}
	srv.Config.Handler = idp
	srv.Start()
	t.Cleanup(srv.Close)
	x := &testIdP{server: srv, key: key, cert: cert, certPEM: certPEM}
	// Stored directly with a cheap bcrypt cost (PUT /users would use the
	// default cost, slow under the race detector).
	hash, err := bcrypt.GenerateFromPassword([]byte(idpPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	err = users.Put("/users/"+idpUser, samlidp.User{Name: idpUser, HashedPassword: hash, Email: idpEmail,
		GivenName: "Alice", Surname: "Smith", Groups: []string{"staff"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.URL + "/metadata")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	x.metadata, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("IdP metadata: %s", resp.Status)
	}
	return x
}

func (x *testIdP) put(t testing.TB, path, contentType, body string) {
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

// env is one organization's SP in front of the test IdP, on one database,
// served over HTTP like the claim pages will serve it. replicas are
// further ServiceProviders on their own connections to the same database,
// behind the same URL (the X-Replica header picks one).
type env struct {
	t        *testing.T
	clock    *testClock
	store    directory.Store
	sp       *ServiceProvider
	replicas []*ServiceProvider
	org      directory.Organization
	idp      *testIdP
	server   *httptest.Server
	client   *http.Client

	mu   sync.Mutex
	last acsResult
}

type acsResult struct {
	id  Identity
	err error
}

type envOption func(*Options)

func newEnv(t *testing.T, b backend, opts ...envOption) *env {
	t.Helper()
	dbURL := b.url(t)
	store := openStore(t, b, dbURL)
	e := &env{t: t, clock: &testClock{}, store: store, idp: newTestIdP(t)}
	e.org = directory.Organization{Slug: "acme", Name: "Acme"}
	if err := store.CreateOrganization(t.Context(), &e.org); err != nil {
		t.Fatal(err)
	}
	e.server = httptest.NewUnstartedServer(http.HandlerFunc(e.serve))
	o := Options{BaseURL: "http://" + e.server.Listener.Addr().String() + "/", Store: store, Now: e.clock.Now}
	for _, opt := range opts {
		opt(&o)
	}
	var err error
	if e.sp, err = New(o); err != nil {
		t.Fatal(err)
	}
	replica := o
	replica.Store = openStore(t, b, dbURL)
	r, err := New(replica)
	if err != nil {
		t.Fatal(err)
	}
	e.replicas = []*ServiceProvider{e.sp, r}
	e.server.Start()
	t.Cleanup(e.server.Close)
	jar, _ := cookiejar.New(nil)
	e.client = &http.Client{Jar: jar, Timeout: 30 * time.Second}

	// The admin registers Latchkey at the IdP from our metadata URL, and
	// pastes the IdP's metadata into Latchkey.
	md := e.get(e.sp.EntityID(e.org))
	e.idp.put(t, "/services/latchkey", "application/samlmetadata+xml", md)
	settings := directory.SAMLSettings{OrgID: e.org.ID, MetadataXML: string(e.idp.metadata), EmailDomains: []string{"example.com"}}
	if _, err := e.sp.SaveSettings(t.Context(), &settings); err != nil {
		t.Fatalf("SaveSettings: %v", err)
	}
	return e
}

func (e *env) serve(w http.ResponseWriter, r *http.Request) {
	sp := e.sp
	if r.Header.Get("X-Replica") == "1" {
		sp = e.replicas[1]
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) != 3 || parts[0] != "saml" {
		http.NotFound(w, r)
		return
	}
	org, err := e.store.OrganizationBySlug(r.Context(), parts[1])
	if err != nil {
		http.NotFound(w, r)
		return
	}
	switch parts[2] {
	case "metadata":
		sp.Metadata(w, r, org)
	case "acs":
		id, err := sp.HandleACS(r.Context(), org, r)
		e.mu.Lock()
		e.last = acsResult{id, err}
		e.mu.Unlock()
		w.Header().Set("Cache-Control", "no-store")
		if err != nil {
			http.Error(w, "sign-in failed", HTTPStatus(err))
			return
		}
		_ = json.NewEncoder(w).Encode(id)
	default:
		http.NotFound(w, r)
	}
}

func (e *env) get(u string) string {
	e.t.Helper()
	resp, err := e.client.Get(u)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET %s: %s %s", u, resp.Status, b)
	}
	return string(b)
}

// postForm is an HTML form: where it posts and its fields.
type postForm struct {
	Action string
	Fields url.Values
}

var (
	formAction = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)
	formInput  = regexp.MustCompile(`<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"`)
)

func parseForm(t testing.TB, page string) postForm {
	t.Helper()
	m := formAction.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form in page:\n%s", page)
	}
	f := postForm{Action: html.UnescapeString(m[1]), Fields: url.Values{}}
	for _, in := range formInput.FindAllStringSubmatch(page, -1) {
		f.Fields.Set(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	return f
}

func (e *env) post(f postForm, header http.Header) string {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.Action, strings.NewReader(f.Fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// idpAnswer runs an SP-initiated sign-in through the IdP (signing in at
// its form when it asks) and returns the auto-submitting form the IdP
// answers with, not yet posted to us.
func (e *env) idpAnswer(returnPath string) postForm {
	e.t.Helper()
	redirect, err := e.sp.StartLogin(e.t.Context(), e.org, returnPath)
	if err != nil {
		e.t.Fatalf("StartLogin: %v", err)
	}
	page := e.get(redirect)
	if strings.Contains(page, `name="password"`) {
		login := parseForm(e.t, page)
		login.Fields.Set("user", idpUser)
		login.Fields.Set("password", idpPassword)
		page = e.post(login, nil)
	}
	f := parseForm(e.t, page)
	if f.Fields.Get("SAMLResponse") == "" {
		e.t.Fatalf("the IdP answered without SAMLResponse:\n%s", page)
	}
	if f.Action != e.sp.ACSURL(e.org) {
		e.t.Fatalf("the IdP posts to %q; want our ACS %q", f.Action, e.sp.ACSURL(e.org))
	}
	return f
}

// acs posts f to our ACS (on replica 0 or 1) and returns what HandleACS
// returned.
func (e *env) acs(f postForm, replica int) (Identity, error) {
	e.t.Helper()
	h := http.Header{}
	if replica == 1 {
		h.Set("X-Replica", "1")
	}
	e.mu.Lock()
	e.last = acsResult{err: errors.New("ACS handler not reached")}
	e.mu.Unlock()
	e.post(f, h)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.last.id, e.last.err
}

// login is a whole SP-initiated sign-in.
func (e *env) login(returnPath string) (Identity, error) {
	e.t.Helper()
	return e.acs(e.idpAnswer(returnPath), 0)
}

// idpInitiated signs in at the IdP and follows an IdP shortcut (an app
// tile) to us: a response that answers no request.
func (e *env) idpInitiated(relayState string) postForm {
	e.t.Helper()
	body := `{"name":"tile","service_provider":` + jsonString(e.sp.EntityID(e.org))
	if relayState != "" {
		body += `,"relay_state":` + jsonString(relayState)
	}
	e.idp.put(e.t, "/shortcuts/tile", "application/json", body+"}")
	login := postForm{Action: e.idp.server.URL + "/login", Fields: url.Values{"user": {idpUser}, "password": {idpPassword}}}
	e.post(login, nil)
	f := parseForm(e.t, e.get(e.idp.server.URL+"/login/tile"))
	if f.Fields.Get("SAMLResponse") == "" {
		e.t.Fatal("IdP-initiated: no SAMLResponse")
	}
	return f
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }

// wantReason checks err is an *Error with the given reason.
func wantReason(t testing.TB, what string, err, reason error) {
	t.Helper()
	var e *Error
	if !errors.Is(err, reason) || !errors.As(err, &e) || Reason(err) != reason {
		t.Fatalf("%s: error = %v; want reason %q", what, err, reason)
	}
	t.Logf("%s: rejected: %v", what, err)
}

// --- hand-altered copies of the IdP's responses ---

func decodeResponse(t testing.TB, f postForm) *etree.Document {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(f.Fields.Get("SAMLResponse"))
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatal(err)
	}
	return doc
}

// withResponse returns a copy of f carrying doc.
func withResponse(t testing.TB, f postForm, doc *etree.Document) postForm {
	t.Helper()
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	out := postForm{Action: f.Action, Fields: url.Values{}}
	for k, v := range f.Fields {
		out.Fields[k] = append([]string{}, v...)
	}
	out.Fields.Set("SAMLResponse", base64.StdEncoding.EncodeToString(b))
	return out
}

func assertionOf(t testing.TB, doc *etree.Document) *etree.Element {
	t.Helper()
	a := doc.Root().FindElement("./Assertion")
	if a == nil {
		t.Fatal("no Assertion in the response")
	}
	return a
}

func stripSignature(el *etree.Element) {
	for _, c := range el.ChildElements() {
		if c.Tag == "Signature" {
			el.RemoveChild(c)
		}
	}
}

// signer signs elements like an IdP does (exclusive c14n, SHA-256).
type signer struct {
	key  crypto.Signer
	cert *x509.Certificate
	// method overrides the signature method (to test SHA-1).
	method string
}

func (s signer) sign(t testing.TB, el *etree.Element) *etree.Element {
	t.Helper()
	stripSignature(el)
	nsctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		t.Fatal(err)
	}
	detached, err := etreeutils.NSDetatch(nsctx, el)
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := dsig.NewSigningContext(s.key, [][]byte{s.cert.Raw})
	if err != nil {
		t.Fatal(err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if s.method != "" {
		if err := ctx.SetSignatureMethod(s.method); err != nil {
			t.Fatal(err)
		}
	}
	signed, err := ctx.SignEnveloped(detached)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// replaceChild puts repl where old was among parent's children.
func replaceChild(parent, old, repl *etree.Element) {
	idx := old.Index()
	parent.RemoveChildAt(idx)
	parent.InsertChildAt(idx, repl)
}

// resign signs the (altered) assertion and, if signResponse, the
// response around it; an unsigned response loses its signature.
func (s signer) resign(t testing.TB, doc *etree.Document, signResponse bool) {
	t.Helper()
	root := doc.Root()
	stripSignature(root)
	a := assertionOf(t, doc)
	replaceChild(root, a, s.sign(t, a))
	if signResponse {
		doc.SetRoot(s.sign(t, root))
	}
}

func (x *testIdP) signer() signer { return signer{key: x.key, cert: x.cert} }

// alter applies change to a fresh IdP answer, re-signs it with the IdP's
// key (assertion and response) and returns the altered form: a response
// the IdP could have sent, so only the check under test can reject it.
func (e *env) alter(change func(doc *etree.Document)) postForm {
	e.t.Helper()
	f := e.idpAnswer("/claim/x")
	doc := decodeResponse(e.t, f)
	change(doc)
	e.idp.signer().resign(e.t, doc, true)
	return withResponse(e.t, f, doc)
}

func setText(t testing.TB, doc *etree.Document, path, text string) {
	t.Helper()
	el := doc.Root().FindElement(path)
	if el == nil {
		t.Fatalf("no %s", path)
	}
	el.SetText(text)
}

func setAttr(t testing.TB, doc *etree.Document, path, key, value string) {
	t.Helper()
	el := doc.Root().FindElement(path)
	if el == nil {
		t.Fatalf("no %s", path)
	}
	if value == "" {
		el.RemoveAttr(key)
		return
	}
	el.CreateAttr(key, value)
}

func attrTime(t testing.TB, doc *etree.Document, path, key string) time.Time {
	t.Helper()
	el := doc.Root().FindElement(path)
	if el == nil {
		t.Fatalf("no %s", path)
	}
	at, err := time.Parse(time.RFC3339, el.SelectAttrValue(key, ""))
	if err != nil {
		t.Fatalf("%s@%s: %v", path, key, err)
	}
	return at
}
