package scim

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/internal/testdb"
	"github.com/latchkeyhq/latchkey/migrations"
	"github.com/latchkeyhq/latchkey/server"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// backends are the databases every SCIM scenario runs against.
var backends = []struct {
	name    string
	dialect gormstore.Dialect
	url     func(t testing.TB) string
}{
	{"sqlite", gormstore.SQLite, testdb.SQLitePath},
	{"postgres", gormstore.Postgres, func(t testing.TB) string { return testdb.PostgresURL(t, os.Getenv) }},
}

// scimEnv is a SCIM endpoint on a real, empty, migrated database, behind
// the real HTTP server (middleware, limits, error handling).
type scimEnv struct {
	t      *testing.T
	store  *gormstore.Store
	org    directory.Organization
	token  string
	hasher credential.Hasher
	http   http.Handler
}

type envOptions struct {
	rate      float64
	burst     int
	bodyLimit int64
	now       func() time.Time // the handler's clock; default time.Now
	members   int              // the member budget of list responses
}

func eachBackend(t *testing.T, fn func(t *testing.T, e *scimEnv)) {
	eachBackendWith(t, envOptions{}, fn)
}

func eachBackendWith(t *testing.T, opts envOptions, fn func(t *testing.T, e *scimEnv)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, newEnv(t, b.dialect, b.url(t), opts)) })
	}
}

func newEnv(t *testing.T, dialect gormstore.Dialect, url string, opts envOptions) *scimEnv {
	t.Helper()
	store, err := gormstore.Open(t.Context(), gormstore.Options{URL: url, Dialect: dialect})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if _, err := migrations.Up(t.Context(), store.DB(), migrations.Dialect(dialect)); err != nil {
		t.Fatal(err)
	}
	org := directory.Organization{Slug: "acme", Name: "Acme"}
	if err := store.CreateOrganization(t.Context(), &org); err != nil {
		t.Fatal(err)
	}
	hasher, err := credential.NewHasher([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	e := &scimEnv{t: t, store: store, org: org, hasher: hasher}
	e.token = e.newToken(org.ID, "Entra ID")
	h := New(Options{Store: store, Hasher: hasher, BaseURL: "https://latchkey.example.com",
		RatePerSecond: opts.rate, Burst: opts.burst, Now: opts.now, MemberBudget: opts.members})
	areas := []server.Area{h, h.TokenEndpoint()}
	e.http = server.New(server.Options{DB: store, Areas: areas, BodyLimit: opts.bodyLimit}).Handler()
	return e
}

func (e *scimEnv) newToken(orgID, name string) string {
	e.t.Helper()
	token, hash, err := e.hasher.New(credential.KindScim)
	if err != nil {
		e.t.Fatal(err)
	}
	tok := directory.ScimToken{OrgID: orgID, Name: name, Hash: hash}
	if err := e.store.CreateScimToken(e.t.Context(), &tok); err != nil {
		e.t.Fatal(err)
	}
	return token
}

// response is a recorded answer with its body decoded.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// do sends a request with the env's token. body may be a string (sent
// as is), nil, or anything JSON-encodable. Extra headers come in pairs.
func (e *scimEnv) do(method, path string, body any, headers ...string) response {
	e.t.Helper()
	return e.doAs(e.token, method, path, body, headers...)
}

func (e *scimEnv) doAs(token, method, path string, body any, headers ...string) response {
	e.t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		reader = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, "https://latchkey.example.com"+path, reader)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if reader != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.http.ServeHTTP(rec, req)
	r := response{status: rec.Code, header: rec.Header(), raw: rec.Body.Bytes()}
	if len(r.raw) > 0 {
		_ = json.Unmarshal(r.raw, &r.body)
	}
	return r
}

// want fails unless the response has the status; on failure it shows the body.
func (r response) want(t *testing.T, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d; want %d\n%s", r.status, status, r.raw)
	}
	return r
}

// wantError checks a SCIM error response: status (as a string in the
// body too), scimType, a detail, and the SCIM media type.
func (r response) wantError(t *testing.T, status int, scimType string) response {
	t.Helper()
	r.want(t, status)
	if got := r.body["status"]; got != strconvItoa(status) {
		t.Fatalf("error body status %v; want the string %q\n%s", got, strconvItoa(status), r.raw)
	}
	if scimType != "" && r.body["scimType"] != scimType {
		t.Fatalf("scimType %v; want %q\n%s", r.body["scimType"], scimType, r.raw)
	}
	if d, _ := r.body["detail"].(string); d == "" {
		t.Fatalf("error without detail\n%s", r.raw)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, ContentType) {
		t.Fatalf("Content-Type %q; want %s", ct, ContentType)
	}
	return r
}

func (r response) str(path string) string {
	v := r.get(path)
	s, _ := v.(string)
	return s
}

// get walks a dotted path; numeric segments index arrays. A path starting
// with "urn:" names an extension: "urn:…:User|manager.value" (the URN,
// then "|", then the path inside it), since URNs contain dots.
func (r response) get(path string) any {
	var segs []string
	if urn, rest, ok := strings.Cut(path, "|"); ok {
		segs = append([]string{urn}, strings.Split(rest, ".")...)
	} else {
		segs = strings.Split(path, ".")
	}
	var cur any = r.body
	for _, seg := range segs {
		switch node := cur.(type) {
		case map[string]any:
			cur = node[seg]
		case []any:
			i := 0
			for _, ch := range seg {
				i = i*10 + int(ch-'0')
			}
			if i >= len(node) {
				return nil
			}
			cur = node[i]
		default:
			return nil
		}
	}
	return cur
}

func strconvItoa(n int) string { return strconv.Itoa(n) }

// golden compares body (with volatile values scrubbed) with
// testdata/name.golden.json; -update rewrites it.
func golden(t *testing.T, name string, body []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./scim -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Fatalf("%s differs from %s (run with -update if the change is intended):\n%s", name, path, got)
	}
}
