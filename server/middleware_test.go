package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

var generatedID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestRequestID(t *testing.T) {
	tests := []struct {
		name     string
		incoming string
		keep     bool // the incoming ID must be echoed back unchanged
	}{
		{name: "absent", incoming: ""},
		{name: "valid", incoming: "abc-DEF_123.x", keep: true},
		{name: "max length", incoming: strings.Repeat("a", 128), keep: true},
		{name: "too long", incoming: strings.Repeat("a", 129)},
		{name: "space", incoming: "abc def"},
		{name: "log injection", incoming: "abc\"}\n{\"level\":\"ERROR"},
		{name: "non-ascii", incoming: "abcé"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, Options{})
			s.Echo().GET("/test/id", func(c echo.Context) error {
				return c.String(http.StatusOK, RequestID(c.Request().Context()))
			})
			req := httptest.NewRequest(http.MethodGet, "/test/id", nil)
			if tt.incoming != "" {
				req.Header.Set(HeaderRequestID, tt.incoming)
			}
			rec := serveRequest(s.Handler(), req)

			got := rec.Header().Get(HeaderRequestID)
			if tt.keep && got != tt.incoming {
				t.Errorf("response ID %q, want incoming %q", got, tt.incoming)
			}
			if !tt.keep && !generatedID.MatchString(got) {
				t.Errorf("response ID %q is not a generated 32-hex ID", got)
			}
			if ctxID := rec.Body.String(); ctxID != got {
				t.Errorf("context ID %q differs from response header %q", ctxID, got)
			}
		})
	}
}

func TestRequestIDUnique(t *testing.T) {
	s := newTestServer(t, Options{})
	a := serveRequest(s.Handler(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
	b := serveRequest(s.Handler(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if a.Header().Get(HeaderRequestID) == b.Header().Get(HeaderRequestID) {
		t.Error("two requests got the same generated ID")
	}
}

func TestPanicRecovery(t *testing.T) {
	s := newTestServer(t, Options{})
	s.Echo().GET("/test/panic", func(echo.Context) error {
		panic("secret-panic-value")
	})
	rec := serveRequest(s.Handler(), httptest.NewRequest(http.MethodGet, "/test/panic", nil))

	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	body := decodeBody(t, rec.Body.Bytes())
	want := map[string]string{
		"error":      "internal_error",
		"detail":     "internal server error",
		"request_id": rec.Header().Get(HeaderRequestID),
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("body[%q] = %q, want %q", k, body[k], v)
		}
	}
	if containsAny(rec.Body.String(), "secret-panic-value", "goroutine", ".go:") {
		t.Errorf("body leaks panic details: %s", rec.Body)
	}
}

// unsizedReader hides its length so the HTTP client must send it chunked.
type unsizedReader struct{ r io.Reader }

func (u unsizedReader) Read(p []byte) (int, error) { return u.r.Read(p) }

func TestBodyLimit(t *testing.T) {
	const limit = 64
	s := newTestServer(t, Options{BodyLimit: limit})
	// Two readers of the body: raw reads and echo's Bind (which wraps
	// decode errors in its own HTTPError).
	s.Echo().POST("/test/read", func(c echo.Context) error {
		// Lets the test prove the body really arrived chunked.
		c.Response().Header().Set("X-Test-Transfer-Encoding", strings.Join(c.Request().TransferEncoding, ","))
		b, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		return c.String(http.StatusOK, string(b))
	})
	s.Echo().POST("/test/bind", func(c echo.Context) error {
		var v map[string]any
		if err := c.Bind(&v); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	small := []byte(`{"a":"b"}`)
	big := []byte(`{"a":"` + strings.Repeat("x", 2*limit) + `"}`)
	tests := []struct {
		name       string
		route      string
		body       []byte
		chunked    bool
		wantStatus int
	}{
		{name: "within limit", route: "/test/read", body: small, wantStatus: http.StatusOK},
		{name: "within limit chunked", route: "/test/read", body: small, chunked: true, wantStatus: http.StatusOK},
		{name: "content-length over limit", route: "/test/read", body: big, wantStatus: http.StatusRequestEntityTooLarge},
		{name: "chunked over limit", route: "/test/read", body: big, chunked: true, wantStatus: http.StatusRequestEntityTooLarge},
		{name: "bind chunked over limit", route: "/test/bind", body: big, chunked: true, wantStatus: http.StatusRequestEntityTooLarge},
		{name: "bind within limit", route: "/test/bind", body: small, wantStatus: http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = bytes.NewReader(tt.body)
			if tt.chunked {
				body = unsizedReader{body}
			}
			req, err := http.NewRequest(http.MethodPost, srv.URL+tt.route, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			defer resp.Body.Close()
			respBody, _ := io.ReadAll(resp.Body)

			if te := resp.Header.Get("X-Test-Transfer-Encoding"); tt.chunked && tt.route == "/test/read" && te != "chunked" {
				t.Fatalf("server saw Transfer-Encoding %q, want chunked", te)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d (body %s)", resp.StatusCode, tt.wantStatus, respBody)
			}
			if tt.wantStatus != http.StatusRequestEntityTooLarge {
				return
			}
			got := decodeBody(t, respBody)
			if got["error"] != "request_entity_too_large" || !strings.Contains(got["detail"], "64 bytes") {
				t.Errorf("body %v, want request_entity_too_large naming the 64-byte limit", got)
			}
		})
	}
}

// uploadArea takes bodies up to 256 bytes on POST /upload/big only.
type uploadArea struct{}

func (uploadArea) Prefix() string { return "/upload" }
func (uploadArea) Mount(g *echo.Group) {
	read := func(c echo.Context) error {
		b, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		return c.String(http.StatusOK, strconv.Itoa(len(b)))
	}
	g.POST("/big", read)
	g.POST("/small", read)
}
func (uploadArea) WriteError(c echo.Context, status int, detail string) error {
	return c.String(status, detail)
}
func (uploadArea) BodyLimit(method, route string) int64 {
	if method == http.MethodPost && route == "/upload/big" {
		return 256
	}
	return 0
}

func TestAreaBodyLimit(t *testing.T) {
	s := newTestServer(t, Options{BodyLimit: 64, Areas: []Area{uploadArea{}}})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for _, tt := range []struct {
		route   string
		size    int
		chunked bool
		want    int
	}{
		{"/upload/big", 200, false, http.StatusOK},
		{"/upload/big", 200, true, http.StatusOK},
		{"/upload/big", 300, false, http.StatusRequestEntityTooLarge},
		{"/upload/big", 300, true, http.StatusRequestEntityTooLarge},
		{"/upload/small", 64, false, http.StatusOK},
		{"/upload/small", 200, false, http.StatusRequestEntityTooLarge},
		{"/upload/small", 200, true, http.StatusRequestEntityTooLarge},
	} {
		t.Run(fmt.Sprintf("%s %d chunked=%v", tt.route, tt.size, tt.chunked), func(t *testing.T) {
			var body io.Reader = bytes.NewReader(bytes.Repeat([]byte("x"), tt.size))
			if tt.chunked {
				body = unsizedReader{body}
			}
			resp, err := srv.Client().Post(srv.URL+tt.route, "application/octet-stream", body)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d; want %d", resp.StatusCode, tt.want)
			}
		})
	}
}
